import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import { hashLine } from './audit-chain.js';
import type { ChainHead } from './audit-chain.js';
import { isAuditLine } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';

export interface FileAuditSinkOptions {
  /**
   * How often a write first checks that the path still names the open file, so that a
   * rotated or deleted file is followed by a new one; milliseconds, default 1000.
   */
  rotationCheckIntervalMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** How the end of an existing file looks. */
interface FileTail {
  /** The last complete line, when it is an audit line. */
  head: ChainHead | undefined;
  /** The file ends inside a line (a write that was cut short). */
  isTorn: boolean;
}

/** Bytes read from the end at a time while looking for the last line. */
const tailChunkBytes = 64 * 1024;

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ?? (error instanceof Error ? error.name : 'unknown error');
}

/** The last complete line of the file and whether a partial line follows it. */
async function readTail(handle: FileHandle, path: string): Promise<FileTail> {
  const { size } = await handle.stat();
  if (size === 0) return { head: undefined, isTorn: false };

  let chunk = Math.min(size, tailChunkBytes);
  for (;;) {
    const start = size - chunk;
    const buffer = Buffer.alloc(chunk);
    await handle.read(buffer, 0, chunk, start);
    const isTorn = buffer[chunk - 1] !== 0x0a;
    const end = buffer.lastIndexOf(0x0a);
    // lastIndexOf reads a negative offset from the end, hence the guard.
    const lineStart = end <= 0 ? -1 : buffer.lastIndexOf(0x0a, end - 1);
    if (lineStart >= 0 || start === 0) {
      if (end < 0) return { head: undefined, isTorn };
      const line = buffer.subarray(lineStart + 1, end);
      return { head: headOf(line, path), isTorn };
    }
    chunk = Math.min(size, chunk * 2);
  }
}

function headOf(line: Buffer, path: string): ChainHead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!isAuditLine(parsed)) {
    throw new Error(
      `audit log ${path} does not end with an audit line; move it away or choose another path`,
    );
  }
  return { seq: parsed.seq, hash: hashLine(line) };
}

/**
 * Appends audit lines to a file: opened append-only, created with mode 0600, followed to
 * a new file at the same path when the old one is rotated away or deleted. On open it
 * reads the last line back so that the chain goes on where it stopped.
 */
export class FileAuditSink implements AuditSink {
  readonly description: string;
  readonly resumeFrom: ChainHead | undefined;
  readonly #path: string;
  readonly #checkIntervalMs: number;
  readonly #now: () => number;
  #handle: FileHandle | undefined;
  #identity = { dev: 0, ino: 0 };
  #lastCheckAt: number;
  /** The file may end inside a line: terminate it before the next write. */
  #mayBeTorn = false;

  private constructor(path: string, tail: FileTail, options: FileAuditSinkOptions) {
    this.description = path;
    this.#path = path;
    this.resumeFrom = tail.head;
    this.#mayBeTorn = tail.isTorn;
    this.#checkIntervalMs = options.rotationCheckIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#lastCheckAt = this.#now();
  }

  /** Opens (creating) the file at `path`; its directory must exist. */
  static async open(path: string, options: FileAuditSinkOptions = {}): Promise<FileAuditSink> {
    const handle = await FileAuditSink.#openHandle(path);
    try {
      const sink = new FileAuditSink(path, await readTail(handle, path), options);
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

  async write(text: string): Promise<void> {
    await this.#followRotation();
    const handle = this.#handle ?? (await this.#reopenNow());
    let bytes = Buffer.from(text, 'utf8');
    if (this.#mayBeTorn && !(await endsWithNewline(handle))) {
      bytes = Buffer.concat([Buffer.from('\n'), bytes]);
    }
    this.#mayBeTorn = false;

    let offset = 0;
    try {
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      // Part of a line may have reached the file: end it before the next write.
      this.#mayBeTorn = offset > 0;
      throw new Error(`cannot write audit log ${this.#path}: ${errorCode(error)}`);
    }
  }

  async reopen(): Promise<void> {
    await this.#reopenNow();
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
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

  async #reopenNow(): Promise<FileHandle> {
    const old = this.#handle;
    this.#handle = undefined;
    await old?.close().catch(() => undefined);
    // On failure no file is open; the next write tries again and fails until it works.
    const handle = await FileAuditSink.#openHandle(this.#path);
    try {
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
}

async function endsWithNewline(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}
