import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';

import { importJwks, selectKey } from './verification-key.js';

function jwkOf(key: KeyObject, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), ...extra };
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed25519 = generateKeyPairSync('ed25519');

test('ties the allowed algorithms to the key type and curve', () => {
  const keys = importJwks({
    keys: [
      jwkOf(rsa.publicKey, { kid: 'rsa' }),
      jwkOf(p256.publicKey, { kid: 'p256' }),
      jwkOf(p384.publicKey, { kid: 'p384' }),
      jwkOf(p521.publicKey, { kid: 'p521' }),
      jwkOf(ed25519.publicKey, { kid: 'ed' }),
    ],
  });
  assert.deepEqual(
    keys.map((key) => [key.kid, key.algorithms]),
    [
      ['rsa', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']],
      ['p256', ['ES256']],
      ['p384', ['ES384']],
      ['p521', ['ES512']],
      ['ed', ['EdDSA']],
    ],
  );
});

test('allows only the alg a key names', () => {
  const [key] = importJwks({ keys: [jwkOf(rsa.publicKey, { kid: 'k', alg: 'PS256' })] });
  assert.deepEqual(key?.algorithms, ['PS256']);
});

test('leaves out keys that cannot verify signatures safely', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const keys = importJwks({
    keys: [
      jwkOf(rsa.publicKey, { kid: 'alg-of-other-type', alg: 'ES256' }),
      jwkOf(rsa.publicKey, { kid: 'hmac', alg: 'HS256' }),
      jwkOf(rsa.publicKey, { kid: 'enc', use: 'enc' }),
      jwkOf(rsa.publicKey, { kid: 'ops', key_ops: ['encrypt'] }),
      jwkOf(small.publicKey, { kid: 'small' }),
      { kty: 'oct', kid: 'oct', k: 'c2VjcmV0' },
      { kty: 'RSA', kid: 'broken', n: 'AQAB', e: 'AQAB' },
      jwkOf(generateKeyPairSync('x25519').publicKey, { kid: 'x25519' }),
      'not a key',
      null,
    ],
  });
  assert.deepEqual(keys, []);
});

test('imports only the public part of a JWK that carries private members', () => {
  const [key] = importJwks({ keys: [jwkOf(rsa.privateKey, { kid: 'k' })] });
  assert.equal(key?.key.type, 'public');
});

test('treats a document without a keys array as empty', () => {
  assert.deepEqual(importJwks(null), []);
  assert.deepEqual(importJwks({ keys: 'x' }), []);
  assert.deepEqual(importJwks([]), []);
});

test('selects by kid and only for an allowed algorithm', () => {
  const keys = importJwks({
    keys: [jwkOf(rsa.publicKey, { kid: 'a' }), jwkOf(p256.publicKey, { kid: 'b' })],
  });
  assert.equal(selectKey(keys, { alg: 'RS256', kid: 'a' })?.kid, 'a');
  assert.equal(selectKey(keys, { alg: 'ES256', kid: 'b' })?.kid, 'b');
  assert.equal(selectKey(keys, { alg: 'ES256', kid: 'a' }), undefined);
  assert.equal(selectKey(keys, { alg: 'HS256', kid: 'a' }), undefined);
  assert.equal(selectKey(keys, { alg: 'none', kid: 'a' }), undefined);
  assert.equal(selectKey(keys, { kid: 'a' }), undefined);
  assert.equal(selectKey(keys, { alg: 'RS256', kid: 'c' }), undefined);
});

test('selects a key without kid only when exactly one key fits the algorithm', () => {
  const keys = importJwks({
    keys: [
      jwkOf(rsa.publicKey, { kid: 'a' }),
      jwkOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, { kid: 'b' }),
      jwkOf(p256.publicKey, { kid: 'c' }),
    ],
  });
  assert.equal(selectKey(keys, { alg: 'ES256' })?.kid, 'c');
  assert.equal(selectKey(keys, { alg: 'RS256' }), undefined);
});
