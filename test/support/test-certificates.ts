import { randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import * as x509 from '@peculiar/x509';

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const hourMs = 60 * 60 * 1000;

/** A certificate with its PKCS#8 private key, both PEM. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A throwaway certificate authority for tests: issues server and client certificates. */
export class TestCa {
  readonly pem: string;
  readonly #certificate: x509.X509Certificate;
  readonly #keys: CryptoKeyPair;

  private constructor(certificate: x509.X509Certificate, keys: CryptoKeyPair) {
    this.#certificate = certificate;
    this.#keys = keys;
    this.pem = certificate.toString('pem');
  }

  /** A new self-signed CA named `name`. */
  static async create(name: string): Promise<TestCa> {
    const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: serialNumber(),
        name: `CN=${name}`,
        notBefore: new Date(Date.now() - hourMs),
        notAfter: new Date(Date.now() + 24 * hourMs),
        keys,
        signingAlgorithm,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
        ],
      },
      webcrypto,
    );
    return new TestCa(certificate, keys);
  }

  /** A server certificate for `localhost` and 127.0.0.1. */
  issueServer(): Promise<IssuedCertificate> {
    return this.#issue('CN=localhost', x509.ExtendedKeyUsage.serverAuth, [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ]);
  }

  /** A client certificate whose subject common name is `commonName`. */
  issueClient(commonName: string): Promise<IssuedCertificate> {
    return this.#issue(`CN=${commonName}`, x509.ExtendedKeyUsage.clientAuth, []);
  }

  async #issue(
    subject: string,
    usage: string,
    extra: x509.Extension[],
  ): Promise<IssuedCertificate> {
    const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serialNumber(),
        subject,
        issuer: this.#certificate.subject,
        notBefore: new Date(Date.now() - hourMs),
        notAfter: new Date(Date.now() + 24 * hourMs),
        publicKey: keys.publicKey,
        signingKey: this.#keys.privateKey,
        signingAlgorithm,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([usage]),
          ...extra,
        ],
      },
      webcrypto,
    );
    return { certPem: certificate.toString('pem'), keyPem: await exportKey(keys.privateKey) };
  }
}
