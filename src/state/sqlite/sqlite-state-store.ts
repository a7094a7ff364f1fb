import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement, Transaction } from 'better-sqlite3';

import { FederationError, isFederationError } from '../../errors.js';
import type { GeneratorStateRecord, NewState, StateFilter, StateStore } from '../state-store.js';
import { applyMigrations } from './schema.js';
import {
  toFilterParams,
  toInsertParams,
  toJson,
  toMillis,
  toRecord,
  type FilterParams,
  type StateRow,
} from './state-row.js';

/** The database file's name inside the data directory. */
export const stateFileName = 'federation-state.db';

/** Options of {@link openSqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /**
   * How long a statement waits for another connection's lock; ms, default 250. The wait
   * blocks the event loop (better-sqlite3 is synchronous), so it is kept short: the server
   * is the database's only writer, and a lock held longer is a fault, answered 500.
   */
  busyTimeoutMs?: number;
  /** The clock that stamps `createdAt`; ms since the epoch, default `Date.now`. */
  now?: () => number;
}

interface CompleteParams {
  id: string;
  providerState: string | null;
  deadline: number;
}

/** A write waiting for the next commit. */
interface QueuedWrite {
  /** Names the write in a failure's detail. */
  operation: string;
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What one write of a committed batch gave: its result, or its own refusal. */
type WriteOutcome = { value: unknown } | { error: FederationError };

/**
 * Generator state in one SQLite file, on one connection. Reads run at once and see what
 * is committed. Writes made in the same turn of the event loop are committed together,
 * in one transaction with one sync of the log, and each call resolves only once that
 * commit is on disk: a rollout's concurrent generator calls share their syncs instead of
 * waiting for one each.
 */
export class SqliteStateStore implements StateStore {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #insert: Statement<[StateRow]>;
  readonly #complete: Statement<[CompleteParams]>;
  readonly #find: Statement<[FilterParams], StateRow>;
  readonly #findExpired: Statement<[number, number], StateRow>;
  readonly #remove: Statement<[string]>;
  readonly #count: Statement<[], number>;
  readonly #get: Statement<[string], StateRow>;
  readonly #claims = new Map<string, number>();
  readonly #runBatch: Transaction<(batch: QueuedWrite[]) => WriteOutcome[]>;
  #queue: QueuedWrite[] = [];

