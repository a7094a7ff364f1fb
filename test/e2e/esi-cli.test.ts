import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { openSqliteStateStore } from '../../src/state/index.js';
import { appToken, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { EsiProcess, printEnvProgram, runEsi, waitForFile } from '../support/esi-cli.js';

describe('esi-cli against the federation server', () => {
  let hub: TestHub;
  let dir: string;
  let tokenFile: string;
  let caFile: string;

  before(async () => {
    hub = await startTestHub();
    dir = await mkdtemp(join(tmpdir(), 'esi-'));
    tokenFile = join(dir, 'token');
    caFile = join(dir, 'ca.crt');
    await writeFile(tokenFile, appToken(hub.clusterA));
    await writeFile(caFile, hub.clusterA.caPem);
  });
  after(async () => {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  function connection(): string[] {
    return [
      '--federated-server-url',
      hub.url,
      '--federated-token',
      tokenFile,
      '--federated-ca-crt',
      caFile,
    ];
  }

  it('injects every key with * and runs the program with its exit code', async () => {
    const result = await runEsi([
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello,db/credentials',
      '--federated-generators',
      'gen/UUID/request-id',
      '--inject-on-env',
      '*',
      '--',
      ...printEnvProgram(3),
    ]);
    assert.equal(result.code, 3, result.stderr);
    const env = JSON.parse(result.stdout) as Record<string, string>;
    assert.equal(env.HELLO, 'world');
    assert.equal(env.USERNAME, 'app');
    assert.equal(env.PASSWORD, 'pw-main-0001');
    assert.deepEqual(JSON.parse(env.NESTED ?? ''), { port: 5432 });
    assert.match(env.UUID ?? '', /^[0-9a-f-]{36}$/);
  });

  it('injects named keys and properties, repeatable and comma-separated, with --binary-path', async () => {
    const result = await runEsi([
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
      '--external-secrets',
      'db/credentials',
      '--federated-generators',
      'gen/Password/db-password',
      '--inject-on-env',
      'GREETING=hello,DB_USER=db/credentials.username',
      '--inject-on-env',
      'DB_PASSWORD=password',
      '--binary-path',
      process.execPath,
      '--args',
      '-e,process.stdout.write(JSON.stringify(process.env))',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const env = JSON.parse(result.stdout) as Record<string, string>;
    assert.equal(env.GREETING, 'world');
    assert.equal(env.DB_USER, 'app');
    assert.equal(env.DB_PASSWORD?.length, 20);
    assert.equal(env.HELLO, undefined, 'only the named keys are injected');
  });

  it('writes files atomically with mode 0600 and exits 0 without a program', async () => {
    const out = join(dir, 'files', 'nested');
    const result = await runEsi([
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'db/credentials',
      '--inject-on-file',
      `${join(out, 'creds.json')}=db/credentials,${join(out, 'user')}=db/credentials.username`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const creds = JSON.parse(await readFile(join(out, 'creds.json'), 'utf8')) as {
      username: string;
    };
    assert.equal(creds.username, 'app');
    assert.equal(await readFile(join(out, 'user'), 'utf8'), 'app');
    assert.equal((await stat(join(out, 'user'))).mode & 0o777, 0o600);
  });

  it('passes a signal to the program and its exit code back', async () => {
    const program = [
      process.execPath,
      '-e',
      "process.on('SIGTERM', () => process.exit(42)); console.log('ready'); setInterval(() => {}, 1000);",
    ];
    const esi = new EsiProcess([
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
      '--',
      ...program,
    ]);
    await esi.waitFor(/ready/);
    esi.child.kill('SIGTERM');
    const result = await esi.done;
    assert.equal(result.code, 42);
  });

  it('never starts the program when a secret is missing, not permitted or a key is absent', async () => {
    const marker = join(dir, 'started');
    const program = [
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
    ];
    const missing = await runEsi([
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'absent',
      '--',
      ...program,
    ]);
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /not permitted or not found/);
    const ungranted = await runEsi([
      ...connection(),
      '--federated-generators',
      'other/Password/db-password',
      '--',
      ...program,
    ]);
    assert.equal(ungranted.code, 6);
    const absentKey = await runEsi([
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'db/credentials',
      '--inject-on-env',
      'X=db/credentials.nope',
      '--',
      ...program,
    ]);
    assert.equal(absentKey.code, 9);
    assert.match(absentKey.stderr, /db\/credentials\.nope/);
    assert.equal(existsSync(marker), false);
  });

  it('revokes its generator states after the program exits with --revoke-on-exit', async () => {
    const result = await runEsi([
      ...connection(),
      '--federated-generators',
      'gen/Fake/static',
      '--inject-on-env',
      '*',
      '--revoke-on-exit',
      '--',
      ...printEnvProgram(0),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const store = openSqliteStateStore(hub.dataDir);
    try {
      const states = await store.find({
        generatorNamespace: 'gen',
        generatorKind: 'Fake',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      assert.equal(states.length, 0);
    } finally {
      await store.close();
    }
  });

  it('prints results for people with get, as json, dotenv and env', async () => {
    const fetch = [
      ...connection(),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
      '--federated-generators',
      'gen/Fake/static',
    ];
    const json = await runEsi(['get', ...fetch]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      secrets: { hello: 'world' },
      generators: { 'gen/Fake/static': { username: 'fake-user', token: 'fake-generated-value' } },
    });
    const dotenv = await runEsi(['get', ...fetch, '--output', 'dotenv']);
    assert.match(dotenv.stdout, /^HELLO="world"$/m);
    const env = await runEsi(['get', ...fetch, '--output', 'env', '--inject-on-env', 'G=hello']);
    assert.equal(env.stdout.trim(), "export G='world'");
  });

  it('reads its flags from ESI_ environment variables', async () => {
    const result = await runEsi(['get'], {
      ESI_FEDERATED_SERVER_URL: hub.url,
      ESI_FEDERATED_TOKEN: tokenFile,
      ESI_FEDERATED_CA_CRT: caFile,
      ESI_FEDERATED_STORE: 'main-store',
      ESI_EXTERNAL_SECRETS: 'hello',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).secrets, { hello: 'world' });
  });

  it('exits 5 with the server reason for a refused token, never printing it', async () => {
    const expired = appToken(hub.clusterA, { issuedAtSec: 1_000_000, lifetimeSec: 60 });
    const expiredFile = join(dir, 'expired-token');
    await writeFile(expiredFile, expired);
    const result = await runEsi([
      'get',
      '--federated-server-url',
      hub.url,
      '--federated-token',
      expiredFile,
      '--federated-ca-crt',
      caFile,
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
    ]);
    assert.equal(result.code, 5);
    assert.match(result.stderr, /TokenExpired/);
    assert.ok(!result.stderr.includes(expired));
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('exits 2 for a bad flag, 3 for an unreadable token and 4 for an unreachable server', async () => {
    const badFlag = await runEsi(['--no-such-flag']);
    assert.equal(badFlag.code, 2);
    const noToken = await runEsi([
      'get',
      '--federated-server-url',
      hub.url,
      '--federated-token',
      join(dir, 'absent-token'),
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
    ]);
    assert.equal(noToken.code, 3);
    assert.match(noToken.stderr, /absent-token/);
    const unreachable = await runEsi([
      'get',
      '--federated-server-url',
      'http://127.0.0.1:1',
      '--federated-token',
      tokenFile,
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
      '--retries',
      '2',
      '--retry-initial-delay',
      '10ms',
    ]);
    assert.equal(unreachable.code, 4);
    assert.equal(unreachable.stderr.trim().split('\n').length, 1);
  });

  it('keeps its files fresh in daemon mode and re-reads a rotated token', async () => {
    const file = join(dir, 'daemon', 'greeting');
    const esi = new EsiProcess([
      ...connection(),
      '--mode',
      'daemon',
      '--daemon-refresh-interval',
      '300ms',
      '--federated-store',
      'main-store',
      '--external-secrets',
      'versioned',
      '--inject-on-file',
      `${file}=versioned`,
    ]);
    try {
      await waitForFile(file, 'new-value');

      // A token of a service account without grants: refreshes fail, the file stays.
      await writeFile(tokenFile, appToken(hub.clusterA, { serviceAccount: 'nobody' }));
      await rewriteStoreValue(hub, 'new-value', 'changed-value');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(await readFile(file, 'utf8'), 'new-value');

      // The granted token again: the next refresh picks up the change.
      await writeFile(tokenFile, appToken(hub.clusterA));
      await waitForFile(file, 'changed-value');
    } finally {
      esi.child.kill('SIGTERM');
      const result = await esi.done;
      assert.equal(result.code, 0, result.stderr);
      await writeFile(tokenFile, appToken(hub.clusterA));
    }
  });
});

async function rewriteStoreValue(hub: TestHub, from: string, to: string): Promise<void> {
  const path = join(hub.configDir, 'stores.yaml');
  const text = await readFile(path, 'utf8');
  assert.ok(text.includes(from));
  await writeFile(path, text.replace(from, to));
}
