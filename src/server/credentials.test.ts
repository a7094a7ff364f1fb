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
import { findGenerator, generatorDefinitions } from '../generators/registry.js';
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
      const [record] = await state.find({
        generatorNamespace: 'gen',
        federation: identity.federation,
        issuer: identity.issuer,
      });
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
        await store.find({
          generatorNamespace: 'gen',
          federation: identity.federation,
          issuer: identity.issuer,
        }),
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
      const [record] = await state.find({
        generatorNamespace: 'gen',
        federation: identity.federation,
        issuer: identity.issuer,
      });
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
      const [expired] = await state.find({
        generatorNamespace: 'gen',
        federation: identity.federation,
        issuer: identity.issuer,
      });

      await revokeExpiredState(expired!, options);
      await state.remove(expired!.id);
      await revokeMatching(
        { generatorNamespace: 'gen', federation: identity.federation, issuer: identity.issuer },
        options,
      );

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

/** `store` with some of its methods replaced. */
function wrapStore(store: StateStore, overrides: Partial<StateStore>): StateStore {
  return {
    reserve: (s) => store.reserve(s),
    complete: (id, p, d) => store.complete(id, p, d),
    find: (f) => store.find(f),
    findExpired: (n, l) => store.findExpired(n, l),
    claim: (id, hold) => store.claim(id, hold),
    release: (id) => store.release(id),
    remove: (id) => store.remove(id),
    count: () => store.count(),
    close: () => store.close(),
    ...overrides,
  };
}

/** Makes a test generator kind known to revocation, which rebuilds generators by kind. */
async function withRegistered(entry: GeneratorEntry, run: () => Promise<unknown>): Promise<void> {
  const registry = generatorDefinitions as GeneratorDefinition[];
  registry.push(entry.definition);
  try {
    await run();
  } finally {
    registry.splice(registry.indexOf(entry.definition), 1);
  }
}

/**
 * Holds the generator until `open` is called; `entered` settles once a call reached it,
 * which is after its pending state was committed.
 */
function holdGenerate(entry: GeneratorEntry): { open: () => void; entered: Promise<void> } {
  let open = (): void => undefined;
  let enter = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const generate = entry.generator.generate.bind(entry.generator);
  entry.generator.generate = async (callOptions) => {
    enter();
    await opened;
    return generate(callOptions);
  };
  return { open, entered };
}

const options = (state: StateStore, now?: () => number) => ({
  state,
  logger,
  stateTtlMs: 60_000,
  backendTimeoutMs: 1000,
  metrics,
  secrets,
  ...(now === undefined ? {} : { now }),
});
const everyState = {
  generatorNamespace: 'gen',
  federation: identity.federation,
  issuer: identity.issuer,
};

describe('revokeMatching racing a generator call', () => {
  it('revokes a state completed after it was found, as it stands when claimed', async () => {
    await withStore(async (store) => {
      const { entry, revoked } = leasingGenerator();
      const { open, entered } = holdGenerate(entry);
      const issuing = issueCredentials(entry, route, identity, options(store));
      await entered;
      // The generator call completes its state between the revocation's find and claim.
      const racing = wrapStore(store, {
        find: async (filter) => {
          const found = await store.find(filter);
          open();
          await issuing;
          return found;
        },
      });

      await withRegistered(entry, async () => {
        assert.equal(await revokeMatching(everyState, options(racing)), 1);
      });

      assert.deepEqual(await issuing, { credential: 'value-of-lease-0' });
      assert.deepEqual(revoked, [{ lease: 'lease-0' }]);
      assert.deepEqual(await store.find(everyState), []);
    });
  });

  it('fails a generator call whose pending state a revocation claimed, revoking its values', async () => {
    await withStore(async (store) => {
      const { entry, revoked } = leasingGenerator();
      const { open, entered } = holdGenerate(entry);
      let issuing: Promise<unknown> = Promise.resolve();
      let isFirstRemove = true;
      // The generator call tries to complete its state after the revocation claimed it.
      const racing = wrapStore(store, {
        remove: async (id) => {
          if (isFirstRemove) {
            isFirstRemove = false;
            open();
            await issuing.catch(() => undefined);
          }
          return store.remove(id);
        },
      });
      issuing = issueCredentials(entry, route, identity, options(racing));
      await entered;

      await withRegistered(entry, () => revokeMatching(everyState, options(racing)));

      await assert.rejects(issuing, { reason: 'StateWriteFailed' });
      assert.deepEqual(revoked, [{ lease: 'lease-0' }]);
      assert.deepEqual(await store.find(everyState), []);
    });
  });
});

describe('issueCredentials when the values cannot be revoked', () => {
  const now = () => 1_000_000;

  function failingRevoke(entry: GeneratorEntry): void {
    entry.generator.revoke = async () => {
      throw new FederationError('BackendError');
    };
  }

  it('keeps the state, due at once, when the audit line and the revoke both fail', async () => {
    await withStore(async (store) => {
      const { entry } = leasingGenerator();
      failingRevoke(entry);
      const auditFails = async () => {
        throw new Error('audit sink full');
      };

      await assert.rejects(
        issueCredentials(entry, route, identity, options(store, now), auditFails),
        { message: 'audit sink full' },
      );

      const kept = await store.findExpired(new Date(now()), 10);
      assert.equal(kept.length, 1);
      assert.equal(kept[0]?.phase, 'issued');
      assert.deepEqual(kept[0]?.providerState, { lease: 'lease-0' });
      assert.equal(kept[0]?.garbageCollectionDeadline.getTime(), now());
    });
  });

  it('records the values in a new state when completing and revoking both fail', async () => {
    await withStore(async (store) => {
      const { entry } = leasingGenerator();
      failingRevoke(entry);
      let completions = 0;
      const failsOnce = wrapStore(store, {
        complete: async (id, providerState, deadline) => {
          completions += 1;
          if (completions === 1) throw new FederationError('StateWriteFailed');
          return store.complete(id, providerState, deadline);
        },
      });

      await assert.rejects(issueCredentials(entry, route, identity, options(failsOnce, now)), {
        reason: 'StateWriteFailed',
      });

      const kept = await store.find(everyState);
      assert.equal(kept.length, 1);
      assert.equal(kept[0]?.phase, 'issued');
      assert.deepEqual(kept[0]?.providerState, { lease: 'lease-0' });
      assert.equal(kept[0]?.garbageCollectionDeadline.getTime(), now());
    });
  });

  it('removes the state when the generator has nothing to revoke', async () => {
    await withStore(async (store) => {
      const { entry } = leasingGenerator();
      delete entry.generator.revoke;
      const auditFails = async () => {
        throw new Error('audit sink full');
      };

      await assert.rejects(issueCredentials(entry, route, identity, options(store), auditFails));

      assert.deepEqual(await store.find(everyState), []);
    });
  });
});
