import { randomBytes, webcrypto } from 'node:crypto';

import * as x509 from '@peculiar/x509';

/** The TLS material of a development client cluster: its own CA and a server certificate. */
export interface ClusterTLS {
  /** PEM of the self-signed CA; what a client cluster hands out as `ca.crt`. */
  caPem: string;
  /** PEM of the API server certificate, signed by the CA. */
  certPem: string;
  /** PKCS#8 PEM of the API server certificate's private key. */
  keyPem: string;
}

/** Which names the server certificate is valid for. */
export interface ClusterTLSOptions {
  /** DNS names; default `['localhost']`. */
  dnsNames?: string[];
  /** IP addresses; default `['127.0.0.1']`. */
  ipAddresses?: string[];
  /** Common name of the CA; default `dev-client-cluster-ca`. */
  caName?: string;
  /** Validity in days, starting one hour ago to absorb clock skew; default 30. */
  validityDays?: number;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const hourMs = 60 * 60 * 1000;

/**
 * Creates a fresh CA (EC P-256, self-signed) and a server certificate for the given names,
 * the way a cluster's API server is reached through a CA private to that cluster.
 */
export async function createClusterTLS(options: ClusterTLSOptions = {}): Promise<ClusterTLS> {
  const crypto = webcrypto;
  const notBefore = new Date(Date.now() - hourMs);
  const notAfter = new Date(Date.now() + (options.validityDays ?? 30) * 24 * hourMs);
  const caName = `CN=${options.caName ?? 'dev-client-cluster-ca'}`;

  const caKeys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: caName,
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const serverKeys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
  ];
  const server = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: 'CN=kube-apiserver',
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const pkcs8 = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caPem: ca.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: toPem('PRIVATE KEY', Buffer.from(pkcs8)),
  };
}

/** A positive 16-byte serial number with no leading zero byte (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
