import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { FederationError, type Reason } from '../../errors.js';
import type { RemoteRef } from '../provider.js';
import { fakeProvider } from './index.js';
import { contextWithoutSecrets } from '../secret-reader.js';

async function assertRejects(promise: Promise<unknown>, reason: Reason): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FederationError);
    assert.equal(error.reason, reason);
    return true;
  });
}

function storeWith(data: unknown) {
  return fakeProvider.create(fakeProvider.schema.parse({ data }), contextWithoutSecrets);
}

const store = storeWith([
  { key: 'plain', value: 'v-plain' },
  { key: 'versioned', value: 'v1', version: 'v1' },
  { key: 'versioned', value: 'v2', version: 'v2' },
  { key: 'mixed', value: 'current' },
  { key: 'mixed', value: 'old', version: '1' },
  { key: 'json', value: '{"user":{"name":"alice","password":"c2VjcmV0"}}' },
  { key: 'encoded', value: 'aGVsbG8=' },
  { key: 'empty' },
  { key: 'a/b/c', value: 'slashes' },
]);

const get = (ref: RemoteRef) => store.getSecret(ref);

describe('fake provider', () => {
  it('is registered under the key fake', () => {
    assert.equal(fakeProvider.key, 'fake');
  });

  it('returns the value of a key', async () => {
    assert.equal(await get({ key: 'plain' }), 'v-plain');
    assert.equal(await get({ key: 'a/b/c' }), 'slashes');
  });

  it('returns the empty string for an entry without value', async () => {
    assert.equal(await get({ key: 'empty' }), '');
  });

  it('selects the entry with exactly the requested version', async () => {
    assert.equal(await get({ key: 'versioned', version: 'v1' }), 'v1');
    assert.equal(await get({ key: 'mixed', version: '1' }), 'old');
  });

  it('prefers the entry without version when the ref has none', async () => {
    assert.equal(await get({ key: 'mixed' }), 'current');
  });

  it('falls back to the last entry for the key when none is unversioned', async () => {
    assert.equal(await get({ key: 'versioned' }), 'v2');
  });

  it('answers NotFound for an unknown key or version', async () => {
    await assertRejects(get({ key: 'missing' }), 'NotFound');
    await assertRejects(get({ key: 'versioned', version: 'v3' }), 'NotFound');
    await assertRejects(get({ key: 'plain', version: 'v1' }), 'NotFound');
  });

  it('selects a property from a JSON value', async () => {
    assert.equal(await get({ key: 'json', property: 'user.name' }), 'alice');
    assert.equal(
      await get({ key: 'json', property: 'user' }),
      '{"name":"alice","password":"c2VjcmV0"}',
    );
  });

  it('answers NotFound for a missing property or a non-JSON value', async () => {
    await assertRejects(get({ key: 'json', property: 'user.email' }), 'NotFound');
    await assertRejects(get({ key: 'plain', property: 'x' }), 'NotFound');
  });

  it('answers InvalidRemoteRef for a malformed property', async () => {
    await assertRejects(get({ key: 'json', property: 'user..name' }), 'InvalidRemoteRef');
  });

  it('decodes the selected value', async () => {
    assert.equal(await get({ key: 'encoded', decodingStrategy: 'Base64' }), 'hello');
    assert.equal(
      await get({ key: 'json', property: 'user.password', decodingStrategy: 'Base64' }),
      'secret',
    );
  });

  it('answers InvalidRemoteRef when Base64 decoding fails', async () => {
    await assertRejects(get({ key: 'plain', decodingStrategy: 'Base64' }), 'InvalidRemoteRef');
  });

  it('rejects metadataPolicy Fetch because it has no metadata', async () => {
    await assert.rejects(get({ key: 'plain', metadataPolicy: 'Fetch' }), {
      reason: 'InvalidRemoteRef',
      message: 'the fake provider has no metadata',
    });
  });

  it('lets later duplicates win', async () => {
    const duplicated = storeWith([
      { key: 'k', value: 'first' },
      { key: 'k', value: 'second' },
    ]);
    assert.equal(await duplicated.getSecret({ key: 'k' }), 'second');
  });
});

describe('fake provider schema', () => {
  it('rejects unknown fields of the store and of entries', () => {
    assert.equal(fakeProvider.schema.safeParse({ data: [], extra: 1 }).success, false);
    assert.equal(
      fakeProvider.schema.safeParse({ data: [{ key: 'k', vaule: 'x' }] }).success,
      false,
    );
  });

  it('requires data and a key on every entry', () => {
    assert.equal(fakeProvider.schema.safeParse({}).success, false);
    assert.equal(fakeProvider.schema.safeParse({ data: [{ value: 'x' }] }).success, false);
  });

  it('rejects the deprecated valueMap with a message naming it', () => {
    const result = fakeProvider.schema.safeParse({ data: [{ key: 'k', valueMap: { a: 'b' } }] });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /valueMap is deprecated/);
    assert.deepEqual(result.error?.issues[0]?.path, ['data', 0]);
  });

  it('converts to a JSON schema without unknown fields', () => {
    const schema = z.toJSONSchema(fakeProvider.schema) as Record<string, unknown>;
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['data']);
  });
});
