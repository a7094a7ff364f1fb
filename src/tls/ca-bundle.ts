import { X509Certificate } from 'node:crypto';

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

/** The outcome of reading a CA bundle: its certificates as PEM text, or why it is unusable. */
export type CaBundleResult = { pem: string; count: number } | { error: string };

/**
 * Reads a CA bundle given as PEM text or as base64 of PEM text (the form of a Secret's
 * `ca.crt`). Every block must be a certificate that parses; the result is the certificates
 * re-encoded as PEM, one after the other.
 */
export function readCaBundle(value: string): CaBundleResult {
  const text = value.includes('-----BEGIN') ? value : decodeBase64(value);
  if (text === undefined || !text.includes('-----BEGIN')) {
    return { error: 'must be PEM certificates, or base64 of PEM certificates' };
  }

  const certificates: X509Certificate[] = [];
  for (const [block, label] of text.matchAll(pemBlock)) {
    if (label !== 'CERTIFICATE') {
      // Only the label is named: the block could be a private key pasted by mistake.
      return { error: `must hold only CERTIFICATE blocks, found a \`${label}\` block` };
    }
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      return { error: `certificate ${certificates.length + 1} cannot be parsed` };
    }
  }

  if (certificates.length === 0) return { error: 'holds no complete CERTIFICATE block' };
  return {
    pem: certificates.map((certificate) => certificate.toString()).join(''),
    count: certificates.length,
  };
}

function decodeBase64(value: string): string | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact === '' || !base64Text.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}
