/**
 * The behaviour every StateStore backend shares. Each backend's own test file calls
 * `describeStateStoreContract`; this file registers no test by itself.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import type { GeneratorRef, NewState, StateOwner, StateStore } from './state-store.js';

/** A store under test and how to dispose of it. */
export interface ContractStore {
  store: StateStore;
  /**
   * The same states as seen by a second holder: another replica's store on the same API
   * server, or the same store where one process owns the database (claims are then taken
   * for that process, so a second claim inside it fails too).
   */
  otherHolder: StateStore;
  dispose(): Promise<void>;
}

/** Opens an empty store whose `createdAt` clock is `now` (ms since the epoch). */
export type OpenContractStore = (now: () => number) => Promise<ContractStore>;

const t0 = Date.UTC(2030, 0, 1);
const minute = 60_000;

const owner: StateOwner = {
  federation: 'cluster-a',
  issuer: 'https://issuer-a.example',
  subject: 'system:serviceaccount:apps:web',
  namespace: 'apps',
  serviceAccount: 'web',
  serviceAccountUid: 'sa-uid-1',
  pod: 'web-7d9f',
  podUid: 'pod-uid-1',
};

const generator: GeneratorRef = { namespace: 'team-a', kind: 'Password', name: 'db-password' };

function newState(overrides: Partial<NewState> = {}, deadlineMs = t0 + 10 * minute): NewState {
  return {
    generator,
    generatorSpec: { length: 24, digits: 5 },
    owner,
    garbageCollectionDeadline: new Date(deadlineMs),
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { reason?: unknown }).reason, reason);
    return true;
  });
}

