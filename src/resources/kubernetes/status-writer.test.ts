import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeApi, KubeObject, KubeRequest } from '../../kubernetes/index.js';
import { KubeApiError } from '../../kubernetes/index.js';
import { makeReport } from '../config-report.js';
import type { ConfigSnapshot } from '../model.js';
import { collectionPath } from './collections.js';
import { StatusWriter, type Condition } from './status-writer.js';
import { objectKey, type KubernetesConfig } from './watch-kubernetes.js';

const federationPath = `${collectionPath(
  'federation.external-secrets.io/v1alpha1',
  'kubernetesfederations',
)}/cluster-a`;

interface Status {
  conditions?: Condition[];
  keyCount?: number;
  lastKeysFetchTime?: string;
  observedGeneration?: number;
}

/**
 * One KubernetesFederation on a pretend API server: status patches apply at the resource
 * version they name (409 otherwise), and every write is handed to the watchers, as a watch
 * event would be.
 */
class FakeApiServer {
  object: KubeObject = {
    apiVersion: 'federation.external-secrets.io/v1alpha1',
    kind: 'KubernetesFederation',
    metadata: { name: 'cluster-a', generation: 1, resourceVersion: '1' } as KubeObject['metadata'],
    spec: { url: 'https://cluster-a.example' },
  };
  writes = 0;
  readonly #events: KubeObject[] = [];

  api(): KubeApi {
    const request = async (options: KubeRequest): Promise<unknown> => this.#patch(options);
    return { request } as unknown as KubeApi;
  }

  /** Hands every write to every writer until none writes any more; at most `limit` writes. */
  async settle(writers: StatusWriter[], limit = 50): Promise<void> {
    while (this.#events.length > 0 && this.writes < limit) {
      const event = this.#events.shift()!;
      await Promise.all(writers.map((writer) => writer.statusChanged(event)));
    }
  }

  get status(): Status {
    return (this.object.status ?? {}) as Status;
  }

  #patch(options: KubeRequest): KubeObject {
    assert.equal(options.method, 'PATCH');
    assert.equal(options.path, `${federationPath}/status`);
    const body = options.body as { metadata?: { resourceVersion?: string }; status: Status };
    const version = this.object.metadata?.resourceVersion;
    if (body.metadata?.resourceVersion !== version) {
      throw new KubeApiError('PATCH', options.path, 409, 'Conflict', 'the object was modified');
    }
    this.writes += 1;
    this.object = {
      ...this.object,
      metadata: { ...this.object.metadata, resourceVersion: String(Number(version) + 1) },
      status: { ...this.status, ...body.status },
    };
    this.#events.push(this.object);
    return this.object;
  }
}

function configOf(object: KubeObject): KubernetesConfig {
  return {
    snapshot: {} as ConfigSnapshot,
    report: makeReport({ problems: [], warnings: [], staleFiles: [], files: [] }),
    rejected: new Map(),
    objects: new Map([[objectKey(object), object]]),
  };
}

