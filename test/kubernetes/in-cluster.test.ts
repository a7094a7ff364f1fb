import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { appToken, caBody, call, eventually, reasonOf } from '../support/hub.js';
import type { KubeObject } from '../support/kube-api-server.js';
import { readerAuthorization, startKubeScene } from '../support/kube-hub.js';
import type { KubeScene } from '../support/kube-hub.js';
import { CliProcess, runCli } from '../support/process.js';
import { startServiceAccountProxy } from '../support/service-account-proxy.js';
import type { ServiceAccountProxy } from '../support/service-account-proxy.js';

const generatorStates =
  '/apis/generators.external-secrets.io/v1alpha1/namespaces/gen/generatorstates';
const firstToken = 'first-service-account-token';
const secondToken = 'second-service-account-token';

/** The environment of a container in a pod, its service account files in `dir`. */
function podEnv(dir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(port),
    FEDERATION_SERVICE_ACCOUNT_DIR: dir,
  };
  delete env.POD_NAMESPACE;
  return env;
}

/** `CliProcess` passes on this process's environment; it is `env` while it spawns. */
function spawnWithEnv(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const saved = process.env;
  process.env = env;
  try {
    return new CliProcess(args);
  } finally {
    process.env = saved;
  }
}

/** Replaces a file in one step, as the kubelet swaps a projected volume's files. */
async function swapFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.new`, text);
  await rename(`${path}.new`, path);
}

describe(
  'serve in a pod, with the service account as its only credential',
  { timeout: 90_000 },
  () => {
    let scene: KubeScene;
    let proxy: ServiceAccountProxy;
    let root: string;
    let accountDir: string;
    let server: CliProcess;
    let url: string;

    const read = (store: string, serviceAccount = 'app-sa') =>
      call({ url }, `/secretstore/${store}/secrets/hello`, {
        token: appToken(scene.clusterA, {
          namespace: serviceAccount === 'app-sa' ? 'app' : 'team',
          serviceAccount,
        }),
        body: caBody(scene.clusterA),
      });
    const isReady = async () => (await call({ url }, '/readyz', { method: 'GET' })).status === 200;

    before(async () => {
      scene = await startKubeScene();
      proxy = await startServiceAccountProxy(scene.kube, [firstToken]);
      root = await mkdtemp(join(tmpdir(), 'fed-in-cluster-'));
      accountDir = join(root, 'serviceaccount');
      await mkdir(accountDir);
      await mkdir(join(root, 'data'));
      await writeFile(join(accountDir, 'token'), firstToken);
      await writeFile(join(accountDir, 'ca.crt'), proxy.caPem);
      await writeFile(join(accountDir, 'namespace'), 'hub-system\n');

      server = spawnWithEnv(
        ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(root, 'data')],
        podEnv(accountDir, proxy.port),
      );
      url = (await server.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1] ?? '';
      await eventually(isReady, 15_000);
    });

    after(async () => {
      await server?.stop();
      await proxy?.close();
      await scene?.close();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('reaches the API server through the pod service address and serves a granted secret', async () => {
      assert.match(
        server.stdout,
        new RegExp(`"kubernetes":"https://127\\.0\\.0\\.1:${proxy.port}"`),
      );
      const granted = await read('main-store');
      assert.equal(granted.status, 200, granted.text);
      assert.equal(granted.body, 'world');
      assert.equal(reasonOf(await read('ungranted-store')), 'NotFound');
    });

    it("records a generator call's state in the generator's namespace", async () => {
      const token = appToken(scene.clusterA, { pod: { name: 'in-pod-1', uid: 'uid-in-pod-1' } });
      const issued = await call({ url }, '/generators/gen/ClusterGenerator/shared-password', {
        token,
        body: caBody(scene.clusterA),
      });
      assert.equal(issued.status, 200, issued.text);
      const list = await scene.kube.request(
        'GET',
        `${generatorStates}?labelSelector=federation.externalsecrets.com/owner=in-pod-1`,
      );
      const states = list.body.items ?? [];
      assert.equal(states.length, 1);
      assert.equal((states[0]?.metadata as KubeObject).namespace, 'gen');
    });

    it('presents the mounted token and nothing else', () => {
      assert.ok(proxy.forwardedCount > 0);
      assert.deepEqual(proxy.presented, [`Bearer ${firstToken}`]);
      assert.equal(proxy.refusedCount, 0);
    });

    it('presents a rotated token from the next request on, watches included', async () => {
      // The kubelet swaps in a new token well before the old one expires; the API server then
      // accepts both for a while. Here the old one stops working right after the swap.
      proxy.accept([firstToken, secondToken]);
      await swapFile(join(accountDir, 'token'), secondToken);
      proxy.accept([secondToken]);
      proxy.dropConnections();

      const token = appToken(scene.clusterA, { pod: { name: 'in-pod-2', uid: 'uid-in-pod-2' } });
      const issued = await call({ url }, '/generators/gen/Password/db-password', {
        token,
        body: caBody(scene.clusterA),
      });
      assert.equal(issued.status, 200, issued.text);

      await scene.apply(readerAuthorization('reader', ['other-store']));
      await eventually(async () => (await read('other-store', 'reader')).status === 200, 10_000);
      assert.equal(await isReady(), true);
      assert.deepEqual(proxy.presented, [`Bearer ${firstToken}`, `Bearer ${secondToken}`]);
      assert.equal(proxy.refusedCount, 0, 'no request presented the old token after the swap');
    });
  },
);

describe('serve in a pod without its service account files', () => {
  it('stops with one line that names the missing file', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'fed-no-account-'));
    try {
      const result = await runCli(
        ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(empty, 'data')],
        20_000,
        podEnv(empty, 6443),
      );
      assert.notEqual(result.code, 0);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', /in-cluster configuration/);
      assert.ok(lines[0]?.includes(join(empty, 'token')), result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
