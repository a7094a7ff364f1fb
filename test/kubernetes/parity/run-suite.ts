import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

import { repoPath } from '../../support/repo.js';

/**
 * Runs one end-to-end suite of standalone mode with `FEDERATION_TEST_MODE=kubernetes`: its
 * hub then runs in Kubernetes mode against a real API server (`startKubernetesTestHub`),
 * so both modes answer the same requests the same way. One suite per file keeps each file
 * within the runner's time limit. Suites read generator state through the hub's
 * `openStateStore`, so they check SQLite in one mode and GeneratorState objects in the
 * other; a single test that only makes sense with a config dir is skipped in this mode,
 * naming why. Suites that exist to test standalone mode's files are not run this way.
 */
export function describeInKubernetesMode(suite: string): void {
  describe(`the ${suite} suite in Kubernetes mode`, () => {
    it(`passes the end-to-end checks of ${suite} against a hub in Kubernetes mode`, async () => {
      const file = repoPath('dist', 'test', 'e2e', `${suite}.test.js`);
      // A runner started from inside a test would report to this one, not print a summary.
      const env: NodeJS.ProcessEnv = { ...process.env, FEDERATION_TEST_MODE: 'kubernetes' };
      delete env.NODE_TEST_CONTEXT;
      const child = spawn(process.execPath, ['--test', file], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

      const failures = output
        .split('\n')
        .filter((line) => /^\s*not ok /.test(line))
        .join('\n');
      const summary = output
        .split('\n')
        .filter((line) => /^# (pass|fail) /.test(line))
        .join('\n');
      assert.equal(code, 0, `failed in Kubernetes mode:\n${failures}`);
      assert.match(summary, /# fail 0/);
      assert.doesNotMatch(summary, /# pass 0\b/, 'no test ran');
    });
  });
}
