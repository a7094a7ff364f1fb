import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { pino } from 'pino';
import { z } from 'zod';

import type { Identity } from '../authn/identity.js';
import { FederationError } from '../errors.js';
import type { Generator, GeneratorDefinition } from '../generators/generator.js';
import { findGenerator } from '../generators/registry.js';
import { FederationMetrics } from '../metrics/index.js';
import type { GeneratorEntry } from '../resources/model.js';
import { openSqliteStateStore } from '../state/index.js';
import type { StateStore } from '../state/state-store.js';
import { issueCredentials, revokeExpiredState, revokeMatching } from './credentials.js';
import { contextWithoutSecrets } from '../providers/secret-reader.js';

const secrets = contextWithoutSecrets.secrets;

const identity: Identity = {
  federation: 'cluster-a',
  issuer: 'https://issuer',
  subject: 'system:serviceaccount:app:sa',
  namespace: 'app',
  serviceAccount: { name: 'sa' },
  pod: { name: 'app-0', uid: 'pod-uid' },
  expiresAt: 0,
};

/** A generator that hands out leases and remembers which ones were revoked. */
function leasingGenerator(): { entry: GeneratorEntry; issued: string[]; revoked: unknown[] } {
  const issued: string[] = [];
  const revoked: unknown[] = [];
  const generator: Generator = {
    generate: async () => {
      const lease = `lease-${issued.length}`;
      issued.push(lease);
      return { values: { credential: `value-of-${lease}` }, providerState: { lease } };
    },
    revoke: async (state) => {
      revoked.push(state);
    },
  };
  const definition: GeneratorDefinition = {
    kind: 'Leasing',
    clusterGeneratorKey: 'leasingSpec',
    schema: z.strictObject({}),
    create: () => generator,
  };
  const entry: GeneratorEntry = {
    namespace: 'gen',
    kind: 'Leasing',
    name: 'leases',
    generatorKind: 'Leasing',
    spec: {},
    definition,
    generator,
  };
  return { entry, issued, revoked };
}

async function withStore(run: (store: StateStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fed-cred-'));
  const store = await openSqliteStateStore(dir);
  try {
    await run(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const logger = pino({ level: 'silent' });
const metrics = new FederationMetrics();
const route = { namespace: 'gen', kind: 'Leasing', name: 'leases' };

describe('issueCredentials', () => {
  it('records the state with the provider state before returning the values', async () => {
    await withStore(async (state) => {
      const { entry } = leasingGenerator();
      const options = {
        state,
        logger,
        stateTtlMs: 60_000,
        backendTimeoutMs: 1000,
        metrics,
        secrets,
      };
      const values = await issueCredentials(entry, route, identity, options);
      assert.deepEqual(values, { credential: 'value-of-lease-0' });
      const [record] = await state.find({ generatorNamespace: 'gen', issuer: identity.issuer });
      assert.equal(record?.phase, 'issued');
      assert.deepEqual(record?.providerState, { lease: 'lease-0' });
    });
  });

  it('revokes the values and returns nothing when the state cannot be recorded', async () => {
    await withStore(async (store) => {
      const { entry, issued, revoked } = leasingGenerator();
      const failing: StateStore = {
        reserve: (s) => store.reserve(s),
        find: (f) => store.find(f),
        remove: (id) => store.remove(id),
        claim: (id, hold) => store.claim(id, hold),
        release: (id) => store.release(id),
        findExpired: (n, l) => store.findExpired(n, l),
        count: () => store.count(),
        close: () => store.close(),
        complete: async () => {
          throw new FederationError('StateWriteFailed');
        },
      };
      const options = {
        state: failing,
        logger,
        stateTtlMs: 60_000,
        backendTimeoutMs: 1000,
        secrets,
        metrics,
      };
      await assert.rejects(issueCredentials(entry, route, identity, options), {
        reason: 'StateWriteFailed',
      });
      assert.deepEqual(issued, ['lease-0']);
      assert.deepEqual(revoked, [{ lease: 'lease-0' }]);
      assert.deepEqual(
        await store.find({ generatorNamespace: 'gen', issuer: identity.issuer }),
        [],
      );
    });
  });

  it('generates nothing when the state cannot even be reserved', async () => {
    await withStore(async (store) => {
      const { entry, issued } = leasingGenerator();
      const failing: StateStore = {
        reserve: async () => {
          throw new FederationError('StateWriteFailed');
        },
        complete: (id, p, d) => store.complete(id, p, d),
        find: (f) => store.find(f),
        remove: (id) => store.remove(id),
        claim: (id, hold) => store.claim(id, hold),
        release: (id) => store.release(id),
        findExpired: (n, l) => store.findExpired(n, l),
        count: () => store.count(),
        close: () => store.close(),
      };
      const options = {
        state: failing,
        logger,
        stateTtlMs: 60_000,
        backendTimeoutMs: 1000,
        secrets,
        metrics,
      };
      await assert.rejects(issueCredentials(entry, route, identity, options), {
        reason: 'StateWriteFailed',
      });
      assert.deepEqual(issued, []);
    });
  });

  it('moves the deadline earlier when the values expire sooner than the state TTL', async () => {
    await withStore(async (state) => {
      const { entry } = leasingGenerator();
      const original = entry.generator.generate.bind(entry.generator);
      entry.generator.generate = async () => ({ ...(await original()), ttlSeconds: 60 });
      const now = () => 1_000_000;
      const options = {
        state,
        logger,
        stateTtlMs: 3_600_000,
        backendTimeoutMs: 1000,
        secrets,
        metrics,
        now,
      };
      await issueCredentials(entry, route, identity, options);
      const [record] = await state.find({ generatorNamespace: 'gen', issuer: identity.issuer });
      assert.equal(record?.garbageCollectionDeadline.getTime(), 1_060_000);
    });
  });
});

describe('generator state metrics', () => {
  it('counts the states issued, and those revoked on request or at expiry', async () => {
    await withStore(async (state) => {
      const definition = findGenerator('Password')!;
      const spec = definition.schema.parse({});
      const entry: GeneratorEntry = {
        namespace: 'gen',
        kind: 'Password',
        name: 'pw',
        generatorKind: 'Password',
        spec,
        definition,
        generator: definition.create(spec, contextWithoutSecrets),
      };
      const metrics = new FederationMetrics();
      const options = {
        state,
        logger,
        stateTtlMs: 60_000,
        backendTimeoutMs: 1000,
        metrics,
        secrets,
      };
      const pwRoute = { namespace: 'gen', kind: 'Password', name: 'pw' };
      await issueCredentials(entry, pwRoute, identity, options);
      await issueCredentials(entry, pwRoute, identity, options);
      const [expired] = await state.find({ generatorNamespace: 'gen', issuer: identity.issuer });

      await revokeExpiredState(expired!, options);
      await state.remove(expired!.id);
      await revokeMatching({ generatorNamespace: 'gen', issuer: identity.issuer }, options);

      const text = await metrics.exposition();
      const has = (sample: string) => assert.ok(text.split('\n').includes(sample), sample);
      has('federation_generator_states_issued_total{generator_kind="Password"} 2');
      has(
        'federation_generator_states_revoked_total{generator_kind="Password",trigger="expiry"} 1',
      );
      has(
        'federation_generator_states_revoked_total{generator_kind="Password",trigger="request"} 1',
      );
      has(
        'federation_generator_calls_total{generator_kind="Password",operation="generate",result="success"} 2',
      );
    });
  });
});
