import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { stateFileName } from '../../src/state/index.js';
import {
  appToken,
  baseManifests,
  caBody,
  call,
  issuerA,
  issuerB,
  startTestHub,
} from '../support/hub.js';
import type { CallResult, TestHub } from '../support/hub.js';
import { isRoot, ServerProcess, unprivileged } from './server-process.js';

/** Fails clearly when the unprivileged server could not even reach `path`. */
async function assertTraversable(path: string): Promise<void> {
  for (let current = path; ; current = dirname(current)) {
    const { mode } = await stat(current);
    assert.ok(mode & 0o001, `${current} is not traversable by uid ${unprivileged.uid}`);
    if (dirname(current) === current) return;
  }
}

/** Sets the mode of the data dir and of the state database's files (`-wal`, `-shm`). */
async function setStateModes(dataDir: string, dirMode: number, fileMode: number): Promise<void> {
  await chmod(dataDir, dirMode);
  for (const file of await readdir(dataDir)) {
    if (file.startsWith(stateFileName)) await chmod(join(dataDir, file), fileMode);
  }
}

/**
 * The state database turns read-only under a server that already issued a credential, and
 * the server starts again on it. The server runs as its own process under `nobody` when
 * the tests run as root, since file modes do not bind root. The audit trail is kept apart
 * so that only the state database is read-only.
 */
describe('state database read-only', () => {
  let root: string;
  let dataDir: string;
  let clusterA: ClientCluster;
  let clusterB: ClientCluster;
  let server: ServerProcess | undefined;
  let url: string;

  const serve = async (): Promise<void> => {
    server = new ServerProcess([
      'serve',
      ...['--config-dir', join(root, 'config'), '--data-dir', dataDir],
      ...['--audit-log', join(root, 'audit', 'audit.log')],
      ...['--audit-key-file', join(root, 'audit', 'audit.key')],
      ...['--listen', '127.0.0.1:0'],
    ]);
    url = await server.url();
  };
  const generate = (name = 'static', kind = 'Fake'): Promise<CallResult> =>
    call({ url }, `/generators/gen/${kind}/${name}`, {
      token: appToken(clusterA),
      body: caBody(clusterA),
    });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fed-state-faults-'));
    await chmod(root, 0o755);
    if (isRoot()) await assertTraversable(root);
    clusterA = await startClientCluster({ issuer: issuerA });
    clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
    await mkdir(join(root, 'config'));
    for (const [file, text] of Object.entries(baseManifests(clusterA, clusterB))) {
      await writeFile(join(root, 'config', file), text);
    }
    dataDir = join(root, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await mkdir(join(root, 'audit'), { mode: 0o700 });
    if (isRoot()) {
      await chown(dataDir, unprivileged.uid, unprivileged.gid);
      await chown(join(root, 'audit'), unprivileged.uid, unprivileged.gid);
    }
    await serve();
  });

  after(async () => {
    await server?.stop();
    await setStateModes(dataDir, 0o700, 0o600).catch(() => undefined);
    await clusterA.close();
    await clusterB.close();
    await rm(root, { recursive: true, force: true });
  });

  it('issues a credential and records its state while the database is writable', async () => {
    const first = await generate();
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { username: 'fake-user', token: 'fake-generated-value' });
  });

  it('starts again on the database made read-only under it', async () => {
    // A running server keeps writing through the handles it opened before the change, so
    // the fault shows once it opens the files again.
    await setStateModes(dataDir, 0o555, 0o444);
    assert.equal(await server?.stop(), 0);
    await serve();
    const ready = await call({ url }, '/readyz', { method: 'GET' });
    assert.equal(ready.status, 200, ready.text);
  });

  it('answers 500 StateWriteFailed to a generator call and hands out nothing', async () => {
    const result = await generate();
    assert.equal(result.status, 500, result.text);
    assert.deepEqual(result.body, { message: 'internal error', reason: 'StateWriteFailed' });
    const password = await generate('db-password', 'Password');
    assert.equal(password.status, 500, password.text);
    assert.deepEqual(password.body, { message: 'internal error', reason: 'StateWriteFailed' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!server?.stdout.includes('fake-generated-value'), 'a generated value was logged');
  });

  it('still serves secrets', async () => {
    const secret = await call({ url }, '/secretstore/main-store/secrets/hello', {
      token: appToken(clusterA),
      body: caBody(clusterA),
    });
    assert.equal(secret.status, 200, secret.text);
    assert.equal(secret.body, 'world');
  });

  it('recorded nothing new: only the state of the first credential exists', async () => {
    await server?.stop();
    server = undefined;
    await setStateModes(dataDir, 0o700, 0o600);
    const db = new Database(join(dataDir, stateFileName), { readonly: true });
    try {
      const rows = db.prepare('SELECT generator_name, phase FROM generator_state').all();
      assert.deepEqual(rows, [{ generator_name: 'static', phase: 'issued' }]);
    } finally {
      db.close();
    }
  });
});

/**
 * Another process holds the state database's write lock (an operator's `sqlite3` shell in a
 * transaction, a second server on the same data dir): generator calls fail at once and
 * hand nothing out, secret reads go on, and issuing works again once the lock is released.
 */
describe('state database locked', () => {
  let hub: TestHub;
  let holder: Database.Database;

  const generate = (): Promise<CallResult> =>
    call(hub, '/generators/gen/Password/db-password', {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });

  before(async () => {
    hub = await startTestHub();
    holder = new Database(join(hub.dataDir, stateFileName));
    holder.exec('BEGIN EXCLUSIVE');
  });

  after(async () => {
    if (holder.open) holder.close();
    await hub.close();
  });

  it('answers 500 StateWriteFailed to a generator call while the lock is held', async () => {
    const result = await generate();
    assert.equal(result.status, 500, result.text);
    assert.deepEqual(result.body, { message: 'internal error', reason: 'StateWriteFailed' });
    assert.ok(!hub.logs.lines.some((line) => line.includes('"password"')), 'a value was logged');
  });

  it('still serves secrets', async () => {
    const secret = await call(hub, '/secretstore/main-store/secrets/hello', {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
    assert.equal(secret.status, 200, secret.text);
  });

  it('issues again once the lock is released, and recorded nothing while it was held', async () => {
    holder.exec('COMMIT');
    const states = holder.prepare('SELECT COUNT(*) AS n FROM generator_state').get() as {
      n: number;
    };
    assert.equal(states.n, 0);
    const result = await generate();
    assert.equal(result.status, 200, result.text);
  });
});
