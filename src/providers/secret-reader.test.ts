import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FederationError } from '../errors.js';
import { MapSecretReader, readSecretText, resolveSecretKeyRef } from './secret-reader.js';

function isStoreNotReady(error: unknown): boolean {
  return error instanceof FederationError && error.reason === 'StoreNotReady';
}

describe('MapSecretReader', () => {
  const reader = new MapSecretReader();
  reader.replace(new Map([['hub/vault', { token: Buffer.from('s.abc') }]]));

  it('reads a key of a Secret by namespace and name', async () => {
    const value = await reader.readSecretKey({ namespace: 'hub', name: 'vault', key: 'token' });
    assert.equal(value.toString(), 's.abc');
  });

  it('answers StoreNotReady for a missing Secret, key or namespace', async () => {
    for (const ref of [
      { namespace: 'hub', name: 'other', key: 'token' },
      { namespace: 'hub', name: 'vault', key: 'password' },
      { namespace: 'elsewhere', name: 'vault', key: 'token' },
    ]) {
      await assert.rejects(reader.readSecretKey(ref), isStoreNotReady);
    }
  });

  it('serves the Secrets of the latest replace', async () => {
    const rotating = new MapSecretReader();
    rotating.replace(new Map([['hub/s', { k: Buffer.from('old') }]]));
    rotating.replace(new Map([['hub/s', { k: Buffer.from('new') }]]));
    const value = await rotating.readSecretKey({ namespace: 'hub', name: 's', key: 'k' });
    assert.equal(value.toString(), 'new');
  });
});

describe('resolveSecretKeyRef', () => {
  const secrets = new MapSecretReader();

  it("defaults to the context's namespace and accepts naming it", () => {
    const context = { secrets, namespace: 'gen' };
    assert.equal(resolveSecretKeyRef({ name: 's', key: 'k' }, context).namespace, 'gen');
    assert.equal(
      resolveSecretKeyRef({ name: 's', key: 'k', namespace: 'gen' }, context).namespace,
      'gen',
    );
  });

  it('refuses a namespaced resource a Secret of another namespace', async () => {
    const context = { secrets, namespace: 'gen' };
    assert.throws(
      () => resolveSecretKeyRef({ name: 's', key: 'k', namespace: 'hub' }, context),
      isStoreNotReady,
    );
    await assert.rejects(
      readSecretText({ name: 's', key: 'k', namespace: 'hub' }, context),
      isStoreNotReady,
    );
  });

  it('lets a cluster-scoped resource name any namespace', () => {
    assert.equal(
      resolveSecretKeyRef({ name: 's', key: 'k', namespace: 'hub' }, { secrets }).namespace,
      'hub',
    );
  });

  it('refuses a ref without namespace for a cluster-scoped resource', async () => {
    assert.throws(() => resolveSecretKeyRef({ name: 's', key: 'k' }, { secrets }), isStoreNotReady);
    await assert.rejects(readSecretText({ name: 's', key: 'k' }, { secrets }), isStoreNotReady);
  });
});