  /** Use {@link openSqliteStateStore}; `db` must already be migrated. */
  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#insert = db.prepare(`INSERT INTO generator_state VALUES (
      @id, @generator_namespace, @generator_kind, @generator_name, @generator_spec,
      @owner_federation, @owner_issuer, @owner_subject, @owner_namespace,
      @owner_service_account, @owner_service_account_uid, @owner_pod, @owner_pod_uid,
      @provider_state, @phase, @created_at, @gc_deadline)`);
    this.#complete = db.prepare(`UPDATE generator_state
      SET phase = 'issued', provider_state = @providerState, gc_deadline = @deadline
      WHERE id = @id`);
    // One statement for every filter shape: an optional condition whose parameter is NULL
    // is true, while the namespace, federation and issuer conditions always apply (SPEC §8,
    // defect 3).
    this.#find = db.prepare(`SELECT * FROM generator_state
      WHERE generator_namespace = @generatorNamespace AND owner_federation = @federation
        AND owner_issuer = @issuer
        AND (@subject IS NULL OR owner_subject = @subject)
        AND (@generatorKind IS NULL OR generator_kind = @generatorKind)
        AND (@generatorName IS NULL OR generator_name = @generatorName)
        AND (@podUid IS NULL OR owner_pod_uid = @podUid)
        AND (@ownerNamespace IS NULL OR owner_namespace = @ownerNamespace)
        AND (@ownerName IS NULL OR owner_pod = @ownerName OR owner_service_account = @ownerName)
      ORDER BY created_at, id`);
    this.#findExpired = db.prepare(`SELECT * FROM generator_state
      WHERE gc_deadline <= ? ORDER BY gc_deadline, id LIMIT ?`);
    this.#remove = db.prepare('DELETE FROM generator_state WHERE id = ?');
    this.#count = db.prepare<[], number>('SELECT COUNT(*) FROM generator_state').pluck();
    this.#get = db.prepare('SELECT * FROM generator_state WHERE id = ?');
    // A write that refuses on its own terms (a FederationError) fails alone; a database
    // error leaves the transaction, which rolls it back whole.
    this.#runBatch = db.transaction((batch: QueuedWrite[]) =>
      batch.map((write): WriteOutcome => {
        try {
          return { value: write.run() };
        } catch (error) {
          if (!isFederationError(error)) throw error;
          return { error };
        }
      }),
    );
  }

  async reserve(state: NewState): Promise<string> {
    const id = randomUUID();
    const params = guard('reserve', () => toInsertParams(id, state, this.#now()));
    return this.#write('reserve', () => {
      this.#insert.run(params);
      return id;
    });
  }

  async complete(id: string, providerState: unknown, deadline: Date): Promise<void> {
    const params = guard('complete', () => ({
      id,
      providerState: toJson(providerState),
      deadline: toMillis(deadline),
    }));
    await this.#write('complete', () => {
      // A revocation that claimed the pending state deletes it next: completing it now
      // would leave handed-out values with no record and no revocation.
      if (this.#isClaimed(id)) {
        throw new FederationError('StateWriteFailed', undefined, 'complete: state claimed');
      }
      // A state swept while its generator ran is gone: the caller must revoke the values.
      if (this.#complete.run(params).changes === 0) {
        throw new FederationError('StateWriteFailed', undefined, 'complete: no such state');
      }
    });
  }

  async find(filter: StateFilter): Promise<GeneratorStateRecord[]> {
    return guard('find', () => this.#find.all(toFilterParams(filter)).map(toRecord));
  }

  async findExpired(now: Date, limit: number): Promise<GeneratorStateRecord[]> {
    return guard('findExpired', () => {
      if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError('invalid limit');
      return this.#findExpired.all(toMillis(now), limit).map(toRecord);
    });
  }

  /**
   * One process owns the database (standalone mode), so claims live in memory: they keep
   * the sweeper and a revocation request from revoking the same state at once.
   */
  async claim(id: string, holdMs: number): Promise<GeneratorStateRecord | undefined> {
    if (this.#isClaimed(id)) return undefined;
    const record = guard('claim', () => {
      const row = this.#get.get(id);
      return row === undefined ? undefined : toRecord(row);
    });
    if (record !== undefined) this.#claims.set(id, this.#now() + holdMs);
    return record;
  }

  #isClaimed(id: string): boolean {
    return (this.#claims.get(id) ?? Number.NEGATIVE_INFINITY) > this.#now();
  }

  async release(id: string): Promise<void> {
    this.#claims.delete(id);
  }

  remove(id: string): Promise<boolean> {
    return this.#write('remove', () => {
      this.#claims.delete(id);
      return this.#remove.run(id).changes > 0;
    });
  }

  async count(): Promise<number> {
    return guard('count', () => this.#count.get() ?? 0);
  }

  /**
   * Commits the writes already made, then closes the connection; later calls reject with
   * `StateWriteFailed`. Idempotent.
   */
  async close(): Promise<void> {
    this.#commitQueued();
    if (this.#db.open) guard('close', () => this.#db.close());
  }

  #write<T>(operation: string, run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const write: QueuedWrite = {
        operation,
        run,
        resolve: (value) => resolve(value as T),
        reject,
      };
      if (this.#queue.push(write) === 1) setImmediate(() => this.#commitQueued());
    });
  }

  /**
   * Runs the queued writes in order in one transaction. A write that refuses on its own
   * terms fails alone; a database error fails every write of the transaction, each naming
   * its own operation.
   */
  #commitQueued(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    let outcomes: WriteOutcome[];
    try {
      outcomes = this.#runBatch(batch);
    } catch (error) {
      for (const write of batch) write.reject(stateWriteFailed(write.operation, error));
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined || 'error' in outcome) write.reject(outcome?.error);
      else write.resolve(outcome.value);
    });
  }
}

/**
 * Opens (creating if needed) `<dataDir>/federation-state.db` and migrates it to the
 * current schema. A missing `dataDir` is created with mode 0700 and a new database file
 * with mode 0600: it holds what is needed to revoke issued credentials.
 *
 * @throws FederationError `StateWriteFailed` when the file cannot be opened or migrated.
 */
export function openSqliteStateStore(
  dataDir: string,
  options: SqliteStateStoreOptions = {},
): SqliteStateStore {
  const file = join(dataDir, stateFileName);
  const db = guard('open', () => {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // SQLite would create the file 0644; creating it first fixes the mode, and SQLite
    // gives its -wal and -shm files the mode of the database file.
    closeSync(openSync(file, 'a', 0o600));
    return new BetterSqlite3(file, { timeout: options.busyTimeoutMs ?? 250 });
  });

  try {
    guard('open', () => {
      // WAL lets readers run while a write commits. synchronous=FULL syncs the log at every
      // commit: a state records a credential that is already handed out, and one lost to a
      // power cut would be a credential the sweeper never revokes.
      if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
        throw new FederationError('StateWriteFailed', undefined, 'open: WAL unavailable');
      }
      db.pragma('synchronous = FULL');
      applyMigrations(db);
    });
    return guard('open', () => new SqliteStateStore(db, options.now));
  } catch (error) {
    db.close();
    throw error;
  }
}

/** `error` as `StateWriteFailed` with a value-free detail; a `FederationError` as it is. */
function stateWriteFailed(operation: string, error: unknown): FederationError {
  if (isFederationError(error)) return error;
  // A SqliteError's message can quote the statement; its code (SQLITE_BUSY) cannot.
  const code = (error as { code?: unknown } | null)?.code;
  const kind = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  return new FederationError('StateWriteFailed', undefined, `${operation} failed (${kind})`);
}

/** Runs `action`, turning any failure into `StateWriteFailed` (see `stateWriteFailed`). */
function guard<T>(operation: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw stateWriteFailed(operation, error);
  }
}
