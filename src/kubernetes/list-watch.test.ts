import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeApi } from './kube-api.js';
import { KubeApiError } from './kube-api-error.js';
import { ListWatch } from './list-watch.js';

const path = '/apis/generators.external-secrets.io/v1alpha1/sshkeys';
const handler = { replace: () => undefined, change: () => undefined };

/** An API server answering the list with each of `answers` in turn; watches wait for stop. */
function fakeApi(answers: (Error | object)[]): KubeApi {
  return {
    request: async () => {
      const answer = answers.shift() ?? { items: [], metadata: { resourceVersion: '1' } };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    watch: (_path: string, _query: unknown, _onEvent: unknown, signal: AbortSignal) =>
      new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
  } as unknown as KubeApi;
}

async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 2000) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ListWatch', () => {
  it('tells the status and reason of a failing first list, and that a 404 may be a missing CRD', async () => {
    const warnings: Record<string, unknown>[] = [];
    const logger = {
      info: () => undefined,
      warn: (object: object) => warnings.push({ ...object }),
    };
    const notFound = new KubeApiError('GET', path, 404, 'NotFound', 'the server could not find');
    const watch = new ListWatch(fakeApi([notFound]), path, handler, { logger, backoffMs: 60_000 });
    watch.start();
    await until(() => watch.lastFailure !== undefined);

    assert.deepEqual(watch.lastFailure, { status: 404, reason: 'NotFound' });
    assert.equal(watch.hasListed, false);
    assert.equal(warnings[0]?.hint, 'is its CRD installed?');
    await watch.stop();
  });

  it('forgets the failure once a list works', async () => {
    const logger = { info: () => undefined, warn: () => undefined };
    const forbidden = new KubeApiError('GET', path, 403, 'Forbidden', 'no');
    const watch = new ListWatch(fakeApi([forbidden]), path, handler, { logger, backoffMs: 1 });
    watch.start();
    await until(() => watch.hasListed);

    assert.equal(watch.lastFailure, undefined);
    await watch.stop();
  });
});
