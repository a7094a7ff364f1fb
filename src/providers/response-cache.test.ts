import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FederationError } from '../errors.js';
import type { RemoteRef, SecretProvider } from './provider.js';
import { ResponseCache } from './response-cache.js';

/** A backend that counts its calls and answers after the test releases it. */
function countingBackend() {
  const calls: RemoteRef[] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const provider: SecretProvider = {
    getSecret: async (ref) => {
      calls.push(ref);
      await gate;
      if (ref.key === 'missing') throw new FederationError('NotFound');
      return `value-of-${ref.key}-${ref.property ?? ''}-${calls.length}`;
    },
  };
  return {
    calls,
    provider,
    hold: () => {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

describe('ResponseCache', () => {
  it('serves a value from memory for the TTL, then reads again', async () => {
    const clock = { ms: 0 };
    const backend = countingBackend();
    const cache = new ResponseCache(backend.provider, { ttlMs: 1000, now: () => clock.ms });
    const first = await cache.getSecret({ key: 'a' });
    clock.ms = 999;
    assert.equal(await cache.getSecret({ key: 'a' }), first);
    clock.ms = 1000;
    assert.notEqual(await cache.getSecret({ key: 'a' }), first);
    assert.equal(backend.calls.length, 2);
    assert.deepEqual(cache.stats, { hits: 1, misses: 2, joined: 0 });
  });

  it('keeps reads with a different property, version or decoding apart', async () => {
    const backend = countingBackend();
    const cache = new ResponseCache(backend.provider, { ttlMs: 1000 });
    await cache.getSecret({ key: 'a' });
    await cache.getSecret({ key: 'a', property: 'p' });
    await cache.getSecret({ key: 'a', version: 'v1' });
    await cache.getSecret({ key: 'a', decodingStrategy: 'Base64' });
    assert.equal(backend.calls.length, 4);
  });

  it('collapses identical reads that arrive together into one backend call', async () => {
    const backend = countingBackend();
    const cache = new ResponseCache(backend.provider, { ttlMs: 1000 });
    backend.hold();
    const reads = Array.from({ length: 20 }, () => cache.getSecret({ key: 'a' }));
    backend.release();
    const values = await Promise.all(reads);
    assert.equal(new Set(values).size, 1);
    assert.equal(backend.calls.length, 1);
    assert.equal(cache.stats.joined, 19);
  });

  it("ends a joined read at its own deadline, not at the first caller's", async () => {
    let backendSignal: AbortSignal | undefined;
    let finish: (value: string) => void = () => undefined;
    const provider: SecretProvider = {
      getSecret: (_ref, options) => {
        backendSignal = options?.signal;
        return new Promise((resolve) => (finish = resolve));
      },
    };
    const cache = new ResponseCache(provider, { ttlMs: 1000 });
    const first = new AbortController();
    const second = new AbortController();
    const early = cache.getSecret({ key: 'a' }, { signal: first.signal });
    const late = cache.getSecret({ key: 'a' }, { signal: second.signal });

    first.abort(new Error('first deadline'));
    await assert.rejects(early, /first deadline/);
    assert.equal(backendSignal?.aborted, false, 'the read goes on for the second caller');
    finish('value');
    assert.equal(await late, 'value');
  });

  it('aborts the backend read once every caller has given up', async () => {
    let backendSignal: AbortSignal | undefined;
    const provider: SecretProvider = {
      getSecret: (_ref, options) => {
        backendSignal = options?.signal;
        return new Promise(() => undefined);
      },
    };
    const cache = new ResponseCache(provider, { ttlMs: 1000 });
    const callers = [new AbortController(), new AbortController()];
    const reads = callers.map((caller) => cache.getSecret({ key: 'a' }, { signal: caller.signal }));
    for (const caller of callers) caller.abort(new Error('deadline'));
    await Promise.allSettled(reads);
    assert.equal(backendSignal?.aborted, true);
  });

  it('never keeps a failure', async () => {
    const backend = countingBackend();
    const cache = new ResponseCache(backend.provider, { ttlMs: 1000 });
    await assert.rejects(cache.getSecret({ key: 'missing' }), { reason: 'NotFound' });
    await assert.rejects(cache.getSecret({ key: 'missing' }), { reason: 'NotFound' });
    assert.equal(backend.calls.length, 2);
  });

  it('drops the oldest values beyond its size bound', async () => {
    const backend = countingBackend();
    const cache = new ResponseCache(backend.provider, { ttlMs: 1000, maxEntries: 2 });
    for (const key of ['a', 'b', 'c', 'a']) await cache.getSecret({ key });
    assert.equal(backend.calls.length, 4);
  });
});
