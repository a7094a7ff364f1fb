import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { MapSecretReader } from '../providers/secret-reader.js';
import { ConfigDirState } from './config-dir-state.js';
import { makeReport, type ConfigReport } from './config-report.js';
import type { ConfigSnapshot } from './model.js';
import { formatProblems } from './problem.js';
import { scanConfigDir } from './scan-config-dir.js';
import { SecretFileExposure } from './secret-file-exposure.js';
import { SnapshotBuilder, type ConfigLogger } from './snapshot-builder.js';

/** Options of `watchConfigDir`. */
export interface WatchConfigDirOptions {
  /**
   * Called with the first configuration, then after every change of a file or of the
   * directory's readability, including edits that were rejected (the report says so).
   */
  onChange(snapshot: ConfigSnapshot, report: ConfigReport): void | Promise<void>;
  logger?: ConfigLogger;
  /** Milliseconds between checks of every file's fingerprint; default 1000. */
  pollIntervalMs?: number;
  /** Milliseconds of quiet after a file-system event before rescanning; default 100. */
  debounceMs?: number;
  /**
   * A poll leaves a file changed less than this many milliseconds ago for a later scan, so
   * that a write in progress (a truncated or half-written file) is never applied; default
   * `debounceMs`.
   */
  settleMs?: number;
  /** Listen to file-system events as well as polling; default true. */
  useFileEvents?: boolean;
  /** Receives the `v1/Secret` manifests of every scan, for store credentials. */
  secrets?: MapSecretReader;
}

/** A running watch of a configuration directory. */
export interface ConfigWatcher {
  /** The configuration in force. */
  readonly snapshot: ConfigSnapshot;
  /** What the last scan found. */
  readonly report: ConfigReport;
  /** Rescans now (every file is read again); resolves once any change has been applied. */
  refresh(): Promise<void>;
  /**
   * Stops watching and polling, then closes every store provider of the snapshot. Call it
   * once nothing serves requests from the snapshot any more.
   */
  close(): Promise<void>;
}

interface QueuedScan {
  force: boolean;
  promise: Promise<void>;
}