export function describeStateStoreContract(name: string, open: OpenContractStore): void {
  describe(`${name} (StateStore contract)`, () => {
    let clock = t0;
    let subject: ContractStore;
    let store: StateStore;
    const filter = {
      generatorNamespace: 'team-a',
      federation: owner.federation,
      issuer: owner.issuer,
    };

    beforeEach(async () => {
      clock = t0;
      subject = await open(() => clock);
      store = subject.store;
    });
    afterEach(() => subject.dispose());

    it('records a reserved state as pending, with no provider state', async () => {
      const id = await store.reserve(newState());

      // Ids are opaque to callers: unique per state.
      const second = await store.reserve(newState());
      assert.ok(id.length > 0);
      assert.notEqual(second, id);
      await store.remove(second);
      assert.deepEqual(await store.find(filter), [
        {
          id,
          generator,
          generatorSpec: { length: 24, digits: 5 },
          owner,
          providerState: undefined,
          phase: 'pending',
          createdAt: new Date(t0),
          garbageCollectionDeadline: new Date(t0 + 10 * minute),
        },
      ]);
    });

    it('completes a state with its provider state and the deadline it is given', async () => {
      const id = await store.reserve(newState());

      await store.complete(id, { leaseId: 'lease-1' }, new Date(t0 + 2 * minute));

      const [record] = await store.find(filter);
      assert.equal(record?.phase, 'issued');
      assert.deepEqual(record?.providerState, { leaseId: 'lease-1' });
      assert.deepEqual(record?.garbageCollectionDeadline, new Date(t0 + 2 * minute));
    });

    it('rejects completing a state that no longer exists', async () => {
      const id = await store.reserve(newState());
      await store.remove(id);

      await rejectsWith(store.complete(id, {}, new Date(t0)), 'StateWriteFailed');
    });

    it('rejects a provider state that JSON cannot represent', async () => {
      const id = await store.reserve(newState());

      await rejectsWith(store.complete(id, { serial: 1n }, new Date(t0)), 'StateWriteFailed');
    });

    it('never finds states of another generator namespace, federation or issuer', async () => {
      await store.reserve(newState({ generator: { ...generator, namespace: 'team-b' } }));
      await store.reserve(newState({ owner: { ...owner, issuer: 'https://issuer-b.example' } }));
      // Another client cluster with the same issuer (the API server default is common).
      await store.reserve(newState({ owner: { ...owner, federation: 'cluster-b' } }));
      const mine = await store.reserve(newState());

      const found = await store.find(filter);

      assert.deepEqual(
        found.map((record) => record.id),
        [mine],
      );
    });

    it('treats an empty generator namespace as a name, not as a wildcard', async () => {
      await store.reserve(newState());
      const unnamespaced = await store.reserve(
        newState({ generator: { ...generator, namespace: '' } }),
      );

      const found = await store.find({ ...filter, generatorNamespace: '' });

      assert.deepEqual(
        found.map((record) => record.id),
        [unnamespaced],
      );
    });

    it('narrows by kind, name, subject, pod uid and owner namespace', async () => {
      const target = await store.reserve(newState());
      await store.reserve(newState({ generator: { ...generator, kind: 'UUID' } }));
      await store.reserve(newState({ generator: { ...generator, name: 'other' } }));
      await store.reserve(newState({ owner: { ...owner, subject: 'system:serviceaccount:x:y' } }));
      await store.reserve(newState({ owner: { ...owner, podUid: 'pod-uid-2' } }));
      await store.reserve(newState({ owner: { ...owner, namespace: 'other-apps' } }));

      const found = await store.find({
        ...filter,
        generatorKind: 'Password',
        generatorName: 'db-password',
        subject: owner.subject,
        podUid: 'pod-uid-1',
        ownerNamespace: 'apps',
      });

      assert.deepEqual(
        found.map((record) => record.id),
        [target],
      );
      assert.equal((await store.find(filter)).length, 6);
    });

    it('finds the states of a generator and an owner whose names exceed 63 characters', async () => {
      const name = `db-password.${'a'.repeat(70)}`;
      const pod = `web-${'b'.repeat(80)}`;
      const id = await store.reserve(
        newState({ generator: { ...generator, name }, owner: { ...owner, pod } }),
      );
      await store.reserve(newState());

      const found = await store.find({ ...filter, generatorName: name, ownerName: pod });

      assert.deepEqual(
        found.map((record) => record.id),
        [id],
      );
    });

    it('matches an owner name against the pod name or the service account name', async () => {
      const byPod = await store.reserve(newState({ owner: { ...owner, serviceAccount: 'api' } }));
      const bySa = await store.reserve(newState({ owner: { ...owner, pod: 'api-1' } }));
      await store.reserve(newState({ owner: { ...owner, pod: 'api-2', serviceAccount: 'api' } }));

      const found = await store.find({ ...filter, ownerName: 'web-7d9f' });
      const foundSa = await store.find({ ...filter, ownerName: 'web' });

      assert.deepEqual(
        found.map((record) => record.id),
        [byPod],
      );
      assert.deepEqual(
        foundSa.map((record) => record.id),
        [bySa],
      );
    });

    it('lists expired states oldest deadline first, up to the limit', async () => {
      const late = await store.reserve(newState({}, t0 + 3 * minute));
      const early = await store.reserve(newState({}, t0 + 1 * minute));
      const due = await store.reserve(newState({}, t0 + 5 * minute));
      await store.reserve(newState({}, t0 + 5 * minute + 1));

      const expired = await store.findExpired(new Date(t0 + 5 * minute), 10);
      const firstTwo = await store.findExpired(new Date(t0 + 5 * minute), 2);

      assert.deepEqual(
        expired.map((record) => record.id),
        [early, late, due],
      );
      assert.deepEqual(
        firstTwo.map((record) => record.id),
        [early, late],
      );
    });

    it('grants a claim to one holder at a time until it expires or is released', async () => {
      const id = await store.reserve(newState());

      assert.equal((await store.claim(id, minute))?.id, id);
      assert.ok(!(await subject.otherHolder.claim(id, minute)));
      clock += minute + 1;
      assert.equal((await subject.otherHolder.claim(id, minute))?.id, id);
      await subject.otherHolder.release(id);
      assert.equal((await store.claim(id, minute))?.id, id);
    });

    it('refuses a second claim while the first holds, to the same holder too', async () => {
      const id = await store.reserve(newState());
      assert.ok(await store.claim(id, minute));

      assert.ok(!(await store.claim(id, minute)));
      clock += minute - 1;
      assert.ok(!(await store.claim(id, minute)));
    });

    it('returns the state as it stands when claimed, not as it was found', async () => {
      const id = await store.reserve(newState());
      const [found] = await store.find(filter);
      await store.complete(id, { leaseId: 'lease-1' }, new Date(t0 + 2 * minute));

      const claimed = await store.claim(id, minute);

      assert.equal(found?.phase, 'pending');
      assert.deepEqual(claimed, {
        ...found,
        phase: 'issued',
        providerState: { leaseId: 'lease-1' },
        garbageCollectionDeadline: new Date(t0 + 2 * minute),
      });
    });

    it('refuses to complete a claimed state until the claim is released', async () => {
      const id = await store.reserve(newState());
      await subject.otherHolder.claim(id, minute);

      // A revocation that claimed the pending state deletes it next; the generator call
      // must learn that its values were not recorded.
      await rejectsWith(
        store.complete(id, { leaseId: 'lease-1' }, new Date(t0)),
        'StateWriteFailed',
      );
      await rejectsWith(subject.otherHolder.complete(id, {}, new Date(t0)), 'StateWriteFailed');
      assert.equal((await store.find(filter))[0]?.phase, 'pending');
      await subject.otherHolder.release(id);
      await store.complete(id, { leaseId: 'lease-1' }, new Date(t0));
      assert.equal((await store.find(filter))[0]?.phase, 'issued');
    });

    it('refuses a claim on a state that is gone', async () => {
      const id = await store.reserve(newState());
      await store.remove(id);

      assert.ok(!(await store.claim(id, minute)));
    });

    it('removes a state once and reports when it was already gone', async () => {
      const id = await store.reserve(newState());

      assert.equal(await store.remove(id), true);
      assert.equal(await store.remove(id), false);
      assert.deepEqual(await store.find(filter), []);
    });

    it('counts every state on record, pending and issued, across namespaces', async () => {
      assert.equal(await store.count(), 0);
      const issued = await store.reserve(newState());
      await store.complete(issued, { leaseId: 'lease-1' }, new Date(t0 + minute));
      const pending = await store.reserve(
        newState({ generator: { ...generator, namespace: 'b' } }),
      );

      assert.equal(await store.count(), 2);
      await store.remove(pending);
      assert.equal(await store.count(), 1);
    });
  });
}
