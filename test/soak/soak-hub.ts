import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { call, eventually, issuerA, issuerB } from '../support/hub.js';
import { ServerProcess } from './server-process.js';
import { soakManifests } from './soak-manifests.js';

/** The server under soak, as a process, with the two client clusters it trusts. */
export interface SoakHub {
  server: ServerProcess;
  url: string;
  metricsUrl: string;
  clusterA: ClientCluster;
  clusterB: ClientCluster;
  close(): Promise<void>;
}

/**
 * Where the state database goes: a memory-backed directory when the system has one. Every
 * generator call commits to SQLite with a full sync, and on a slow disk those syncs, not
 * the server, would set the pace of the run; what is measured here is memory.
 */
function memoryBackedDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * Starts two client clusters and `federation-server serve` on the soak configuration, with
 * its metrics served and its rate limit far above what the run sends (the per-identity
 * buckets are kept and used, never emptied); resolves once the server is ready.
 */
export async function startSoakHub(): Promise<SoakHub> {
  const root = await mkdtemp(join(tmpdir(), 'fed-soak-'));
  const dataDir = await mkdtemp(join(memoryBackedDir(), 'fed-soak-data-'));
  const clusterA = await startClientCluster({ issuer: issuerA });
  const clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
  await mkdir(join(root, 'config'));
  for (const [file, text] of Object.entries(soakManifests(clusterA, clusterB))) {
    await writeFile(join(root, 'config', file), text);
  }

  const server = new ServerProcess([
    'serve',
    ...['--config-dir', join(root, 'config'), '--data-dir', dataDir],
    ...['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'],
    ...['--rate-limit', '1000000', '--rate-limit-burst', '1000000'],
  ]);
  const close = async (): Promise<void> => {
    await server.stop();
    await clusterA.close();
    await clusterB.close();
    await rm(root, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await server.urlLogged('server listening');
    const metricsUrl = await server.urlLogged('metrics listening');
    const isReady = async (): Promise<boolean> =>
      (await call({ url }, '/readyz', { method: 'GET' })).status === 200;
    await eventually(isReady, 20_000);
    return { server, url, metricsUrl, clusterA, clusterB, close };
  } catch (error) {
    await close();
    throw error;
  }
}
