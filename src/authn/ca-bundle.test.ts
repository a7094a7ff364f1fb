import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, test } from 'node:test';

import { createClusterTLS } from '../dev/cluster-ca.js';
import { FederationError } from '../errors.js';
import { parseCABundle } from './ca-bundle.js';

let caPem = '';
let otherPem = '';

before(async () => {
  caPem = (await createClusterTLS()).caPem;
  otherPem = (await createClusterTLS({ caName: 'other' })).caPem;
});

function assertInvalid(value: string): void {
  assert.throws(
    () => parseCABundle(value),
    (error: unknown) => error instanceof FederationError && error.reason === 'InvalidCACert',
  );
}

test('accepts a PEM certificate', () => {
  const pem = parseCABundle(caPem);
  assert.equal(new X509Certificate(pem).fingerprint256, new X509Certificate(caPem).fingerprint256);
});

test('accepts base64 of a PEM certificate, as ca.crt travels in a request body', () => {
  assert.equal(parseCABundle(Buffer.from(caPem).toString('base64')), parseCABundle(caPem));
});

test('keeps every certificate of a bundle and drops text around them', () => {
  const pem = parseCABundle(`# cluster CAs\r\n${caPem.replace(/\n/g, '\r\n')}\n${otherPem}\n`);
  assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 2);
  assert.ok(!pem.includes('#'));
});

test('rejects text that holds no certificate', () => {
  assertInvalid('hello');
  assertInvalid(Buffer.from('hello').toString('base64'));
  assertInvalid('');
});

test('rejects a bundle that also holds a block of another kind, such as a private key', () => {
  assertInvalid('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  assertInvalid(`${caPem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`);
});

test('rejects a certificate block that does not parse', () => {
  assertInvalid('-----BEGIN CERTIFICATE-----\nAAAABBBB\n-----END CERTIFICATE-----\n');
  const broken = caPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
  assertInvalid(`${broken}`);
});
