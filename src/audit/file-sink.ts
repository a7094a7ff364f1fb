import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import type { ChainHead } from './audit-chain.js';
import type { AuditSink } from './audit-sink.js';
import { endsWithNewline, readTail } from './file-tail.js';
import { headPathOf, readSavedHead, saveHead } from './saved-head.js';
import { errorCode } from './fs-error.js';

/** The calls that change the open file. */
export interface FileAuditIo {
  /** Writes `length` bytes of `bytes` from `offset` on; resolves with how many it wrote. */
  write(handle: FileHandle, bytes: Buffer, offset: number, length: number): Promise<number>;
  /** Cuts the file to `size` bytes. */
  truncate(handle: FileHandle, size: number): Promise<void>;
}

const handleIo: FileAuditIo = {
  write: async (handle, bytes, offset, length) =>
    (await handle.write(bytes, offset, length)).bytesWritten,
  truncate: (handle, size) => handle.truncate(size),
};

export interface FileAuditSinkOptions {
  /**
   * How often a write first checks that the path still names the open file, so that a
   * rotated or deleted file is followed by a new one; milliseconds, default 1000.
   */
  rotationCheckIntervalMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /**
   * Replaces the calls that write to and truncate the open file; default the file handle's
   * own. For tests that make a write fail part way through.
   */
  io?: FileAuditIo;
}

function isSameHead(a: ChainHead | undefined, b: ChainHead | undefined): boolean {
  return a?.seq === b?.seq && a?.hash === b?.hash;
}

/**
 * Where the chain goes on when a log is opened: its own last line, or the head saved beside
 * it when it has none (a new file after a rotation). A saved head that the log has not
 * reached, or another line at the same seq, means that the end of the log was lost or that
 * it is another log: the open fails rather than fork the chain.
 */
function startOf(
  logHead: ChainHead | undefined,
  saved: ChainHead | undefined,
  path: string,
  headPath: string,
): ChainHead | undefined {
  if (logHead === undefined) return saved;
  if (saved === undefined || saved.seq < logHead.seq || isSameHead(saved, logHead)) {
    return logHead;
  }
  const what = saved.seq === logHead.seq ? `another line at seq ${saved.seq}` : `seq ${saved.seq}`;
  throw new Error(
    `audit log ${path} ends at seq ${logHead.seq} but ${headPath} records ${what}: lines ` +
      'are missing from the end of the log, or it is not the log the head was saved for; ' +
      `check it with audit verify, then delete ${headPath} to go on from the log`,
  );
}

/**
 * Appends audit lines to a file: opened append-only, created with mode 0600, followed to
 * a new file at the same path when the old one is rotated away or deleted. On open it
 * reads the last line back so that the chain goes on where it stopped; before the chain
 * moves on into a new file, and at close, it saves the head in `<path>.head` for a new
 * file that has no line yet. A write that fails is cut off the file again.
 */
export class FileAuditSink implements AuditSink {
  readonly description: string;
  readonly #path: string;
  readonly #headPath: string;
  readonly #checkIntervalMs: number;
  readonly #now: () => number;
  readonly #io: FileAuditIo;
  #resumeFrom: ChainHead | undefined;
  /** The last line in the file: written, or read back. */
  #head: ChainHead | undefined;
  #handle: FileHandle | undefined;
  #identity = { dev: 0, ino: 0 };
  #lastCheckAt: number;
  /** The file may end inside a line: terminate it before the next write. */
  #mayBeTorn = false;
  /** Lines of a failed write may remain in the file: read its end back before writing. */
  #isBroken = false;

  private constructor(
    path: string,
    start: ChainHead | undefined,
    isTorn: boolean,
    options: FileAuditSinkOptions,
  ) {
    this.description = path;
    this.#path = path;
    this.#headPath = headPathOf(path);
    this.#resumeFrom = start;
    this.#head = start;
    this.#mayBeTorn = isTorn;
    this.#checkIntervalMs = options.rotationCheckIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#io = options.io ?? handleIo;
    this.#lastCheckAt = this.#now();
  }

  get resumeFrom(): ChainHead | undefined {
    return this.#resumeFrom;
  }

  /** Opens (creating) the file at `path`; its directory must exist. */
  static async open(path: string, options: FileAuditSinkOptions = {}): Promise<FileAuditSink> {
    const handle = await FileAuditSink.#openHandle(path);
    try {
      const tail = await readTail(handle, path);
      const headPath = headPathOf(path);
      const start = startOf(tail.head, await readSavedHead(headPath), path, headPath);
      const sink = new FileAuditSink(path, start, tail.isTorn, options);
      await sink.#saveHead();
      await sink.#adopt(handle);
      return sink;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  static async #openHandle(path: string): Promise<FileHandle> {
    let handle: FileHandle;
    try {
      // a+: O_APPEND for every write, reads for the tail; created 0600 if missing.
      handle = await open(path, 'a+', 0o600);
    } catch (error) {
      throw new Error(`cannot open audit log ${path}: ${errorCode(error)}`);
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new Error(`audit log ${path} is not a regular file`);
    }
    return handle;
  }

  async #adopt(handle: FileHandle): Promise<void> {
    const { dev, ino } = await handle.stat();
    this.#handle = handle;
    this.#identity = { dev, ino };
  }

