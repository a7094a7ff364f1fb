import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

import type { PostgresAdmin } from './vault/vault-database.js';

const run = promisify(execFile);
const binDir = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL cluster on a loopback port, with password logins over TCP. */
export interface TestPostgres {
  admin: PostgresAdmin;
  /** Whether `user` can log in over TCP with `password` and run a query. */
  canLogIn(user: string, password: string): Promise<boolean>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a PostgreSQL program; as root, as the `postgres` user, which initdb requires. */
async function runAsOwner(program: string, args: string[]): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const command = isRoot ? 'runuser' : join(binDir, program);
  const fullArgs = isRoot ? ['-u', 'postgres', '--', join(binDir, program), ...args] : args;
  await run(command, fullArgs, { timeout: 60_000 });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Creates a cluster with `initdb` under a temp dir and starts it with `pg_ctl` on a free
 * loopback port. Logins over TCP need a password (scram-sha-256), so a test can tell a
 * working credential from a dropped one.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const root = await mkdtemp(join(tmpdir(), 'fed-pg-'));
  const dataDir = join(root, 'data');
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(root, 'pwfile');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    await chown(root, uid, gid);
    await chown(passwordFile, uid, gid);
  }
  await runAsOwner('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--pwfile',
    passwordFile,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
  ]);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root} -c fsync=off`;
  await runAsOwner('pg_ctl', [
    'start',
    '-w',
    '-D',
    dataDir,
    '-l',
    join(root, 'log'),
    '-o',
    options,
  ]);

  const admin: PostgresAdmin = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  };
  return {
    admin,
    canLogIn: async (user, userPassword) => {
      const client = new pg.Client({ ...admin, user, password: userPassword });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    stop: async () => {
      await runAsOwner('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
