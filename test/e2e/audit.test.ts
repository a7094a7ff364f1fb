import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { auditMarker, readAuditKey, verifyAuditLog } from '../../src/audit/index.js';
import type { AuditKey, AuditLine, AuditSink } from '../../src/audit/index.js';
import { decodeUnverifiedToken } from '../../src/authn/unverified-token.js';
import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { createLogger } from '../../src/logger.js';
import { startStandalone } from '../../src/server/standalone.js';
import { parseExposition, valueOf } from '../support/metrics.js';
import {
  appToken,
  baseManifests,
  caBody,
  call,
  eventually,
  issuerA,
  isKubernetesMode,
  issuerB,
  reasonOf,
  startTestHub,
} from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { CliProcess, runCli } from '../support/process.js';
import { repoPath } from '../support/repo.js';

const secretRoute = 'POST /secretstore/:secretStoreName/secrets/:secretName';
const generatorPath = '/generators/:generatorNamespace/:generatorKind/:generatorName';

async function auditLines(path: string): Promise<AuditLine[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditLine);
}

/** The one line of a request, found by the HMAC of the request id it was sent with. */
async function lineOf(hub: TestHub, key: AuditKey, requestId: string): Promise<AuditLine> {
  const matching = (await auditLines(hub.auditLog)).filter(
    (line) => line.reqId === key.digest(requestId),
  );
  assert.equal(matching.length, 1, `lines for ${requestId}`);
  return matching[0] as AuditLine;
}

function jtiOf(token: string): string {
  return String(decodeUnverifiedToken(token).payload.jti);
}

