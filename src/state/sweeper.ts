import type { Logger } from 'pino';

import { isFederationError } from '../errors.js';
import type { GeneratorStateRecord, StateStore } from './state-store.js';

/** Options of {@link startSweeper}. */
export interface SweeperOptions {
  store: StateStore;
  /**
   * Revokes what one state handed out (pending states included, whose provider state is
   * `undefined`). A rejection keeps the state for a later sweep, so it must be idempotent.
   */
  revoke: (record: GeneratorStateRecord) => Promise<void>;
  /** Pause between the end of one sweep and the start of the next; ms, default 30000. */
  intervalMs?: number;
  /** States read from the store per query; default 100. */
  batchSize?: number;
  logger: Pick<Logger, 'debug' | 'warn' | 'error'>;
  /** The clock that decides what has expired; ms since the epoch, default `Date.now`. */
  now?: () => number;
  /**
   * How long a claim on a state lasts while it is revoked; ms, default 60000. It must
   * outlast one revocation (the backend timeout) and the removal after it.
   */
  claimMs?: number;
}

/** A running garbage-collection loop over expired generator states. */
export interface Sweeper {
  /**
   * Revokes and removes every state expired by now; resolves to how many were removed.
   * Joins the sweep already running instead of starting a second one.
   */
  sweepOnce(): Promise<number>;
  /** Cancels the timer and waits for a running sweep to end; later sweeps do nothing. */
  stop(): Promise<void>;
}

/**
 * Starts sweeping expired generator states every `intervalMs`, the first time one interval
 * after the call. The timer never keeps the process alive.
 */
export function startSweeper(options: SweeperOptions): Sweeper {
  const { store, revoke, logger, intervalMs = 30_000, batchSize = 100, now = Date.now } = options;
  const claimMs = options.claimMs ?? 60_000;
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new RangeError('intervalMs');
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new RangeError('batchSize');

  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function sweepExpired(expired: GeneratorStateRecord): Promise<boolean> {
    let record: GeneratorStateRecord | undefined;
    try {
      // Revoke the state as claimed, not as listed: it may have been completed since.
      record = await store.claim(expired.id, claimMs);
    } catch (error) {
      logger.warn({ stateId: expired.id, ...failureFields(error) }, 'generator state not claimed');
      return false;
    }
    // Another replica (or a revocation request) is revoking it; leave it to that one.
    if (record === undefined) return false;
    try {
      await revoke(record);
      await store.remove(record.id);
      return true;
    } catch (error) {
      await store.release(record.id).catch(() => undefined);
      const fields = { stateId: record.id, generator: record.generator, ...failureFields(error) };
      logger.warn(fields, 'generator state revocation failed; retrying on a later sweep');
      return false;
    }
  }

  async function sweep(): Promise<number> {
    // States that failed (or that another holder claimed) stay first in deadline order;
    // skipping them for the rest of this sweep keeps them from starving every state behind.
    const failed = new Set<string>();
    let removed = 0;
    while (!stopped) {
      const limit = batchSize + failed.size;
      const batch = await store.findExpired(new Date(now()), limit);
      const fresh = batch.filter((record) => !failed.has(record.id));
      for (const record of fresh) {
        if (stopped) break;
        if (await sweepExpired(record)) removed += 1;
        else failed.add(record.id);
      }
      if (fresh.length === 0 || batch.length < limit) break;
    }
    if (removed > 0 || failed.size > 0) {
      logger.debug({ removed, failed: failed.size }, 'generator state sweep done');
    }
    return removed;
  }

  function sweepOnce(): Promise<number> {
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      sweepOnce()
        .catch((error: unknown) =>
          logger.error(failureFields(error), 'generator state sweep failed'),
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  async function stop(): Promise<void> {
    stopped = true;
    clearTimeout(timer);
    await running?.catch(() => undefined);
  }

  schedule();
  return { sweepOnce, stop };
}

/**
 * Log fields for a failure: a FederationError's reason and detail, which are safe by
 * contract; of any other error only its code or class, as its message may quote a lease id.
 */
function failureFields(error: unknown): { reason: string; detail?: string } {
  if (isFederationError(error)) return { reason: error.reason, detail: error.detail };
  const code = (error as { code?: unknown } | null)?.code;
  const kind = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  return { reason: 'InternalError', detail: kind };
}
