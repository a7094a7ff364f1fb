import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import BetterSqlite3 from 'better-sqlite3';

import { describeStateStoreContract } from '../state-store.contract.test.js';
import type { NewState } from '../state-store.js';
import { applyMigrations, migrations } from './schema.js';
import { openSqliteStateStore, stateFileName } from './sqlite-state-store.js';

const state: NewState = {
  generator: { namespace: 'team-a', kind: 'VaultDynamicSecret', name: 'db-creds' },
  generatorSpec: { path: 'database/creds/app' },
  owner: { federation: 'cluster-a', issuer: 'https://issuer-a.example', subject: 'sa:apps:web' },
  garbageCollectionDeadline: new Date(Date.UTC(2030, 0, 1)),
};
const filter = {
  generatorNamespace: 'team-a',
  federation: 'cluster-a',
  issuer: 'https://issuer-a.example',
};

async function rejectsWithDetail(promise: Promise<unknown>, detail: string): Promise<void> {
  await assert.rejects(promise, { name: 'FederationError', reason: 'StateWriteFailed', detail });
}

describeStateStoreContract('SqliteStateStore', async (now) => {
  const root = mkdtempSync(join(tmpdir(), 'state-contract-'));
  const store = openSqliteStateStore(root, { now });
  return {
    store,
    otherHolder: store,
    async dispose() {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

describe('SqliteStateStore ids', () => {
  it('names each state by a random UUID', async () => {
    const root = mkdtempSync(join(tmpdir(), 'state-ids-'));
    const store = openSqliteStateStore(root);
    try {
      const id = await store.reserve(state);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('openSqliteStateStore', () => {
  let root: string;
  let dataDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'state-sqlite-'));
    dataDir = join(root, 'data');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a private data directory and database file in WAL mode', async () => {
    const store = openSqliteStateStore(dataDir);
    await store.reserve(state);

    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, stateFileName)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, `${stateFileName}-wal`)).mode & 0o777, 0o600);
    const peer = new BetterSqlite3(join(dataDir, stateFileName), { readonly: true });
    assert.equal(peer.pragma('journal_mode', { simple: true }), 'wal');
    peer.close();
    await store.close();
  });

  it('keeps states across close and reopen', async () => {
    const first = openSqliteStateStore(dataDir);
    const id = await first.reserve(state);
    await first.complete(id, { leaseId: 'lease-1' }, state.garbageCollectionDeadline);
    await first.close();

    const second = openSqliteStateStore(dataDir);
    const [record] = await second.find(filter);

    assert.equal(record?.id, id);
    assert.equal(record?.phase, 'issued');
    assert.deepEqual(record?.providerState, { leaseId: 'lease-1' });
    await second.close();
  });

  it('rejects a write with StateWriteFailed while another connection holds the lock', async () => {
    const store = openSqliteStateStore(dataDir, { busyTimeoutMs: 20 });
    const peer = new BetterSqlite3(join(dataDir, stateFileName));
    peer.exec('BEGIN EXCLUSIVE');

    await rejectsWithDetail(store.reserve(state), 'reserve failed (SQLITE_BUSY)');

    peer.exec('ROLLBACK');
    peer.close();
    assert.match(await store.reserve(state), /^[0-9a-f-]{36}$/);
    await store.close();
  });

  it('rejects every call with StateWriteFailed once closed', async () => {
    const store = openSqliteStateStore(dataDir);
    await store.close();
    await store.close();

    await rejectsWithDetail(store.reserve(state), 'reserve failed (TypeError)');
    await rejectsWithDetail(store.find(filter), 'find failed (TypeError)');
  });

  it('commits the writes of one event-loop turn in one transaction', async () => {
    const store = openSqliteStateStore(dataDir);
    await store.reserve(state);
    const peer = new BetterSqlite3(join(dataDir, stateFileName), { readonly: true });
    // data_version moves once for each commit another connection makes.
    const commits = (): number => peer.pragma('data_version', { simple: true }) as number;
    const before = commits();

    const ids = await Promise.all(Array.from({ length: 50 }, () => store.reserve(state)));
    assert.equal(commits(), before + 1);
    await Promise.all(
      ids.map((id) => store.complete(id, { n: id }, state.garbageCollectionDeadline)),
    );
    assert.equal(commits(), before + 2);
    assert.equal(await store.count(), 51);
    peer.close();
    await store.close();
  });

  it('fails only the write that refuses on its own terms, and commits the others with it', async () => {
    const store = openSqliteStateStore(dataDir);
    const [kept, claimed] = await Promise.all([store.reserve(state), store.reserve(state)]);
    await store.claim(claimed as string, 60_000);

    const deadline = state.garbageCollectionDeadline;
    const [first, second, third] = await Promise.allSettled([
      store.complete(kept as string, { lease: 'a' }, deadline),
      store.complete(claimed as string, { lease: 'b' }, deadline),
      store.reserve(state),
    ]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(second.status, 'rejected');
    assert.equal((second as PromiseRejectedResult).reason.detail, 'complete: state claimed');
    assert.equal(third.status, 'fulfilled');
    const phases = (await store.find(filter)).map((record) => record.phase).sort();
    assert.deepEqual(phases, ['issued', 'pending', 'pending']);
    await store.close();
  });

  it('rolls back every write of a transaction that a database error breaks', async () => {
    const store = openSqliteStateStore(dataDir);
    const peer = new BetterSqlite3(join(dataDir, stateFileName));
    peer.exec(`CREATE TRIGGER refuse BEFORE INSERT ON generator_state
      WHEN NEW.generator_name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    const refused = { ...state, generator: { ...state.generator, name: 'refused' } };

    const results = await Promise.allSettled([
      store.reserve(state),
      store.reserve(refused),
      store.reserve(state),
    ]);
    assert.deepEqual(
      results.map((result) => result.status === 'rejected' && result.reason.detail),
      [
        'reserve failed (SQLITE_CONSTRAINT_TRIGGER)',
        'reserve failed (SQLITE_CONSTRAINT_TRIGGER)',
        'reserve failed (SQLITE_CONSTRAINT_TRIGGER)',
      ],
    );
    assert.equal(await store.count(), 0);

    peer.exec('DROP TRIGGER refuse');
    peer.close();
    assert.match(await store.reserve(state), /^[0-9a-f-]{36}$/);
    await store.close();
  });

  it('commits writes still queued when it closes', async () => {
    const store = openSqliteStateStore(dataDir);
    const reserved = store.reserve(state);
    await store.close();
    const id = await reserved;

    const reopened = openSqliteStateStore(dataDir);
    assert.deepEqual(
      (await reopened.find(filter)).map((record) => record.id),
      [id],
    );
    await reopened.close();
  });

  it('refuses a database written by a newer schema version', async () => {
    await openSqliteStateStore(dataDir).close();
    const peer = new BetterSqlite3(join(dataDir, stateFileName));
    peer.prepare('INSERT INTO schema_version VALUES (?, ?)').run(99, Date.now());
    peer.close();

    assert.throws(() => openSqliteStateStore(dataDir), {
      reason: 'StateWriteFailed',
      detail: 'state schema is newer than server',
    });
  });

  it('keeps existing states when a later migration step runs', async () => {
    const store = openSqliteStateStore(dataDir);
    const id = await store.reserve(state);
    await store.close();

    const db = new BetterSqlite3(join(dataDir, stateFileName));
    const addLabel = (target: BetterSqlite3.Database): void => {
      target.exec('ALTER TABLE generator_state ADD COLUMN label TEXT');
    };
    applyMigrations(db, [...migrations, { version: 2, up: addLabel }]);
    applyMigrations(db, [...migrations, { version: 2, up: addLabel }]);

    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all();
    const ids = db.prepare('SELECT id FROM generator_state').pluck().all();
    db.close();
    assert.deepEqual(versions, [{ version: 1 }, { version: 2 }]);
    assert.deepEqual(ids, [id]);
  });
});