describe('the audit trail of a running hub', () => {
  let hub: TestHub;
  let key: AuditKey;
  let token: string;
  const secretsSeen: string[] = [];
  let requests = 0;

  /** One API call with a request id of our choice; counts the calls that must be audited. */
  async function audited(path: string, requestId: string, options: Parameters<typeof call>[2]) {
    requests += 1;
    const headers = { ...options?.headers, 'x-request-id': requestId };
    return call(hub, path, { ...options, headers });
  }

  before(async () => {
    hub = await startTestHub({ metricsListen: { host: '127.0.0.1', port: 0 } });
    key = await readAuditKey(join(hub.dataDir, 'audit.key'));
    token = appToken(hub.clusterA);
  });
  after(() => hub.close());

  it('writes one line for a secret read, with the identity, the resource and no value', async () => {
    const result = await audited('/secretstore/main-store/secrets/db%2Fcredentials', 'read-1', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
    secretsSeen.push(result.body as string);

    const line = await lineOf(hub, key, 'read-1');
    assert.deepEqual(line, {
      audit: auditMarker,
      time: line.time,
      seq: line.seq,
      route: secretRoute,
      reqId: key.digest('read-1'),
      federation: 'cluster-a',
      issuer: issuerA,
      subject: 'system:serviceaccount:app:app-sa',
      namespace: 'app',
      serviceAccount: 'app-sa',
      pod: 'app-0',
      jti: key.digest(jtiOf(token)),
      resource: { store: 'main-store', key: 'db/credentials' },
      decision: 'allow',
      reason: 'Ok',
      status: 200,
      prev: line.prev,
    });
    assert.ok(Math.abs(Date.parse(line.time) - Date.now()) < 60_000);
  });

  it('writes one line for a generator call, a DELETE and a revoke', async () => {
    const generated = await audited('/generators/gen/Fake/static', 'generate-1', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(generated.status, 200);
    secretsSeen.push(...Object.values(generated.body as Record<string, string>));
    const password = await audited('/generators/gen/Password/db-password', 'generate-2', {
      token,
      body: caBody(hub.clusterA),
    });
    secretsSeen.push(...Object.values(password.body as Record<string, string>));

    const generatedLine = await lineOf(hub, key, 'generate-1');
    assert.equal(generatedLine.route, `POST ${generatorPath}`);
    assert.deepEqual(generatedLine.resource, { generator: 'gen/Fake/static' });
    assert.equal(generatedLine.decision, 'allow');

    const deleted = await audited('/generators/gen/Password/db-password', 'delete-1', {
      method: 'DELETE',
      token,
    });
    assert.equal(deleted.status, 200);
    const deleteLine = await lineOf(hub, key, 'delete-1');
    assert.equal(deleteLine.route, `DELETE ${generatorPath}`);
    assert.deepEqual(deleteLine.resource, { generator: 'gen/Password/db-password' });

    const revoked = await audited('/generators/gen/revoke', 'revoke-1', {
      token,
      body: caBody(hub.clusterA, { kind: 'Fake' }),
    });
    assert.deepEqual(revoked.body, { revoked: 1 });
    const revokeLine = await lineOf(hub, key, 'revoke-1');
    assert.equal(revokeLine.route, 'POST /generators/:generatorNamespace/revoke');
    assert.deepEqual(revokeLine.resource, {
      generatorNamespace: 'gen',
      owner: 'app-0',
      ownerNamespace: 'app',
      generatorKind: 'Fake',
    });
    assert.equal(revokeLine.status, 200);
  });

  it('writes a deny line for a 404 with the verified identity', async () => {
    const result = await audited('/secretstore/ungranted-store/secrets/hello', 'deny-404', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 404);
    const line = await lineOf(hub, key, 'deny-404');
    assert.equal(line.decision, 'deny');
    assert.equal(line.reason, 'NotFound');
    assert.equal(line.status, 404);
    assert.equal(line.subject, 'system:serviceaccount:app:app-sa');
    assert.deepEqual(line.resource, { store: 'ungranted-store', key: 'hello' });
  });

  it('writes a deny line for a 401 without any claim of the unverified token', async () => {
    const expired = appToken(hub.clusterA, { issuedAtSec: 1_000_000, lifetimeSec: 600 });
    const result = await audited('/secretstore/main-store/secrets/hello', 'deny-401', {
      token: expired,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 401);
    const line = await lineOf(hub, key, 'deny-401');
    assert.equal(line.reason, reasonOf(result));
    assert.equal(line.status, 401);
    assert.equal(line.decision, 'deny');
    for (const field of ['federation', 'issuer', 'subject', 'namespace', 'pod', 'jti'] as const) {
      assert.equal(line[field], undefined, field);
    }
    assert.deepEqual(line.resource, { store: 'main-store', key: 'hello' });

    const missing = await audited('/generators/gen/revoke', 'deny-401-missing', {});
    assert.equal(missing.status, 401);
    assert.equal((await lineOf(hub, key, 'deny-401-missing')).reason, 'TokenMissing');
  });

  it('writes a line for a 400, and none for health probes or unknown routes', async () => {
    const bad = await audited('/generators/Not_A_Namespace/Password/x', 'bad-path', { token });
    assert.equal(bad.status, 400);
    const badLine = await lineOf(hub, key, 'bad-path');
    assert.equal(badLine.reason, 'InvalidPathParameter');
    assert.equal(badLine.resource, undefined);

    const before = (await auditLines(hub.auditLog)).length;
    for (const path of ['/healthz', '/readyz', '/nothing/here']) {
      await call(hub, path, { method: 'GET', headers: { 'x-request-id': `probe-${path}` } });
    }
    await call(hub, '/secretstore/main-store/secrets/hello', { method: 'GET', token });
    assert.equal((await auditLines(hub.auditLog)).length, before);
  });

  it('holds exactly one line per API request, and never a token, value or raw id', async () => {
    const text = await readFile(hub.auditLog, 'utf8');
    const lines = await auditLines(hub.auditLog);
    assert.equal(lines.length, requests);
    assert.deepEqual(
      lines.map((line) => line.seq),
      lines.map((_, index) => index + 1),
    );

    const forbidden = [
      token,
      token.split('.')[2] ?? token,
      jtiOf(token),
      'pw-main-0001',
      'fake-generated-value',
      ...secretsSeen.filter((value) => value.length >= 8),
      'read-1',
      'generate-1',
      'deny-404',
      Buffer.from(hub.clusterA.caPem).toString('base64').slice(0, 40),
    ];
    for (const value of forbidden) assert.ok(!text.includes(value), `audit log holds ${value}`);
    const keyBytes = await readFile(join(hub.dataDir, 'audit.key'));
    assert.ok(!text.includes(keyBytes.toString('hex')));
  });

  it('counts the lines it wrote', async () => {
    const exposition = await (await fetch(hub.metricsUrl ?? '')).text();
    const samples = parseExposition(exposition);
    const written = valueOf(samples, 'federation_audit_lines_total', { result: 'written' });
    assert.equal(written, requests);
  });

  it('verifies with `audit verify` as a process, and fails once a line is edited or deleted', async () => {
    const intact = await runCli(['audit', 'verify', hub.auditLog]);
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(
      intact.stdout,
      new RegExp(`^ok: ${requests} lines, seq 1 to ${requests}, head [0-9a-f]{64}\\n$`),
    );

    const found = await runCli([
      'audit',
      'verify',
      hub.auditLog,
      '--key-file',
      join(hub.dataDir, 'audit.key'),
      '--find-request-id',
      'deny-404',
    ]);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^line \d+: \{"audit":.*"reason":"NotFound"/);

    const edited = join(hub.dataDir, 'edited.log');
    const rows = (await readFile(hub.auditLog, 'utf8')).split('\n');
    rows[1] = (rows[1] ?? '').replace('"decision":"allow"', '"decision":"deny"');
    await writeFile(edited, rows.join('\n'));
    const broken = await runCli(['audit', 'verify', edited]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^broken: line 2: altered: /);

    const shortened = join(hub.dataDir, 'shortened.log');
    const kept = (await readFile(hub.auditLog, 'utf8')).split('\n');
    const middle = Math.floor(requests / 2);
    assert.ok(middle >= 2 && middle < requests - 1, 'a line with lines on both sides');
    kept.splice(middle, 1);
    await writeFile(shortened, kept.join('\n'));
    const gap = await runCli(['audit', 'verify', shortened]);
    assert.equal(gap.code, 1, gap.stdout + gap.stderr);
    assert.equal(
      gap.stdout,
      `broken: line ${middle + 1}: missing lines: seq jumps from ${middle} to ${middle + 2} ` +
        '(1 line removed before this one)\n',
    );

    const unreadable = await runCli(['audit', 'verify', join(hub.dataDir, 'no-such.log')]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read .*no-such\.log: ENOENT/);
    const badPrev = await runCli(['audit', 'verify', hub.auditLog, '--prev', 'nope']);
    assert.equal(badPrev.code, 2);
  });
});

describe('the audit trail of a rate-limited identity', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ rateLimit: { ratePerSecond: 0.01, burst: 1 } });
  });
  after(() => hub.close());

  it('writes a deny line for a 429 with the identity', async () => {
    const key = await readAuditKey(join(hub.dataDir, 'audit.key'));
    const token = appToken(hub.clusterA);
    const path = '/secretstore/main-store/secrets/hello';
    const headers = (id: string) => ({ 'x-request-id': id });
    await call(hub, path, { token, body: caBody(hub.clusterA), headers: headers('first') });
    const limited = await call(hub, path, {
      token,
      body: caBody(hub.clusterA),
      headers: headers('limited'),
    });
    assert.equal(limited.status, 429);
    const line = await lineOf(hub, key, 'limited');
    assert.equal(line.reason, 'RateLimited');
    assert.equal(line.status, 429);
    assert.equal(line.subject, 'system:serviceaccount:app:app-sa');
    assert.equal(line.decision, 'deny');
  });
});

