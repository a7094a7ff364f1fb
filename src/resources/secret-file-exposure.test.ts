import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { ConfigLogger } from './snapshot-builder.js';
import { watchConfigDir, type ConfigWatcher } from './watch-config-dir.js';

const secretValue = 'c2VjcmV0LWtleS1tYXRlcmlhbA==';
const secretManifest = `apiVersion: v1
kind: Secret
metadata:
  name: aws-keys
  namespace: hub
data:
  secret: ${secretValue}
`;
const federationManifest = `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: a
spec:
  url: https://a.example.com
`;

const message = 'a file with Secret manifests is readable by other users';

class RecordingLogger implements ConfigLogger {
  readonly lines: { object: object; message: string }[] = [];
  info(object: object, text: string): void {
    this.lines.push({ object, message: text });
  }
  warn(object: object, text: string): void {
    this.lines.push({ object, message: text });
  }
  error(object: object, text: string): void {
    this.lines.push({ object, message: text });
  }
  exposures(): string[] {
    return this.lines
      .filter((line) => line.message === message)
      .map((line) => (line.object as { file: string }).file);
  }
}

describe(
  'warning on Secret manifests readable by other users',
  { skip: process.platform === 'win32' },
  () => {
    let dir: string;
    let watcher: ConfigWatcher;
    const logger = new RecordingLogger();

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'secret-exposure-'));
      await writeFile(join(dir, 'open-secret.yaml'), secretManifest, { mode: 0o644 });
      await writeFile(
        join(dir, 'private-secret.yaml'),
        secretManifest.replace('aws-keys', 'other'),
        {
          mode: 0o600,
        },
      );
      await writeFile(join(dir, 'federation.yaml'), federationManifest, { mode: 0o644 });
      // The umask may have taken bits away: set exactly what the test means.
      await chmod(join(dir, 'open-secret.yaml'), 0o644);
      await chmod(join(dir, 'federation.yaml'), 0o644);
      watcher = await watchConfigDir(dir, {
        onChange: () => undefined,
        logger,
        useFileEvents: false,
        pollIntervalMs: 60_000,
      });
    });
    after(async () => {
      await watcher.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('names only the readable file that holds Secrets, with its mode and never its content', () => {
      assert.deepEqual(logger.exposures(), [join(dir, 'open-secret.yaml')]);
      const line = logger.lines.find((entry) => entry.message === message);
      assert.equal((line?.object as { mode?: string }).mode, '0644');
      assert.doesNotMatch(JSON.stringify(logger.lines), new RegExp(secretValue.slice(0, 12)));
    });

    it('warns once per file across scans, and again after it was private in between', async () => {
      await watcher.refresh();
      await watcher.refresh();
      assert.equal(logger.exposures().length, 1);

      await chmod(join(dir, 'open-secret.yaml'), 0o600);
      await watcher.refresh();
      assert.equal(logger.exposures().length, 1);

      await chmod(join(dir, 'open-secret.yaml'), 0o640);
      await chmod(join(dir, 'private-secret.yaml'), 0o604);
      await watcher.refresh();
      assert.deepEqual(logger.exposures().slice(1).sort(), [
        join(dir, 'open-secret.yaml'),
        join(dir, 'private-secret.yaml'),
      ]);
    });
  },
);
