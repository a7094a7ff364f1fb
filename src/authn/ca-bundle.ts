import { X509Certificate } from 'node:crypto';

import { FederationError } from '../errors.js';

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const base64Text = /^[A-Za-z0-9+/=\s]+$/;

/**
 * Reads a CA bundle given as PEM text or as base64 of PEM text (how `ca.crt` travels in a
 * request body) and returns its certificates re-encoded as PEM, one after the other.
 *
 * Throws `InvalidCACert` when the value holds no certificate, a certificate that does not
 * parse, or a PEM block of another kind (a private key pasted by mistake). Text around the
 * blocks, such as comments, is dropped.
 */
export function parseCABundle(value: string): string {
  const text = value.includes('-----BEGIN') ? value : decodeBase64(value.trim());

  const certificates: X509Certificate[] = [];
  for (const [block, label] of text.matchAll(pemBlock)) {
    if (label !== 'CERTIFICATE') throw invalid('a PEM block is not a certificate');
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      throw invalid('a certificate does not parse');
    }
  }
  if (certificates.length === 0) throw invalid('no PEM certificate block');
  return certificates.map((certificate) => certificate.toString()).join('');
}

function decodeBase64(text: string): string {
  if (!base64Text.test(text)) throw invalid('neither PEM nor base64');
  return Buffer.from(text, 'base64').toString('utf8');
}

function invalid(detail: string): FederationError {
  return new FederationError('InvalidCACert', undefined, detail);
}
