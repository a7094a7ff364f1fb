import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

import { repoPath } from '../support/repo.js';

/**
 * The end-to-end suites of standalone mode whose checks do not read its config dir or its
 * SQLite file directly. With `FEDERATION_TEST_MODE=kubernetes` their hub runs in Kubernetes
 * mode against a real API server (see `startKubernetesTestHub`), so both modes answer the
 * same requests the same way.
 */
const suites = [
  'secret-store',
  'errors',
  'authentication',
  'rate-limit',
  'logs',
  'store-cache',
  'key-sets',
  'tls',
];

describe('Kubernetes mode passes the end-to-end checks of standalone mode', () => {
  it(
    `runs ${suites.join(', ')} against a hub in Kubernetes mode`,
    { timeout: 400_000 },
    async () => {
      const files = suites.map((suite) => repoPath('dist', 'test', 'e2e', `${suite}.test.js`));
      // A runner started from inside a test would report to this one, not print a summary.
      const env: NodeJS.ProcessEnv = { ...process.env, FEDERATION_TEST_MODE: 'kubernetes' };
      delete env.NODE_TEST_CONTEXT;
      const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
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
      const summary = output.split('\n').filter((line) => /^# (tests|pass|fail) /.test(line));
      assert.equal(code, 0, `failed in Kubernetes mode:\n${failures}`);
      assert.match(summary.join('\n'), /# fail 0/);
      assert.ok(!summary.includes('# pass 0'), 'no test ran');
    },
  );
});
