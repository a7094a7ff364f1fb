import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startClientCluster } from '../../src/dev/client-cluster.js';
import { appToken, eventually, reasonOf } from '../support/hub.js';
import { FaultProxy, faultName } from './fault-proxy.js';
import type { IssuerFault } from './fault-proxy.js';
import { IssuerScene, sceneTiming, sleepUntil, timed } from './issuer-scene.js';
import type { FederatedCluster } from './issuer-scene.js';

/**
 * Each issuer fault, against two federations of one fresh hub: `warm` had its keys fetched
 * before the fault, `cold` is first used during it. Both reach real client clusters through
 * fault proxies (see `FaultProxy`).
 */
const faults: { fault: IssuerFault; step: 'discovery' | 'jwks'; failure: string }[] = [
  { fault: 'closed', step: 'discovery', failure: 'connect' },
  { fault: 'hang', step: 'discovery', failure: 'timeout' },
  { fault: { delayMs: 5000 }, step: 'discovery', failure: 'timeout' },
  { fault: 'discovery-not-json', step: 'discovery', failure: 'not-json' },
  { fault: 'jwks-not-json', step: 'jwks', failure: 'not-json' },
  { fault: 'jwks-not-a-key-set', step: 'jwks', failure: 'no-usable-keys' },
  { fault: 'jwks-broken-keys', step: 'jwks', failure: 'no-usable-keys' },
  { fault: 'jwks-empty', step: 'jwks', failure: 'no-usable-keys' },
];

/**
 * A fetch that hits the fault ends within the fetch timeout, discovery and JWKS each; the
 * rest is room for a busy machine. It stays well below the 5 s of the slow issuer.
 */
const failClosedWithinMs = 4 * sceneTiming.fetchTimeoutMs + 1000;

describe('issuer faults', () => {
  let warm: FederatedCluster;
  let cold: FederatedCluster;

  before(async () => {
    const warmCluster = await startClientCluster({ issuer: 'https://oidc.warm.example.com' });
    const coldCluster = await startClientCluster({
      issuer: 'https://oidc.cold.example.com',
      algorithm: 'ES256',
    });
    warm = { name: 'warm', cluster: warmCluster, proxy: await FaultProxy.start(warmCluster) };
    cold = { name: 'cold', cluster: coldCluster, proxy: await FaultProxy.start(coldCluster) };
  });

  after(async () => {
    for (const { cluster, proxy } of [warm, cold]) {
      await proxy.close();
      await cluster.close();
    }
  });

  for (const { fault, step, failure } of faults) {
    describe(`issuer ${faultName(fault)}`, () => {
      let scene: IssuerScene;
      let warmToken: string;
      /** Upper bound of when the warm federation's keys were fetched. */
      let fetchedBy: number;

      before(async () => {
        await warm.proxy.setFault('none');
        await cold.proxy.setFault('none');
        scene = await IssuerScene.start([warm, cold]);
        warmToken = appToken(warm.cluster);
        const first = await scene.readSecret(warm.cluster, warmToken);
        fetchedBy = Date.now();
        assert.equal(first.status, 200, first.text);
        await warm.proxy.setFault(fault);
        await cold.proxy.setFault(fault);
      });

      after(() => scene.close());

      it('fails closed at once for a federation first used during the fault', async () => {
        const { result, ms } = await timed(() => scene.readSecret(cold.cluster));
        assert.equal(result.status, 401, result.text);
        assert.equal(reasonOf(result), 'IssuerUnreachable');
        assert.ok(ms < failClosedWithinMs, `answered after ${ms} ms`);
        // The fetch failed the way this fault fails, not for some other reason.
        const [logged] = scene.fetchFailures('cold');
        assert.deepEqual([logged?.step, logged?.failure], [step, failure]);
      });

      it('keeps verifying with cached keys while a background refresh hits the fault', async () => {
        await sleepUntil(fetchedBy + sceneTiming.refreshIntervalMs + 50);
        const during = await scene.readSecret(warm.cluster);
        assert.equal(during.status, 200, during.text);
        assert.equal(during.body, 'world');
        const refreshes = (): number =>
          scene.fetchFailures('warm').filter((entry) => entry.hasCachedKeys === true).length;
        await eventually(async () => refreshes() >= 1, 3000);
        const after = await scene.readSecret(warm.cluster);
        assert.equal(after.status, 200, after.text);
      });

      it('refreshes at most once per cooldown for tokens with unknown kids', async () => {
        const before = scene.fetchFailures('warm').length;
        for (let i = 0; i < 10; i += 1) {
          const token = appToken(warm.cluster, { header: { kid: `unknown-kid-${i}` } });
          const result = await scene.readSecret(warm.cluster, token);
          assert.equal(result.status, 401, result.text);
          assert.equal(reasonOf(result), 'TokenUnverifiable');
        }
        const fetches = scene.fetchFailures('warm').length - before;
        assert.ok(fetches <= 1, `${fetches} fetches within one cooldown`);
        assert.ok(
          Date.now() < fetchedBy + sceneTiming.maxStaleMs - 200,
          'the machine is too slow for the staleness window of this test',
        );
        const valid = await scene.readSecret(warm.cluster);
        assert.equal(valid.status, 200, 'cached keys still serve within the staleness bound');
      });

      it('fails closed once the keys are older than the staleness bound', async () => {
        await sleepUntil(fetchedBy + sceneTiming.maxStaleMs + 100);
        // The token verified before the fault is remembered; that must not outlive the keys.
        const reused = await timed(() => scene.readSecret(warm.cluster, warmToken));
        assert.equal(reused.result.status, 401, reused.result.text);
        assert.equal(reasonOf(reused.result), 'IssuerUnreachable');
        assert.ok(reused.ms < failClosedWithinMs, `answered after ${reused.ms} ms`);
        const fresh = await scene.readSecret(warm.cluster);
        assert.equal(fresh.status, 401, fresh.text);
        assert.equal(reasonOf(fresh), 'IssuerUnreachable');
      });

      it('recovers, for both federations, once the fault clears', async () => {
        await warm.proxy.setFault('none');
        await cold.proxy.setFault('none');
        const warmAgain = await scene.readSecret(warm.cluster, warmToken);
        assert.equal(warmAgain.status, 200, warmAgain.text);
        const coldAgain = await scene.readSecret(cold.cluster);
        assert.equal(coldAgain.status, 200, coldAgain.text);
      });
    });
  }
});