/** A sink that fails whenever `isBroken` is set, and otherwise keeps the lines. */
class SwitchableSink implements AuditSink {
  readonly description = 'switchable';
  readonly resumeFrom = undefined;
  readonly lines: string[] = [];
  isBroken = false;

  async write(text: string): Promise<void> {
    if (this.isBroken) throw new Error('disk full');
    this.lines.push(text);
  }

  async reopen(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('when the audit sink cannot write', () => {
  let hub: TestHub;
  const sink = new SwitchableSink();
  before(async () => {
    hub = await startTestHub({ audit: { sink } });
  });
  after(() => hub.close());

  it('answers a secret read 500 AuditWriteFailed without the value', async () => {
    sink.isBroken = true;
    try {
      const result = await call(hub, '/secretstore/main-store/secrets/hello', {
        token: appToken(hub.clusterA),
        body: caBody(hub.clusterA),
      });
      assert.equal(result.status, 500);
      assert.deepEqual(result.body, { message: 'internal error', reason: 'AuditWriteFailed' });
      assert.ok(!result.text.includes('world'));
    } finally {
      sink.isBroken = false;
    }
    const failed = hub.logs
      .entries()
      .find((entry) => entry.msg === 'request failed' && entry.reason === 'AuditWriteFailed');
    assert.ok(failed, 'the failure is logged');
  });

  it('revokes a generator call and leaves no state behind', async () => {
    const token = appToken(hub.clusterA);
    sink.isBroken = true;
    try {
      const result = await call(hub, '/generators/gen/Fake/static', {
        token,
        body: caBody(hub.clusterA),
      });
      assert.equal(result.status, 500);
      assert.equal(reasonOf(result), 'AuditWriteFailed');
      assert.ok(!result.text.includes('fake-generated-value'));
    } finally {
      sink.isBroken = false;
    }
    const leftOver = await call(hub, '/generators/gen/revoke', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.deepEqual(leftOver.body, { revoked: 0 });
    const undone = hub.logs.entries().find((e) => e.msg === 'values not handed out; revoked');
    assert.equal(undone?.unrecorded, 'audit');
  });

  it('keeps the answer of a denied request and logs the lost line at error', async () => {
    sink.isBroken = true;
    try {
      const result = await call(hub, '/secretstore/ungranted-store/secrets/hello', {
        token: appToken(hub.clusterA),
        body: caBody(hub.clusterA),
      });
      assert.equal(result.status, 404);
      assert.equal(reasonOf(result), 'NotFound');
    } finally {
      sink.isBroken = false;
    }
    const lost = hub.logs
      .entries()
      .find((e) => e.msg === 'audit line not written' && e.reason === 'NotFound');
    assert.equal(lost?.level, 50);
    assert.equal(lost?.reason, 'NotFound');
  });

  it('writes the lines that could be written as one unbroken chain', async () => {
    for (const store of ['main-store', 'ungranted-store']) {
      await call(hub, `/secretstore/${store}/secrets/hello`, {
        token: appToken(hub.clusterA),
        body: caBody(hub.clusterA),
      });
    }
    const text = sink.lines.join('');
    const result = await verifyAuditLog(Readable.from([Buffer.from(text)]));
    assert.equal(result.problem, undefined);
    assert.ok((result.lines ?? 0) >= 3);
  });
});

describe('when the audit file is replaced by a directory', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.close());

  it('answers 500 AuditWriteFailed until the path can be written again', async () => {
    const token = appToken(hub.clusterA);
    const read = () =>
      call(hub, '/secretstore/main-store/secrets/hello', { token, body: caBody(hub.clusterA) });
    assert.equal((await read()).status, 200);

    await rm(hub.auditLog);
    await mkdir(hub.auditLog);
    await hub.server.reopenAudit();
    const refused = await read();
    assert.equal(refused.status, 500);
    assert.equal(reasonOf(refused), 'AuditWriteFailed');
    assert.ok(hub.logs.entries().some((e) => e.msg === 'audit log not reopened'));

    await rm(hub.auditLog, { recursive: true });
    assert.equal((await read()).status, 200);
    const lines = await auditLines(hub.auditLog);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.reason, 'Ok');
    assert.equal(lines[0]?.seq, 2, 'the chain goes on in the new file');
  });
});