function keysFetched(status: Status): Condition | undefined {
  return status.conditions?.find((condition) => condition.type === 'KeysFetched');
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const clock = () => new Date('2026-05-01T10:00:30.000Z');

/** Two replicas' writers on one API server, both past their first configuration. */
async function twoReplicas(): Promise<{ server: FakeApiServer; writers: StatusWriter[] }> {
  const server = new FakeApiServer();
  const writers = [0, 1].map(() => new StatusWriter(server.api(), quiet, clock));
  await Promise.all(writers.map((writer) => writer.update(configOf(server.object))));
  await server.settle(writers);
  return { server, writers };
}

describe('StatusWriter', () => {
  it('writes Accepted, KeysFetched (Unknown) and observedGeneration once for two replicas', async () => {
    const { server } = await twoReplicas();
    assert.equal(server.writes, 1);
    assert.deepEqual(
      server.status.conditions?.map((condition) => [condition.type, condition.status]),
      [
        ['Accepted', 'True'],
        ['KeysFetched', 'Unknown'],
      ],
    );
    assert.equal(server.status.observedGeneration, 1);
  });

  it('stops writing after one write per replica when they fetched keys at different times', async () => {
    const { server, writers } = await twoReplicas();
    const before = server.writes;

    await writers[0]!.keysFetched('cluster-a', {
      result: 'success',
      keys: 1,
      at: new Date('2026-05-01T10:00:01.200Z'),
    });
    await server.settle(writers);
    await writers[1]!.keysFetched('cluster-a', {
      result: 'success',
      keys: 2,
      at: new Date('2026-05-01T10:00:05.700Z'),
    });
    await server.settle(writers);

    assert.equal(server.writes - before, 2);
    assert.equal(server.status.lastKeysFetchTime, '2026-05-01T10:00:05Z');
    assert.equal(server.status.keyCount, 2);
    assert.equal(keysFetched(server.status)?.message, '2 signing keys fetched');
  });

  it('keeps the KeysFetched condition another replica wrote when it has no fetch of its own', async () => {
    const { server, writers } = await twoReplicas();
    await writers[0]!.keysFetched('cluster-a', {
      result: 'failure',
      failure: 'connection refused',
      at: new Date('2026-05-01T10:00:02.000Z'),
    });
    await server.settle(writers);
    const written = server.writes;

    await writers[1]!.update(configOf(server.object));
    await server.settle(writers);

    assert.equal(server.writes, written);
    assert.equal(keysFetched(server.status)?.reason, 'FetchFailed');
  });

  it('writes no older fetch over a later one, and never moves lastKeysFetchTime back', async () => {
    const { server, writers } = await twoReplicas();
    await writers[0]!.keysFetched('cluster-a', {
      result: 'success',
      keys: 3,
      at: new Date('2026-05-01T10:00:20.000Z'),
    });
    await server.settle(writers);
    const written = server.writes;

    // A fetch of the other replica that ended earlier, reported late.
    await writers[1]!.keysFetched('cluster-a', {
      result: 'failure',
      failure: 'timeout',
      at: new Date('2026-05-01T10:00:10.000Z'),
    });
    await writers[1]!.keysFetched('cluster-a', {
      result: 'success',
      keys: 1,
      at: new Date('2026-05-01T10:00:11.000Z'),
    });
    await server.settle(writers);

    assert.equal(server.writes, written);
    assert.equal(keysFetched(server.status)?.status, 'True');
    assert.equal(server.status.lastKeysFetchTime, '2026-05-01T10:00:20Z');
    assert.equal(server.status.keyCount, 3);
  });

  it('writes a later failure once, and keeps lastKeysFetchTime as the last success', async () => {
    const { server, writers } = await twoReplicas();
    await writers[0]!.keysFetched('cluster-a', {
      result: 'success',
      keys: 1,
      at: new Date('2026-05-01T10:00:04.000Z'),
    });
    await server.settle(writers);
    const written = server.writes;

    await writers[1]!.keysFetched('cluster-a', {
      result: 'failure',
      failure: 'connection refused',
      at: new Date('2026-05-01T10:00:08.000Z'),
    });
    await server.settle(writers);

    assert.equal(server.writes, written + 1);
    assert.equal(keysFetched(server.status)?.status, 'False');
    assert.equal(server.status.lastKeysFetchTime, '2026-05-01T10:00:04Z');
  });

  it('leaves a write refused at a stale resourceVersion to the next event, without a warning', async () => {
    const server = new FakeApiServer();
    const warnings: unknown[] = [];
    const logger = { ...quiet, warn: (object: object) => warnings.push(object) };
    const writer = new StatusWriter(server.api(), logger, clock);
    const stale = server.object;
    server.object = {
      ...stale,
      metadata: { ...stale.metadata, resourceVersion: '7' },
    };

    await writer.update(configOf(stale));
    assert.equal(server.writes, 0);
    assert.deepEqual(warnings, []);

    await writer.statusChanged(server.object);
    assert.equal(server.writes, 1);
  });
});
