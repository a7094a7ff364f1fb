import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';
import { pino } from 'pino';
import { z } from 'zod';

import { Authenticator } from '../../src/authn/index.js';
import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import type { GeneratorDefinition } from '../../src/generators/generator.js';
import { FederationMetrics } from '../../src/metrics/index.js';
import type { ConfigSnapshot } from '../../src/resources/model.js';
import { buildApp } from '../../src/server/app.js';
import { LiveConfig } from '../../src/server/live-config.js';
import { RateLimiter } from '../../src/server/rate-limit.js';
import { openSqliteStateStore, stateFileName } from '../../src/state/index.js';
import type { StateStore } from '../../src/state/index.js';
import {
  appToken,
  baseManifests,
  caBody,
  call,
  issuerA,
  reasonOf,
  startTestHub,
} from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { contextWithoutSecrets, readSecretText } from '../../src/providers/secret-reader.js';
import type { ProviderCallOptions, RemoteRef } from '../../src/providers/provider.js';

/** Sends raw bytes and returns the raw answer, for requests fetch refuses to send. */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('requests the HTTP parser refuses', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.close());

  it('answers a malformed request with 400 BadRequest in the JSON error shape', async () => {
    const answer = await rawRequest(
      hub.url,
      'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { reason: string };
    assert.equal(body.reason, 'BadRequest');
  });

  it('answers headers above the limit (a huge token) with 431 HeadersTooLarge', async () => {
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token: `eyJ${'A'.repeat(20 * 1024)}.e30.sig`,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 431);
    assert.equal(reasonOf(result), 'HeadersTooLarge');
  });
});

const slowManifest = `apiVersion: generators.external-secrets.io/v1alpha1
kind: SSHKey
metadata: { name: big-key, namespace: gen }
spec: { keyType: rsa, keySize: 4096 }
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: slow }
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject: { issuer: ${issuerA}, subject: system:serviceaccount:app:app-sa }
  allowedGenerators: [{ name: big-key, kind: SSHKey, namespace: gen }]
`;

describe('backend deadlines', () => {
  it('answers 504 BackendTimeout and keeps no state when a generator is too slow', async () => {
    const hub = await startTestHub({ backendTimeoutMs: 1 }, (a, b) => ({
      ...baseManifests(a, b),
      'slow.yaml': slowManifest,
    }));
    try {
      const result = await call(hub, '/generators/gen/SSHKey/big-key', {
        token: appToken(hub.clusterA),
        body: caBody(hub.clusterA),
      });
      assert.equal(result.status, 504);
      assert.equal(reasonOf(result), 'BackendTimeout');
      const store = openSqliteStateStore(hub.dataDir);
      try {
        assert.deepEqual(
          await store.find({ generatorNamespace: 'gen', federation: 'cluster-a', issuer: issuerA }),
          [],
        );
      } finally {
        await store.close();
      }
    } finally {
      await hub.close();
    }
  });
});

/** A generator kind of the test only: its revocation can be made to fail. */
function flakyDefinition(): GeneratorDefinition {
  return {
    kind: 'Password',
    clusterGeneratorKey: 'passwordSpec',
    schema: z.strictObject({}),
    create: () => ({ generate: async () => ({ values: { v: 'x' } }) }),
  };
}

/**
 * The server built on a configuration assembled in the test, so that a store backend and
 * the state database can fail in ways no shipped component fails on demand.
 */