// The restart is of a standalone server on the hub's config dir; Kubernetes mode keeps its
// configuration in the API server and writes the audit trail through the same sink.
const restartsStandalone = isKubernetesMode && 'restarts a standalone server on its config dir';

describe('the audit trail across a rotation and a restart', { skip: restartsStandalone }, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.close());

  it('goes on in the new file, and `audit verify --prev` accepts it as the next file', async () => {
    const read = () =>
      call(hub, '/secretstore/main-store/secrets/hello', {
        token: appToken(hub.clusterA),
        body: caBody(hub.clusterA),
      });
    assert.equal((await read()).status, 200);
    assert.equal((await read()).status, 200);

    // Rotated while the server runs; it stops before writing to the new file.
    const rotated = `${hub.auditLog}.1`;
    await rename(hub.auditLog, rotated);
    await hub.server.close();
    hub.server = await startStandalone({
      configDir: hub.configDir,
      dataDir: hub.dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('silent'),
    });
    hub.url = hub.server.url;
    assert.equal((await read()).status, 200);

    const old = await runCli(['audit', 'verify', rotated]);
    assert.equal(old.code, 0, old.stdout);
    const head = /, head ([0-9a-f]{64})$/m.exec(old.stdout)?.[1] ?? '';
    const next = await runCli(['audit', 'verify', hub.auditLog, '--prev', head]);
    assert.equal(next.code, 0, next.stdout);
    assert.match(next.stdout, /^ok: 1 line, seq 3 to 3, head [0-9a-f]{64}, follows --prev\n$/);
    assert.equal((await stat(`${hub.auditLog}.head`)).mode & 0o777, 0o600);
  });
});

