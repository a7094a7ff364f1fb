import { AuditChain } from './audit-chain.js';
import type { ChainHead } from './audit-chain.js';
import type { AuditKey } from './audit-key.js';
import type { AuditEvent } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';

/** Told after each write how many lines it carried and whether they were written. */
export type AuditObserver = (result: 'written' | 'failed', lines: number) => void;

export interface AuditTrailOptions {
  sink: AuditSink;
  /** Pseudonymises request ids and token ids. */
  key: AuditKey;
  observe?: AuditObserver;
  /** Lines written at most in one write when many wait; default 256. */
  maxBatchLines?: number;
  /** Default: the current time. */
  now?: () => Date;
}

interface Waiting {
  event: AuditEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The audit trail of one server: events become chained lines, written through one queue
 * in the order they were recorded. Lines that wait while a write is under way go out
 * together in the next write; each caller learns whether its own line was written.
 */
export class AuditTrail {
  readonly #sink: AuditSink;
  readonly #chain: AuditChain;
  readonly #observe: AuditObserver;
  readonly #maxBatchLines: number;
  readonly #now: () => Date;
  /** The sink's `resumeFrom` that the chain last went on from. */
  #resumedFrom: ChainHead | undefined;
  #waiting: Waiting[] = [];
  #reopenWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #isDraining = false;
  #draining: Promise<void> = Promise.resolve();
  #isClosed = false;

  constructor(options: AuditTrailOptions) {
    this.#sink = options.sink;
    const { key } = options;
    this.#resumedFrom = options.sink.resumeFrom;
    this.#chain = new AuditChain(
      this.#resumedFrom,
      (value) => key.digest(value),
      key.remembering(),
    );
    this.#observe = options.observe ?? (() => undefined);
    this.#maxBatchLines = options.maxBatchLines ?? 256;
    this.#now = options.now ?? (() => new Date());
  }

  /** Where the lines go: a path, or `stdout`. */
  get description(): string {
    return this.#sink.description;
  }

  /** The last line written: what the next line's `prev` will be. */
  get head(): ChainHead | undefined {
    return this.#chain.head;
  }

  /**
   * Queues one line and resolves once it is written; rejects when its write failed. The
   * chain then goes on as if the line had never been drafted, or, when the sink could not
   * remove all of a failed write, after its last line that the destination holds.
   */
  record(event: AuditEvent): Promise<void> {
    if (this.#isClosed) return Promise.reject(new Error('the audit trail is closed'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ event, resolve, reject });
      this.#startDraining();
    });
  }

  /** Reopens the sink between two writes (after a log rotation); rejects when that fails. */
  reopen(): Promise<void> {
    if (this.#isClosed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#reopenWaiters.push({ resolve, reject });
      this.#startDraining();
    });
  }

  /** Writes what is queued, then closes the sink; later records reject. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await this.#draining;
    await this.#sink.close();
  }

  #startDraining(): void {
    if (this.#isDraining) return;
    this.#isDraining = true;
    this.#draining = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        if (this.#reopenWaiters.length > 0) {
          await this.#reopenSink(this.#reopenWaiters.splice(0));
        } else if (this.#waiting.length > 0) {
          await this.#writeBatch(this.#waiting.splice(0, this.#maxBatchLines));
        } else {
          return;
        }
      }
    } finally {
      // Cleared in the same turn as the last check, so no queued item is ever left behind.
      this.#isDraining = false;
    }
  }

  async #reopenSink(waiters: { resolve: () => void; reject: (error: unknown) => void }[]) {
    try {
      await this.#sink.reopen();
      this.#followSink();
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      this.#followSink();
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  /** Goes on from where the sink says its destination ends, when it says so anew. */
  #followSink(): void {
    const head = this.#sink.resumeFrom;
    if (head === undefined || head === this.#resumedFrom) return;
    this.#resumedFrom = head;
    this.#chain.advance(head);
  }

  async #writeBatch(batch: Waiting[]): Promise<void> {
    let isWritten = false;
    let failure: unknown;
    try {
      const draft = this.#chain.draft(
        batch.map((waiting) => waiting.event),
        this.#now(),
      );
      await this.#sink.write(draft.text, draft.head);
      this.#chain.advance(draft.head);
      isWritten = true;
    } catch (error) {
      failure = error;
      this.#followSink();
    }
    this.#observe(isWritten ? 'written' : 'failed', batch.length);
    for (const waiting of batch) {
      if (isWritten) waiting.resolve();
      else waiting.reject(failure);
    }
  }
}
