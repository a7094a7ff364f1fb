/** How a generated password is written into the output (ESO `encoding`). */
export type PasswordEncoding = 'raw' | 'base64' | 'base64url' | 'base32' | 'hex';

/** Every supported encoding; `raw` is the default. */
export const passwordEncodings = ['raw', 'base64', 'base64url', 'base32', 'hex'] as const;

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Pads to a multiple of `block` characters with `=` (RFC 4648 padding). */
function pad(text: string, block: number): string {
  return text.padEnd(Math.ceil(text.length / block) * block, '=');
}

/** RFC 4648 base32 with padding; Node has no built-in encoder for it. */
export function toBase32(bytes: Uint8Array): string {
  let output = '';
  let buffer = 0;
  let bits = 0;

  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      output += base32Alphabet[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) {
    output += base32Alphabet[(buffer << (5 - bits)) & 31];
  }
  return pad(output, 8);
}

/**
 * Encodes the UTF-8 bytes of a password. `base64url` and `base32` keep their `=` padding,
 * like the Go encoders the External Secrets Operator uses.
 */
export function encodePassword(password: string, encoding: PasswordEncoding): string {
  const bytes = Buffer.from(password, 'utf8');
  switch (encoding) {
    case 'raw':
      return password;
    case 'base64':
      return bytes.toString('base64');
    case 'base64url':
      return pad(bytes.toString('base64url'), 4);
    case 'base32':
      return toBase32(bytes);
    case 'hex':
      return bytes.toString('hex');
  }
}
