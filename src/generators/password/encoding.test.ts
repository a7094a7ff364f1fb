import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { encodePassword, toBase32 } from './encoding.js';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A test-only RFC 4648 base32 decoder, written independently of the encoder. */
function fromBase32(text: string): Buffer {
  const bits = [...text.replace(/=+$/, '')]
    .map((char) => alphabet.indexOf(char).toString(2).padStart(5, '0'))
    .join('');
  const bytes: number[] = [];
  for (let offset = 0; offset + 8 <= bits.length; offset += 8) {
    bytes.push(parseInt(bits.slice(offset, offset + 8), 2));
  }
  return Buffer.from(bytes);
}

const password = 'pä$$wörd~!?/+<>';

describe('toBase32', () => {
  it('matches the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY======'],
      ['fo', 'MZXQ===='],
      ['foo', 'MZXW6==='],
      ['foob', 'MZXW6YQ='],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI======'],
    ];
    for (const [input, expected] of vectors) {
      assert.equal(toBase32(Buffer.from(input)), expected);
    }
  });
});

describe('encodePassword', () => {
  it('returns the password unchanged with raw', () => {
    assert.equal(encodePassword(password, 'raw'), password);
  });

  it('writes base64 that decodes back to the UTF-8 password', () => {
    const encoded = encodePassword(password, 'base64');
    assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), password);
  });

  it('writes padded URL-safe base64 that decodes back', () => {
    const encoded = encodePassword('??>', 'base64url');
    assert.equal(encoded, 'Pz8-');
    const padded = encodePassword(password, 'base64url');
    assert.equal(padded.length % 4, 0);
    assert.doesNotMatch(padded, /[+/]/);
    assert.equal(Buffer.from(padded, 'base64url').toString('utf8'), password);
  });

  it('writes base32 that decodes back', () => {
    const encoded = encodePassword(password, 'base32');
    assert.match(encoded, /^[A-Z2-7]+=*$/);
    assert.equal(encoded.length % 8, 0);
    assert.equal(fromBase32(encoded).toString('utf8'), password);
  });

  it('writes lowercase hex that decodes back', () => {
    const encoded = encodePassword(password, 'hex');
    assert.match(encoded, /^[0-9a-f]+$/);
    assert.equal(Buffer.from(encoded, 'hex').toString('utf8'), password);
  });
});
