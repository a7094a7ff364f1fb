import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

import { readCaBundle } from './ca-bundle.js';

/** The files the HTTPS listener is served from; they are read again whenever they change. */
export interface ServerTlsFiles {
  /** PEM certificate chain, the server's own certificate first. */
  certFile: string;
  /** PEM private key of that certificate, unencrypted (PKCS#8, PKCS#1 or SEC1). */
  keyFile: string;
  /** PEM CA bundle; when given, every client must present a certificate it signed. */
  clientCaFile?: string;
}

/** The file contents, as read, before any check. */
export interface TlsFileTexts {
  cert: string;
  key: string;
  clientCa?: string;
}

/** A checked certificate, key and client CA, ready for a secure context. Never log `key`. */
export interface ServerCredentials {
  /** The certificate chain as PEM, certificates only. */
  cert: string;
  /** The private key as PKCS#8 PEM. */
  key: string;
  /** The client CA bundle as PEM, when client certificates are required. */
  clientCa?: string;
  /** SHA-256 fingerprint of the server's certificate, colon-separated hex as Node prints it. */
  fingerprint: string;
  /** End of the server certificate's validity, ISO 8601. */
  notAfter: string;
  /** Digest of the file contents these were made from; tells whether the files changed. */
  revision: string;
}

/** Oldest protocol accepted: TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const minTlsVersion = 'TLSv1.2';

const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Reads the TLS files; rejects with a message naming the file that cannot be read. */
export async function readTlsFiles(files: ServerTlsFiles): Promise<TlsFileTexts> {
  const read = (path: string): Promise<string> =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${path}: ${error.code ?? error.name}`);
    });
  const [cert, key, clientCa] = await Promise.all([
    read(files.certFile),
    read(files.keyFile),
    files.clientCaFile === undefined ? undefined : read(files.clientCaFile),
  ]);
  return { cert, key, clientCa };
}

/** A digest of the file contents, compared to notice a change without keeping the key text. */
export function revisionOf(texts: TlsFileTexts): string {
  const hash = createHash('sha256');
  for (const text of [texts.cert, texts.key, texts.clientCa ?? '']) {
    hash.update(String(text.length)).update(':').update(text);
  }
  return hash.digest('hex');
}

/**
 * Checks that the texts make a usable listener: certificates that parse, a private key
 * that parses and belongs to the first certificate, a client CA bundle of certificates,
 * and that OpenSSL accepts them together. Throws an error whose message names the files
 * and the problem; it never quotes the key.
 */
export function checkServerCredentials(
  files: ServerTlsFiles,
  texts: TlsFileTexts,
): ServerCredentials {
  const blocks = texts.cert.match(certificateBlock) ?? [];
  if (blocks.length === 0) throw new Error(`${files.certFile} holds no PEM certificate`);
  const chain = blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new Error(`certificate ${index + 1} of ${files.certFile} cannot be parsed`);
    }
  });
  const leaf = chain[0] as X509Certificate;
  const key = privateKeyOf(files.keyFile, texts.key);
  if (!leaf.checkPrivateKey(key)) {
    throw new Error(
      `the private key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`,
    );
  }
  const clientCa = clientCaOf(files, texts);

  const credentials: ServerCredentials = {
    cert: blocks.join('\n'),
    key: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    clientCa,
    fingerprint: leaf.fingerprint256,
    notAfter: new Date(leaf.validTo).toISOString(),
    revision: revisionOf(texts),
  };
  try {
    createSecureContext(secureContextOptions(credentials));
  } catch (error) {
    // OpenSSL's reason ("ee key too small", ...) names the problem, never key bytes.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${files.certFile} and ${files.keyFile} are refused by TLS: ${reason}`);
  }
  return credentials;
}

/** Reads and checks the TLS files in one step (see `checkServerCredentials`). */
export async function loadServerCredentials(files: ServerTlsFiles): Promise<ServerCredentials> {
  return checkServerCredentials(files, await readTlsFiles(files));
}

function privateKeyOf(keyFile: string, text: string): KeyObject {
  if (!text.includes('PRIVATE KEY-----')) throw new Error(`${keyFile} holds no PEM private key`);
  // PKCS#8 and the older OpenSSL form mark an encrypted key in the clear.
  if (text.includes('ENCRYPTED PRIVATE KEY-----') || text.includes('Proc-Type: 4,ENCRYPTED')) {
    throw new Error(`${keyFile} holds a key encrypted with a passphrase, which is not supported`);
  }
  try {
    return createPrivateKey(text);
  } catch {
    throw new Error(`the private key in ${keyFile} cannot be parsed`);
  }
}

function clientCaOf(files: ServerTlsFiles, texts: TlsFileTexts): string | undefined {
  if (files.clientCaFile === undefined || texts.clientCa === undefined) return undefined;
  const bundle = readCaBundle(texts.clientCa);
  if ('error' in bundle) throw new Error(`${files.clientCaFile} ${bundle.error}`);
  return bundle.pem;
}

/** What a secure context needs; also what `setSecureContext` takes on a rotation. */
export function secureContextOptions(credentials: ServerCredentials): SecureContextOptions {
  return {
    cert: credentials.cert,
    key: credentials.key,
    ca: credentials.clientCa,
    minVersion: minTlsVersion,
  };
}

/**
 * Options of the HTTPS listener: the credentials, and client certificates requested and
 * required when a client CA is configured. Whether to ask for a client certificate is
 * fixed when the listener is created; a reload only changes which CA signs them.
 */
export function tlsListenerOptions(
  credentials: ServerCredentials,
  handshakeTimeoutMs: number,
): TlsOptions {
  const requireClientCertificate = credentials.clientCa !== undefined;
  return {
    ...secureContextOptions(credentials),
    requestCert: requireClientCertificate,
    rejectUnauthorized: requireClientCertificate,
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** The log fields of a loaded certificate: file names and public facts only. */
export function describeCredentials(
  files: ServerTlsFiles,
  credentials: ServerCredentials,
): Record<string, string | undefined> {
  return {
    certFile: files.certFile,
    keyFile: files.keyFile,
    clientCaFile: files.clientCaFile,
    fingerprint: credentials.fingerprint,
    notAfter: credentials.notAfter,
  };
}
