import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

import type { Logger } from 'pino';

import {
  checkServerCredentials,
  describeCredentials,
  readTlsFiles,
  revisionOf,
} from './server-credentials.js';
import type { ServerCredentials, ServerTlsFiles } from './server-credentials.js';

/** Options of `watchServerCredentials`. */
export interface CredentialsWatchOptions {
  /** The credentials being served; a change is anything that differs from them. */
  current: ServerCredentials;
  /** Puts new credentials into service (the listener's `setSecureContext`). */
  apply(credentials: ServerCredentials): void;
  logger: Logger;
  /** Milliseconds between reads of the files; default 1000. */
  pollIntervalMs?: number;
}

/** A running watch of the TLS files. */
export interface CredentialsWatch {
  /** Reads the files now, e.g. on SIGHUP; resolves once the check has finished. */
  refresh(): Promise<void>;
  /** Stops watching; resolves once a check in progress has finished. */
  close(): Promise<void>;
}

/** Milliseconds of quiet after a file event before the files are read. */
const debounceMs = 50;

class TlsFilesWatch implements CredentialsWatch {
  readonly #watchers: FSWatcher[] = [];
  #served: string;
  /** Revision of broken files seen once; reported only when seen again (see #refuse). */
  #suspect: string | undefined;
  #reported: string | undefined;
  #tail: Promise<void> = Promise.resolve();
  #isQueued = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #debounceTimer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(
    readonly files: ServerTlsFiles,
    readonly options: CredentialsWatchOptions,
  ) {
    this.#served = options.current.revision;
  }

  start(): void {
    const timer = setInterval(() => this.#request(), this.options.pollIntervalMs ?? 1000);
    this.#pollTimer = timer.unref();
    // A Secret volume swaps a symlinked directory: watch the directories, not the files.
    const { certFile, keyFile, clientCaFile } = this.files;
    const directories = new Set([certFile, keyFile, clientCaFile].flatMap(directoryOf));
    for (const directory of directories) this.#watch(directory);
  }

  // Checks never overlap; a request made while one waits joins it.
  #request(): void {
    if (this.#isQueued) return;
    this.#isQueued = true;
    this.#tail = this.#tail
      .then(() => {
        this.#isQueued = false;
        return this.#check();
      })
      .catch((error: unknown) => {
        this.options.logger.error({ reason: messageOf(error) }, 'tls files check failed');
      });
  }

  refresh(): Promise<void> {
    this.#request();
    return this.#tail;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#debounceTimer);
    for (const watcher of this.#watchers) watcher.close();
    await this.#tail;
  }

  async #check(): Promise<void> {
    if (this.#isClosed) return;
    let texts;
    try {
      texts = await readTlsFiles(this.files);
    } catch (error) {
      this.#refuse(`unreadable ${messageOf(error)}`, messageOf(error));
      return;
    }
    const revision = revisionOf(texts);
    if (revision === this.#served) {
      this.#suspect = undefined;
      this.#reported = undefined;
      return;
    }

    let credentials: ServerCredentials;
    try {
      credentials = checkServerCredentials(this.files, texts);
      this.options.apply(credentials);
    } catch (error) {
      this.#refuse(revision, messageOf(error));
      return;
    }
    this.#served = revision;
    this.#suspect = undefined;
    this.#reported = undefined;
    this.options.logger.info(
      describeCredentials(this.files, credentials),
      'tls certificate reloaded',
    );
  }

  // A rotation by plain file writes passes through a moment where the new certificate sits
  // beside the old key; only files that stay broken until the next read are reported.
  #refuse(revision: string, reason: string): void {
    if (this.#reported === revision) return;
    if (this.#suspect !== revision) {
      this.#suspect = revision;
      return;
    }
    this.#reported = revision;
    const { certFile, keyFile, clientCaFile } = this.files;
    this.options.logger.warn(
      { certFile, keyFile, clientCaFile, reason },
      'tls files not usable; keeping the certificate in service',
    );
  }

  #watch(directory: string): void {
    try {
      const watcher = watch(directory, { persistent: false }, () => this.#schedule());
      watcher.on('error', () => watcher.close());
      this.#watchers.push(watcher);
    } catch {
      // The poll notices every change; file events only make it sooner.
    }
  }

  #schedule(): void {
    if (this.#isClosed) return;
    clearTimeout(this.#debounceTimer);
    this.#debounceTimer = setTimeout(() => this.#request(), debounceMs).unref();
  }
}

function directoryOf(path: string | undefined): string[] {
  return path === undefined ? [] : [dirname(path)];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Keeps the HTTPS listener's certificate, key and client CA in step with their files:
 * file events on their directories (debounced) plus a poll, since the symlink swap of a
 * Secret volume can escape events. New files are checked before use; files that cannot
 * be used leave the credentials in service untouched and are logged as a warning with
 * the file names and the reason, never their content.
 */
export function watchServerCredentials(
  files: ServerTlsFiles,
  options: CredentialsWatchOptions,
): CredentialsWatch {
  const tlsWatch = new TlsFilesWatch(files, options);
  tlsWatch.start();
  return tlsWatch;
}
