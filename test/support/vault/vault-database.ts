import pg from 'pg';

import {
  badRequest,
  noHandler,
  ok,
  randomBase62,
  unsupportedOperation,
  type VaultReply,
} from './vault-http.js';
import type { LeaseRegistry } from './vault-leases.js';
import type { MountRequest, SecretMount } from './vault-mount.js';

/** How the engine reaches PostgreSQL as a user that may create and drop roles. */
export interface PostgresAdmin {
  /** A host name, or the directory of the unix socket. */
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

/** A role of the database engine: what to run to create a user, and for how long. */
export interface DatabaseRole {
  /**
   * SQL run in order, with `{{name}}`, `{{password}}` and `{{expiration}}` replaced, as
   * Vault's `creation_statements`.
   */
  creationStatements: string[];
  /** Seconds; default 3600. */
  defaultTtlSeconds?: number;
}

/** The default of Vault's PostgreSQL plugin docs: a login role valid until the lease ends. */
export const defaultCreationStatements = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
];

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `2006-01-02 15:04:05+0000`, the layout Vault substitutes for `{{expiration}}`. */
function expirationText(ms: number): string {
  const date = new Date(ms);
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+0000`
  );
}

/** `v-<display>-<role>-<random>-<unix seconds>`, at most 63 characters, as Vault names users. */
function userName(displayName: string, role: string, now: number): string {
  const part = (text: string): string =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 8);
  const name = `v-${part(displayName)}-${part(role)}-${randomBase62(20)}-${Math.floor(now / 1000)}`;
  return name.toLowerCase().slice(0, 63);
}

/**
 * The database secrets engine for PostgreSQL: `creds/<role>` creates a real role with a
 * random password and `VALID UNTIL`, under a lease; revoking the lease ends the role's
 * sessions and drops it.
 */
export class DatabaseMount implements SecretMount {
  readonly type = 'database';
  readonly roles = new Map<string, DatabaseRole>();
  readonly createdUsers: string[] = [];

  constructor(
    private readonly admin: PostgresAdmin,
    private readonly leases: LeaseRegistry,
    private readonly now: () => number,
  ) {}

  async handle(request: MountRequest): Promise<VaultReply> {
    const slash = request.subPath.indexOf('/');
    const area = slash === -1 ? request.subPath : request.subPath.slice(0, slash);
    if (area !== 'creds' || slash === -1) {
      throw noHandler(`${request.mountPath}/${request.subPath}`);
    }
    // `creds/<role>` only reads: a POST is an unsupported operation in Vault.
    if (request.operation !== 'read') throw unsupportedOperation();
    const roleName = request.subPath.slice(slash + 1);
    const role = this.roles.get(roleName);
    if (role === undefined) throw badRequest(`unknown role: ${roleName}`);

    const now = this.now();
    const ttl = role.defaultTtlSeconds ?? 3600;
    const name = userName(request.displayName, roleName, now);
    const password = `A1a-${randomBase62(16)}`;
    const values: Record<string, string> = {
      name,
      password,
      expiration: expirationText(now + ttl * 1000),
    };
    const statements = role.creationStatements.map((statement) =>
      statement.replace(/\{\{(name|password|expiration)\}\}/g, (_, key: string) => values[key]!),
    );
    await this.#run(statements.map((text) => ({ text })));
    this.createdUsers.push(name);

    const leaseId = `${request.mountPath}/creds/${roleName}/${randomBase62(24)}`;
    this.leases.add({
      id: leaseId,
      namespace: request.namespace,
      issuedAt: now,
      expiresAt: now + ttl * 1000,
      renewable: true,
      revoke: () => this.dropUser(name),
    });
    return ok({
      data: { username: name, password },
      leaseId,
      leaseDuration: ttl,
      renewable: true,
      mountType: this.type,
    });
  }

  /** Ends the user's sessions, then drops it. */
  async dropUser(name: string): Promise<void> {
    await this.#run([
      {
        text: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
        values: [name],
      },
      { text: `DROP ROLE IF EXISTS "${name.replace(/"/g, '""')}"` },
    ]);
  }

  async #run(statements: { text: string; values?: string[] }[]): Promise<void> {
    const client = new pg.Client({ ...this.admin });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement.text, statement.values);
    } finally {
      await client.end();
    }
  }
}