class ConfigDirWatcher implements ConfigWatcher {
  readonly #state: ConfigDirState;
  readonly #builder: SnapshotBuilder;
  readonly #exposure = new SecretFileExposure();
  readonly #watchers = new Map<string, { watcher: FSWatcher; inode: bigint }>();
  #snapshot: ConfigSnapshot | undefined;
  #report: ConfigReport | undefined;
  #tail: Promise<void> = Promise.resolve();
  #queued: QueuedScan | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #debounceTimer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(
    readonly dir: string,
    readonly options: WatchConfigDirOptions,
  ) {
    this.#state = new ConfigDirState(dir);
    this.#builder = new SnapshotBuilder({ logger: options.logger, secrets: options.secrets });
  }

  get snapshot(): ConfigSnapshot {
    return this.#snapshot as ConfigSnapshot;
  }

  get report(): ConfigReport {
    return this.#report as ConfigReport;
  }

  async start(): Promise<void> {
    await this.refresh();
    const timer = setInterval(() => void this.#request(false), this.options.pollIntervalMs ?? 1000);
    this.#pollTimer = timer.unref();
  }

  refresh(): Promise<void> {
    return this.#request(true);
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#debounceTimer);
    for (const { watcher } of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    await this.#tail;
    await this.#builder.close();
  }

  // Scans never overlap; requests made while one is waiting join it.
  #request(force: boolean): Promise<void> {
    if (this.#queued !== undefined) {
      this.#queued.force ||= force;
      return this.#queued.promise;
    }
    const queued: QueuedScan = { force, promise: Promise.resolve() };
    queued.promise = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#scan(queued.force);
    });
    this.#queued = queued;
    this.#tail = queued.promise.catch((error: unknown) => {
      this.options.logger?.error({ dir: this.dir, err: String(error) }, 'config scan failed');
    });
    return queued.promise;
  }

  async #scan(force: boolean): Promise<void> {
    if (this.#isClosed) return;
    const { changed, directories } = await scanConfigDir(this.#state, {
      force,
      settleMs: this.options.settleMs ?? this.options.debounceMs ?? 100,
    });
    await this.#syncWatchers(directories);
    // Checked on every scan: a chmod alone changes no content.
    await this.#exposure.check(this.#state.secretFiles(), this.options.logger);
    if (!changed && this.#snapshot !== undefined) return;

    const { resources, report } = this.#state.evaluate();
    const build = this.#builder.build(resources);
    const fullReport =
      build.problems.length === 0
        ? report
        : makeReport({ ...report, problems: [...report.problems, ...build.problems] });
    this.#snapshot = build.snapshot;
    this.#report = fullReport;
    this.#log(fullReport, build.snapshot);
    try {
      await this.options.onChange(build.snapshot, fullReport);
    } catch (error) {
      this.options.logger?.error(
        { dir: this.dir, err: String(error) },
        'config change handler failed',
      );
    }
  }

  #log(report: ConfigReport, snapshot: ConfigSnapshot): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    if (report.directoryError !== undefined) {
      logger.error(
        { dir: this.dir, error: report.directoryError },
        'config directory unreadable; keeping the last good configuration',
      );
    }
    for (const file of report.brokenFiles) {
      const problems = formatProblems(report.problems.filter((problem) => problem.file === file));
      const lastGoodInEffect = report.staleFiles.includes(file);
      logger.warn({ file, problems, lastGoodInEffect }, 'config file rejected');
    }
    if (report.warnings.length > 0) {
      logger.warn({ dir: this.dir, warnings: formatProblems(report.warnings) }, 'config warnings');
    }
    logger.info(
      {
        dir: this.dir,
        files: report.files.length,
        federations: snapshot.federations.size,
        authorizations: snapshot.authorizations.length,
        stores: snapshot.stores.size,
        generators: snapshot.generators.size,
      },
      'configuration applied',
    );
  }

  // One watcher per directory; recreated when a directory was replaced (new inode).
  async #syncWatchers(directories: readonly string[]): Promise<void> {
    if (this.options.useFileEvents === false || this.#isClosed) return;
    const wanted = new Set(directories);
    for (const [directory, { watcher }] of this.#watchers) {
      if (!wanted.has(directory)) {
        watcher.close();
        this.#watchers.delete(directory);
      }
    }
    for (const directory of directories) {
      const inode = await stat(directory, { bigint: true }).then(
        (info) => info.ino,
        () => undefined,
      );
      const current = this.#watchers.get(directory);
      if (inode === undefined || current?.inode === inode) continue;
      current?.watcher.close();
      this.#watch(directory, inode);
    }
  }

  #watch(directory: string, inode: bigint): void {
    try {
      const watcher = watch(directory, { persistent: false }, () => this.#schedule());
      watcher.on('error', () => {
        watcher.close();
        if (this.#watchers.get(directory)?.watcher === watcher) this.#watchers.delete(directory);
        this.#schedule();
      });
      this.#watchers.set(directory, { watcher, inode });
    } catch {
      // Polling still notices every change; events only make it faster.
    }
  }

  #schedule(): void {
    if (this.#isClosed) return;
    clearTimeout(this.#debounceTimer);
    const timer = setTimeout(() => void this.#request(true), this.options.debounceMs ?? 100);
    this.#debounceTimer = timer.unref();
  }
}

/**
 * Loads a configuration directory (see `loadConfigDir` for which files count) and keeps it
 * applied: file-system events (debounced) plus a fingerprint poll, because events are lost
 * with some editors and with the symlink swap of a ConfigMap mount. A file whose new
 * content has a problem is reported and its last good content stays in force; a deleted
 * file's objects go away; an unreadable directory keeps the whole last good configuration.
 * Resolves after the first `onChange`, even when the directory cannot be read (the report
 * then carries `directoryError`).
 */
export async function watchConfigDir(
  dir: string,
  options: WatchConfigDirOptions,
): Promise<ConfigWatcher> {
  const watcher = new ConfigDirWatcher(dir, options);
  await watcher.start();
  return watcher;
}
