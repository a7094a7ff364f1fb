import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { isFederationError } from '../errors.js';
import { bearerToken } from './caller.js';

/** The token, or the reason of the refusal. */
function read(authorization: string | undefined): string {
  try {
    return `token:${bearerToken({ headers: { authorization } })}`;
  } catch (error) {
    assert.ok(isFederationError(error));
    return `refused:${error.reason}`;
  }
}

describe('bearerToken', () => {
  it('takes the token after a case-insensitive Bearer and any spaces', () => {
    assert.equal(read('Bearer abc.def.ghi'), 'token:abc.def.ghi');
    assert.equal(read('bearer    abc  '), 'token:abc');
    assert.equal(read('BEARER a\tb'), 'token:a\tb');
  });

  it('refuses anything else as TokenMissing', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer   ',
      'Bearerabc',
      'Bearer\tabc',
      'Basic abc',
      'Bearer a b',
      ' Bearer abc',
    ]) {
      assert.equal(read(header), 'refused:TokenMissing', JSON.stringify(header));
    }
  });

  it('accepts exactly what `^Bearer +([^ ]+) *$` (case-insensitive) accepts', () => {
    const pattern = /^Bearer[ ]+([^ ]+)[ ]*$/i;
    const piece = fc.constantFrom('Bearer', 'bearer', 'BeArEr', ' ', '  ', 'a', '.', '\t', 'x y');
    const header = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(header, (value) => {
        const token = pattern.exec(value)?.[1];
        assert.equal(read(value), token ? `token:${token}` : 'refused:TokenMissing');
      }),
      { numRuns: 2000, seed: 0xbea7e7 },
    );
  });
});
