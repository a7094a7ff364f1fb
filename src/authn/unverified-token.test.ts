import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FederationError } from '../errors.js';
import { decodeUnverifiedToken, peekIssuer } from './unverified-token.js';

const encode = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const header = encode({ alg: 'RS256', kid: 'k1' });

function assertMalformed(action: () => unknown): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof FederationError);
    assert.equal(error.reason, 'TokenMalformed');
    return true;
  });
}

test('reads the unverified issuer of a compact JWS', () => {
  assert.equal(peekIssuer(`${header}.${encode({ iss: 'https://issuer' })}.c2ln`), 'https://issuer');
});

test('accepts an empty signature segment when reading the issuer', () => {
  assert.equal(peekIssuer(`${header}.${encode({ iss: 'https://issuer' })}.`), 'https://issuer');
});

test('decodes header and payload objects', () => {
  const token = `${header}.${encode({ iss: 'i', sub: 's' })}.c2ln`;
  assert.deepEqual(decodeUnverifiedToken(token), {
    header: { alg: 'RS256', kid: 'k1' },
    payload: { iss: 'i', sub: 's' },
  });
});

test('rejects tokens without exactly three segments', () => {
  const payload = encode({ iss: 'i' });
  assertMalformed(() => peekIssuer(''));
  assertMalformed(() => peekIssuer(`${header}.${payload}`));
  assertMalformed(() => peekIssuer(`${header}.${payload}.sig.extra`));
  assertMalformed(() => peekIssuer(`${header}.${encode('{}')}.${payload}.iv.tag`));
});

test('rejects segments that are not base64url', () => {
  assertMalformed(() => peekIssuer(`${header}.${encode({ iss: 'i' })}+/.sig`));
  assertMalformed(() => peekIssuer(`${header} .${encode({ iss: 'i' })}.sig`));
});

test('rejects a payload or header that is not a JSON object', () => {
  assertMalformed(() => peekIssuer(`${header}.${encode('not json')}.sig`));
  assertMalformed(() => peekIssuer(`${header}.${encode([1, 2])}.sig`));
  assertMalformed(() => peekIssuer(`${header}.${encode('null')}.sig`));
  assertMalformed(() => peekIssuer(`${encode('nope')}.${encode({ iss: 'i' })}.sig`));
});

test('rejects a payload without a string iss', () => {
  assertMalformed(() => peekIssuer(`${header}.${encode({ sub: 's' })}.sig`));
  assertMalformed(() => peekIssuer(`${header}.${encode({ iss: 42 })}.sig`));
  assertMalformed(() => peekIssuer(`${header}.${encode({ iss: '' })}.sig`));
});

test('rejects oversized tokens before decoding them', () => {
  const big = `${header}.${encode({ iss: 'i', pad: 'x'.repeat(20_000) })}.sig`;
  assertMalformed(() => peekIssuer(big));
});

test('never puts the token into the error message', () => {
  const token = `${header}.${encode({ sub: 'secret-subject' })}.sig`;
  try {
    peekIssuer(token);
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof FederationError);
    assert.ok(!error.message.includes('secret-subject'));
    assert.ok(!JSON.stringify(error).includes(token));
  }
});