  async write(text: string, head: ChainHead): Promise<void> {
    const drafted = this.#head;
    await this.#followRotation();
    const handle = this.#handle ?? (await this.#reopenNow());
    if (!isSameHead(this.#head, drafted)) {
      throw new Error(
        `audit log ${this.#path} holds lines of an earlier failed write, up to seq ` +
          `${this.#head?.seq}; these lines were drafted before it was read back`,
      );
    }

    const isTorn = this.#mayBeTorn && !(await endsWithNewline(handle));
    const bytes = Buffer.from(isTorn ? `\n${text}` : text, 'utf8');
    let offset = 0;
    try {
      while (offset < bytes.length) {
        offset += await this.#io.write(handle, bytes, offset, bytes.length - offset);
      }
    } catch (error) {
      const leftOver = await this.#takeBack(handle, offset);
      throw new Error(`cannot write audit log ${this.#path}: ${errorCode(error)}${leftOver}`);
    }
    this.#mayBeTorn = false;
    this.#head = head;
  }

  async reopen(): Promise<void> {
    await this.#reopenNow();
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
    // Best effort: a failure must not stop the shutdown, and leaves the head saved last.
    if (!this.#isBroken) await this.#saveHead().catch(() => undefined);
  }

  /**
   * Cuts the `written` bytes of a failed write off the end of the file again, so that no
   * line of it remains for a caller that was told it failed. Only this sink appends to
   * the file, so they are its last bytes. Returns what to add to the error when it cannot.
   */
  async #takeBack(handle: FileHandle, written: number): Promise<string> {
    if (written === 0) return '';
    let reason: string;
    try {
      const size = (await handle.stat()).size - written;
      if (size >= 0) {
        await this.#io.truncate(handle, size);
        return '';
      }
      // Cut short meanwhile (copytruncate): where the write began is no longer known.
      reason = 'the file shrank meanwhile';
    } catch (error) {
      reason = errorCode(error);
    }

    this.#isBroken = true;
    try {
      await this.#readBack(handle);
      return `; lines of it may remain (not cut off: ${reason})`;
    } catch {
      this.#handle = undefined;
      await handle.close().catch(() => undefined);
      return `; lines of it may remain (not cut off: ${reason}; not read back yet)`;
    }
  }

  /**
   * Goes on from where the file really ends after a failed write that could not be cut
   * off: its last whole line, which may be one of that write's. The trail takes the new
   * `resumeFrom`, so no seq is used twice.
   */
  async #readBack(handle: FileHandle): Promise<void> {
    const tail = await readTail(handle, this.#path);
    this.#mayBeTorn = tail.isTorn;
    this.#isBroken = false;
    // No whole line at all: the write was the first into this file and left none.
    if (tail.head === undefined || isSameHead(tail.head, this.#head)) return;
    this.#head = tail.head;
    this.#resumeFrom = tail.head;
  }

  /** Reopens when the path no longer names the open file; at most once per interval. */
  async #followRotation(): Promise<void> {
    const now = this.#now();
    if (this.#handle === undefined || now - this.#lastCheckAt < this.#checkIntervalMs) return;
    this.#lastCheckAt = now;
    let current: { dev: number; ino: number } | undefined;
    try {
      current = await stat(this.#path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        throw new Error(`cannot check audit log ${this.#path}: ${errorCode(error)}`);
      }
    }
    if (current?.dev === this.#identity.dev && current.ino === this.#identity.ino) return;
    await this.#reopenNow();
  }

  /**
   * Opens the file now at the path. While lines of a failed write may remain, its end is
   * read back first. The head is saved before any line can go into a new file.
   */
  async #reopenNow(): Promise<FileHandle> {
    const old = this.#handle;
    this.#handle = undefined;
    await old?.close().catch(() => undefined);
    // On failure no file is open; the next write tries again and fails until it works.
    const handle = await FileAuditSink.#openHandle(this.#path);
    try {
      if (this.#isBroken) await this.#readBack(handle);
      await this.#saveHead();
      const { size } = await handle.stat();
      this.#mayBeTorn = size > 0;
      await this.#adopt(handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.#lastCheckAt = this.#now();
    return handle;
  }

  async #saveHead(): Promise<void> {
    if (this.#head !== undefined) await saveHead(this.#headPath, this.#head);
  }
}
