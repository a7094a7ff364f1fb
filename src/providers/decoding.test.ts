import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FederationError } from '../errors.js';
import { decodeValue } from './decoding.js';

function assertInvalidRemoteRef(run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FederationError);
    assert.equal(error.reason, 'InvalidRemoteRef');
    return true;
  });
}

describe('decodeValue', () => {
  it('returns the value unchanged with None or no strategy', () => {
    assert.equal(decodeValue('aGVsbG8='), 'aGVsbG8=');
    assert.equal(decodeValue('aGVsbG8=', 'None'), 'aGVsbG8=');
  });

  it('decodes standard base64 with Base64', () => {
    assert.equal(decodeValue('aGVsbG8gd29ybGQ=', 'Base64'), 'hello world');
  });

  it('skips line breaks inside base64, as wrapped PEM-style text has them', () => {
    assert.equal(decodeValue('aGVsbG8g\nd29ybGQ=', 'Base64'), 'hello world');
  });

  it('decodes URL-safe base64 with Base64URL', () => {
    const encoded = Buffer.from('>>>???', 'utf8').toString('base64url');
    assert.match(encoded, /[-_]/);
    assert.equal(decodeValue(encoded, 'Base64URL'), '>>>???');
  });

  it('rejects text that is not base64 with Base64', () => {
    assertInvalidRemoteRef(() => decodeValue('not base64!', 'Base64'));
  });

  it('rejects base64 with missing padding with Base64', () => {
    assertInvalidRemoteRef(() => decodeValue('aGVsbG8', 'Base64'));
  });

  it('rejects URL-safe characters with Base64 and standard ones with Base64URL', () => {
    assertInvalidRemoteRef(() => decodeValue('Pj4-Pz8_', 'Base64'));
    assertInvalidRemoteRef(() => decodeValue('Pj4+Pz8/', 'Base64URL'));
  });

  it('tries standard base64, then URL-safe base64, then the raw value with Auto', () => {
    assert.equal(decodeValue('Pj4+Pz8/', 'Auto'), '>>>???');
    assert.equal(decodeValue('Pj4-Pz8_', 'Auto'), '>>>???');
    assert.equal(decodeValue('plain text!', 'Auto'), 'plain text!');
  });

  it('rejects an unknown strategy', () => {
    assertInvalidRemoteRef(() => decodeValue('x', 'Hex' as never));
  });
});
