import type { Database } from 'better-sqlite3';

import { FederationError } from '../../errors.js';

/** One step of the schema; steps run in `version` order, each exactly once per database. */
export interface Migration {
  version: number;
  up(db: Database): void;
}

/**
 * Every schema version so far. A later version appends a step (e.g. `ALTER TABLE ... ADD
 * COLUMN`) and never edits an earlier one: databases in the field have already run it.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    up(db) {
      // STRICT makes SQLite reject a value of the wrong type instead of storing it as is.
      db.exec(`
        CREATE TABLE generator_state (
          id TEXT PRIMARY KEY,
          generator_namespace TEXT NOT NULL,
          generator_kind TEXT NOT NULL,
          generator_name TEXT NOT NULL,
          generator_spec TEXT NOT NULL,
          owner_federation TEXT NOT NULL,
          owner_issuer TEXT NOT NULL,
          owner_subject TEXT NOT NULL,
          owner_namespace TEXT,
          owner_service_account TEXT,
          owner_service_account_uid TEXT,
          owner_pod TEXT,
          owner_pod_uid TEXT,
          provider_state TEXT,
          phase TEXT NOT NULL CHECK (phase IN ('pending', 'issued')),
          created_at INTEGER NOT NULL,
          gc_deadline INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX generator_state_by_owner
          ON generator_state (generator_namespace, owner_issuer, owner_subject);
        CREATE INDEX generator_state_by_deadline ON generator_state (gc_deadline);
      `);
    },
  },
];

/**
 * Brings `db` up to the last version in `steps`, all pending steps in one transaction.
 * Refuses a database written by a newer server rather than guess at its layout.
 */
export function applyMigrations(db: Database, steps: readonly Migration[] = migrations): void {
  const latest = steps.at(-1)?.version ?? 0;

  // IMMEDIATE takes the write lock before reading the version, so two processes opening
  // the same file at once cannot both run a step.
  const migrate = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      version INTEGER PRIMARY KEY,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const row = db.prepare('SELECT max(version) AS version FROM schema_version').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > latest) {
      throw new FederationError('StateWriteFailed', undefined, 'state schema is newer than server');
    }

    const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (const step of steps) {
      if (step.version <= current) continue;
      step.up(db);
      record.run(step.version, Date.now());
    }
  });
  migrate.immediate();
}