describe('backend and state failures', () => {
  let cluster: ClientCluster;
  let dir: string;
  let state: StateStore;
  let url: string;
  let close: () => Promise<void>;
  let failFind = false;

  before(async () => {
    cluster = await startClientCluster({ issuer: issuerA });
    dir = await mkdtemp(join(tmpdir(), 'fed-fail-'));
    const sqlite = openSqliteStateStore(dir, { busyTimeoutMs: 20 });
    state = {
      reserve: (s) => sqlite.reserve(s),
      complete: (id, p, d) => sqlite.complete(id, p, d),
      find: async (f) => {
        if (failFind) throw new TypeError('a bug in a state backend');
        return sqlite.find(f);
      },
      findExpired: (n, l) => sqlite.findExpired(n, l),
      remove: (id) => sqlite.remove(id),
      claim: (id, hold) => sqlite.claim(id, hold),
      release: (id) => sqlite.release(id),
      count: () => sqlite.count(),
      close: () => sqlite.close(),
    };
    const definition = flakyDefinition();
    const snapshot: ConfigSnapshot = {
      federations: new Map([
        ['cluster-a', { name: 'cluster-a', url: cluster.url, caBundle: cluster.caPem }],
      ]),
      authorizations: [
        {
          name: 'grant',
          federation: 'cluster-a',
          issuer: issuerA,
          subject: 'system:serviceaccount:app:app-sa',
          clusterSecretStores: ['broken', 'unconfigured'],
          generators: [{ namespace: 'gen', kind: 'Password', name: 'p', apiVersion: 'x' }],
          generatorStateNamespaces: ['gen'],
        },
      ],
      stores: new Map([
        [
          'broken',
          {
            name: 'broken',
            providerKey: 'test',
            provider: {
              getSecret: async () => {
                throw new Error('backend said: password=hunter2 is wrong');
              },
            },
          },
        ],
        [
          'unconfigured',
          {
            name: 'unconfigured',
            providerKey: 'test',
            // Its credentials live in a Secret that no manifest provides.
            provider: {
              getSecret: (_ref: RemoteRef, options?: ProviderCallOptions) =>
                readSecretText(
                  { name: 'backend-credentials', key: 'token', namespace: 'hub' },
                  contextWithoutSecrets,
                  options,
                ),
            },
          },
        ],
      ]),
      generators: new Map([
        [
          'gen/Password/p',
          {
            namespace: 'gen',
            kind: 'Password',
            name: 'p',
            generatorKind: 'Password',
            spec: {},
            definition,
            generator: definition.create({}, contextWithoutSecrets),
          },
        ],
      ]),
    };
    const config = new LiveConfig();
    config.apply(snapshot);
    const logger = pino({ level: 'silent' });
    const authenticator = new Authenticator({ logger });
    const metrics = new FederationMetrics();
    const app = buildApp({
      config,
      authenticator,
      credentials: {
        state,
        logger,
        stateTtlMs: 60_000,
        backendTimeoutMs: 2000,
        metrics,
        secrets: contextWithoutSecrets.secrets,
      },
      logger,
      metrics,
      options: { backendTimeoutMs: 2000 },
      readiness: () => [],
      rateLimiter: new RateLimiter({ ratePerSecond: 0, burst: 1 }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    close = async () => {
      await app.close();
      await authenticator.close();
      await state.close();
    };
  });

  after(async () => {
    await close();
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 502 BackendError without the backend message', async () => {
    const result = await call({ url }, '/secretstore/broken/secrets/any', {
      token: appToken(cluster),
    });
    assert.equal(result.status, 502);
    assert.deepEqual(result.body, { message: 'the secret backend failed', reason: 'BackendError' });
  });

  it('answers 503 StoreNotReady when a Secret the store needs does not exist', async () => {
    const result = await call({ url }, '/secretstore/unconfigured/secrets/any', {
      token: appToken(cluster),
    });
    assert.equal(result.status, 503);
    assert.equal(reasonOf(result), 'StoreNotReady');
    assert.doesNotMatch(JSON.stringify(result.body), /backend-credentials/);
  });

  it('answers 500 StateWriteFailed and generates nothing when the state database is locked', async () => {
    const locker = new Database(join(dir, stateFileName));
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const result = await call({ url }, '/generators/gen/Password/p', {
        token: appToken(cluster),
      });
      assert.equal(result.status, 500);
      assert.deepEqual(result.body, { message: 'internal error', reason: 'StateWriteFailed' });
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    const ok = await call({ url }, '/generators/gen/Password/p', { token: appToken(cluster) });
    assert.equal(ok.status, 200);
  });

  it('answers 500 InternalError with a generic message for a bug', async () => {
    failFind = true;
    try {
      const result = await call({ url }, '/generators/gen/Password/p', {
        method: 'DELETE',
        token: appToken(cluster),
      });
      assert.equal(result.status, 500);
      assert.deepEqual(result.body, { message: 'internal error', reason: 'InternalError' });
    } finally {
      failFind = false;
    }
  });
});
