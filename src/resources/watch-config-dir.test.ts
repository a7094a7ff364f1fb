import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ConfigReport } from './config-report.js';
import type { ConfigSnapshot } from './model.js';
import type { ConfigLogger } from './snapshot-builder.js';
import {
  watchConfigDir,
  type ConfigWatcher,
  type WatchConfigDirOptions,
} from './watch-config-dir.js';

const federation = (
  name: string,
  host = `${name}.example.com`,
) => `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: ${name}
spec:
  url: https://${host}
`;

const authorization = (name: string) => `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: ${name}
spec:
  federationRef: { kind: KubernetesFederation, name: a }
  subject: { issuer: https://issuer.example.com, subject: system:serviceaccount:ns:sa }
`;

interface Change {
  snapshot: ConfigSnapshot;
  report: ConfigReport;
}

/** Collects every onChange call and waits for one that satisfies a condition. */
class ChangeRecorder {
  readonly changes: Change[] = [];
  readonly #waiters: {
    predicate: (change: Change) => boolean;
    resolve: (change: Change) => void;
  }[] = [];

  readonly onChange = (snapshot: ConfigSnapshot, report: ConfigReport): void => {
    const change = { snapshot, report };
    this.changes.push(change);
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(change)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(change);
      }
    }
  };

  /** The next change that satisfies `predicate`, within `withinMs` (default 2 s). */
  next(predicate: (change: Change) => boolean, withinMs = 2000): Promise<Change> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching change within ${withinMs} ms`)),
        withinMs,
      );
      this.#waiters.push({
        predicate,
        resolve: (change) => {
          clearTimeout(timer);
          resolve(change);
        },
      });
    });
  }
}

function logRecorder() {
  const entries: { level: string; object: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (object: object, message: string): void => {
      entries.push({ level, object: object as Record<string, unknown>, message });
    };
  const logger: ConfigLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, entries };
}

describe('watchConfigDir', () => {
  let dir: string;
  let watcher: ConfigWatcher | undefined;
  let recorder: ChangeRecorder;

  const start = async (options: Partial<WatchConfigDirOptions> = {}): Promise<ConfigWatcher> => {
    watcher = await watchConfigDir(dir, { onChange: recorder.onChange, ...options });
    return watcher;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'resources-watch-'));
    recorder = new ChangeRecorder();
  });

  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the first configuration before resolving', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    const running = await start();
    assert.equal(recorder.changes.length, 1);
    assert.deepEqual([...running.snapshot.federations.keys()], ['a']);
    assert.deepEqual(running.report.brokenFiles, []);
  });

  it('applies an edit, an added file and a deleted file within 2 s each', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    await start();

    const edited = recorder.next(
      (change) => change.snapshot.federations.get('a')?.url === 'https://edited.example.com',
    );
    await writeFile(join(dir, 'a.yaml'), federation('a', 'edited.example.com'));
    await edited;

    const added = recorder.next((change) => change.snapshot.federations.has('b'));
    await writeFile(join(dir, 'b.yaml'), federation('b'));
    await added;

    const deleted = recorder.next((change) => !change.snapshot.federations.has('b'));
    await unlink(join(dir, 'b.yaml'));
    const last = await deleted;
    assert.deepEqual([...last.snapshot.federations.keys()], ['a']);
  });

  it('keeps the last good content of a broken file, reports it, then applies a fix', async () => {
    const { logger, entries } = logRecorder();
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    await start({ logger });

    const broken = recorder.next((change) => change.report.brokenFiles.length > 0);
    await writeFile(join(dir, 'a.yaml'), federation('a', 'x.example.com').replace('spec', '_spec'));
    await broken;
    // The rest of the directory is still applied while a.yaml is broken.
    const added = recorder.next((change) => change.snapshot.federations.has('b'));
    await writeFile(join(dir, 'b.yaml'), federation('b'));
    const { snapshot, report } = await added;
    assert.deepEqual(report.brokenFiles, [join(dir, 'a.yaml')]);
    assert.deepEqual(report.staleFiles, [join(dir, 'a.yaml')]);
    assert.equal(snapshot.federations.get('a')?.url, 'https://a.example.com');
    assert.match(report.problems[0]?.message ?? '', /unknown field `_spec`; did you mean `spec`\?/);
    const rejected = entries.find((entry) => entry.message === 'config file rejected');
    assert.equal(rejected?.object.file, join(dir, 'a.yaml'));
    assert.equal(rejected?.object.lastGoodInEffect, true);
    assert.match(String((rejected?.object.problems as string[])[0]), /_spec/);

    const fixed = recorder.next((change) => change.report.brokenFiles.length === 0);
    await writeFile(join(dir, 'a.yaml'), federation('a', 'fixed.example.com'));
    const after = await fixed;
    assert.equal(after.snapshot.federations.get('a')?.url, 'https://fixed.example.com');
    assert.deepEqual(after.report.staleFiles, []);
  });

  it('keeps the last good content when a file becomes a YAML syntax error', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    await start();
    const broken = recorder.next((change) => change.report.brokenFiles.length > 0);
    await writeFile(join(dir, 'a.yaml'), 'spec: [\n');
    const { snapshot, report } = await broken;
    assert.ok(snapshot.federations.has('a'));
    assert.equal(typeof report.problems[0]?.line, 'number');
  });

  it('removes the grants of a deleted Authorization from the snapshot', async () => {
    await writeFile(join(dir, 'federation.yaml'), federation('a'));
    await writeFile(
      join(dir, 'rules.yaml'),
      `${authorization('keep')}---\n${authorization('drop')}`,
    );
    await writeFile(join(dir, 'other.yaml'), authorization('file-gone'));
    const running = await start();
    assert.deepEqual(
      running.snapshot.authorizations.map((rule) => rule.name),
      ['drop', 'file-gone', 'keep'],
    );

    const edited = recorder.next((change) => change.snapshot.authorizations.length === 2);
    await writeFile(join(dir, 'rules.yaml'), authorization('keep'));
    await edited;
    const deleted = recorder.next((change) => change.snapshot.authorizations.length === 1);
    await unlink(join(dir, 'other.yaml'));
    const last = await deleted;
    assert.deepEqual(
      last.snapshot.authorizations.map((rule) => rule.name),
      ['keep'],
    );
  });

  it('never applies a file caught in the middle of a write, and applies it once it settles', async () => {
    await writeFile(join(dir, 'federation.yaml'), federation('a'));
    await writeFile(join(dir, 'rules.yaml'), authorization('before'));
    await start({ useFileEvents: false, pollIntervalMs: 10, settleMs: 1000 });
    const names = (change: Change) => change.snapshot.authorizations.map((rule) => rule.name);

    // A writer that truncates, then writes: polls see the empty file many times meanwhile.
    await writeFile(join(dir, 'rules.yaml'), '');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(recorder.changes.map(names), [['before']]);
    const written = recorder.next((change) => names(change)[0] === 'after', 3000);
    await writeFile(join(dir, 'rules.yaml'), authorization('after'));
    await written;
    assert.deepEqual(recorder.changes.map(names), [['before'], ['after']]);

    // A file that stays empty is applied: its objects go.
    const emptied = recorder.next((change) => names(change).length === 0, 3000);
    await writeFile(join(dir, 'rules.yaml'), '');
    await emptied;
  });

  it('keeps the last good configuration while the directory is gone, and reloads when it returns', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    await start();

    const gone = recorder.next((change) => change.report.directoryError !== undefined);
    await rm(dir, { recursive: true });
    const { snapshot, report } = await gone;
    assert.ok(snapshot.federations.has('a'));
    assert.equal(report.directoryError, 'does not exist');

    const back = recorder.next((change) => change.snapshot.federations.has('b'));
    await mkdir(dir);
    await writeFile(join(dir, 'b.yaml'), federation('b'));
    const restored = await back;
    assert.deepEqual([...restored.snapshot.federations.keys()], ['b']);
    assert.equal(restored.report.directoryError, undefined);
  });

  it('notices changes by polling alone, for file systems without events', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    await start({ useFileEvents: false, pollIntervalMs: 200 });
    const added = recorder.next((change) => change.snapshot.federations.has('b'));
    await writeFile(join(dir, 'b.yaml'), federation('b'));
    await added;
  });

  it('follows the symlink swap of a ConfigMap update', async () => {
    const version = async (name: string, host: string): Promise<void> => {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'federation.yaml'), federation('cm', host));
    };
    await version('..v1', 'one.example.com');
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'federation.yaml'), join(dir, 'federation.yaml'));
    await start();
    assert.equal(watcher?.snapshot.federations.get('cm')?.url, 'https://one.example.com');

    const swapped = recorder.next(
      (change) => change.snapshot.federations.get('cm')?.url === 'https://two.example.com',
    );
    await version('..v2', 'two.example.com');
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await swapped;
  });

  it('stops reacting after close', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('a'));
    const running = await start({ pollIntervalMs: 100 });
    await running.close();
    watcher = undefined;
    await writeFile(join(dir, 'b.yaml'), federation('b'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(recorder.changes.length, 1);
  });
});