describe('federation-server serve with the audit trail on stdout', () => {
  let root: string;
  let clusterA: ClientCluster;
  let clusterB: ClientCluster;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fed-audit-'));
    clusterA = await startClientCluster({ issuer: issuerA });
    clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
    await mkdir(join(root, 'config'));
    for (const [file, text] of Object.entries(baseManifests(clusterA, clusterB))) {
      await writeFile(join(root, 'config', file), text);
    }
  });
  after(async () => {
    await clusterA.close();
    await clusterB.close();
    await rm(root, { recursive: true, force: true });
  });

  it('writes marked, chained lines between whole log lines', async () => {
    const server = new CliProcess([
      'serve',
      '--config-dir',
      join(root, 'config'),
      '--data-dir',
      join(root, 'data'),
      '--listen',
      '127.0.0.1:0',
      '--audit-log',
      '-',
      '--log-level',
      'debug',
    ]);
    try {
      const match = await server.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
      const url = match[1] ?? '';
      const token = appToken(clusterA);
      const calls = [];
      for (let i = 0; i < 10; i += 1) {
        const store = i % 2 === 0 ? 'main-store' : 'ungranted-store';
        const body = caBody(clusterA);
        calls.push(call({ url }, `/secretstore/${store}/secrets/hello`, { token, body }));
      }
      await Promise.all(calls);
      await eventually(async () => server.stdout.split('"request completed"').length > 10, 10_000);
    } finally {
      assert.equal(await server.stop(), 0);
    }

    const lines = server.stdout.split('\n').filter((line) => line !== '');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const audit = lines.filter((line) => line.startsWith(`{"audit":"${auditMarker}",`));
    assert.equal(audit.length, 10);
    assert.equal(parsed.filter((entry) => entry.audit !== undefined).length, 10);
    const result = await verifyAuditLog(Readable.from([Buffer.from(`${audit.join('\n')}\n`)]));
    assert.equal(result.problem, undefined);
    assert.equal(result.firstSeq, 1);
  });

  it('refuses to start with a key file open to others, in one line', async () => {
    const keyFile = join(root, 'open.key');
    await writeFile(keyFile, Buffer.alloc(32, 1));
    await chmod(keyFile, 0o644);
    const result = await runCli([
      'serve',
      '--config-dir',
      join(root, 'config'),
      '--data-dir',
      join(root, 'data-open-key'),
      '--audit-key-file',
      keyFile,
    ]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `federation-server: audit key file ${keyFile} is accessible to group and others ` +
        `(mode 0644); run chmod 600 ${keyFile}\n`,
    );
  });

  it('documents the audit flags and command', async () => {
    const docs = await readFile(repoPath('docs', 'cli.md'), 'utf8');
    for (const command of ['serve', 'dev']) {
      const help = await runCli([command, '--help']);
      for (const flag of ['--audit-log', '--audit-key-file']) {
        assert.ok(help.stdout.includes(flag), `${command} --help lacks ${flag}`);
        assert.ok(docs.includes(`\`${flag}`), `docs/cli.md lacks ${flag}`);
      }
    }
    const help = await runCli(['audit', 'verify', '--help']);
    for (const flag of ['--prev', '--key-file', '--find-request-id']) {
      assert.ok(help.stdout.includes(flag), `audit verify --help lacks ${flag}`);
      assert.ok(docs.includes(`\`${flag}`), `docs/cli.md lacks ${flag}`);
    }
    assert.match(docs, /## `federation-server audit verify`/);
  });
});
