import { writeSync } from 'node:fs';

import type { AuditSink } from './audit-sink.js';

export interface StdoutAuditSinkOptions {
  /** File descriptor to write to; default 1 (standard output). */
  fd?: number;
  /**
   * How long a full pipe may block a write before it fails; milliseconds, default 5000.
   * Meanwhile the event loop waits: an audit line is never half written.
   */
  blockedWriteTimeoutMs?: number;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes audit lines to standard output, for a collector that reads the container's
 * output. Each batch of lines goes out in synchronous `write` calls that finish before
 * anything else runs, so a line never lands inside a log line as long as the logger writes
 * synchronously too (`serve` and `dev` make it so when the audit trail goes to stdout).
 * Nothing can be read back from a stream: each start of the server begins a new chain.
 */
export class StdoutAuditSink implements AuditSink {
  readonly description = 'stdout';
  readonly resumeFrom = undefined;
  readonly #fd: number;
  readonly #timeoutMs: number;

  constructor(options: StdoutAuditSinkOptions = {}) {
    this.#fd = options.fd ?? 1;
    this.#timeoutMs = options.blockedWriteTimeoutMs ?? 5000;
  }

  async write(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    const started = Date.now();
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.#fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        // A non-blocking pipe that is full: wait for the reader rather than tear the line.
        if (code === 'EAGAIN' && Date.now() - started < this.#timeoutMs) {
          Atomics.wait(pause, 0, 0, 5);
          continue;
        }
        throw new Error(`cannot write audit lines to stdout: ${code ?? 'unknown error'}`);
      }
    }
  }

  async reopen(): Promise<void> {}

  async close(): Promise<void> {}
}
