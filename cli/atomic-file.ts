import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { describeSystemError, injectionError } from './exit-codes.js';
import type { CliError } from './exit-codes.js';

/** Mode of every written file: the workload's user only. */
export const fileMode = 0o600;
/** Mode of every directory created on the way. */
export const directoryMode = 0o700;

function writeFailed(path: string, error: unknown): CliError {
  return injectionError(`cannot write file ${path}: ${describeSystemError(error)}`);
}

async function syncDirectory(directory: string): Promise<void> {
  // Makes the rename itself durable; some file systems refuse to open a directory.
  const handle = await open(directory, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/**
 * Writes `content` to `path` so that a reader sees the old file or the new one, never a
 * part: a temporary file in the same directory, written and fsynced with mode 0600, then
 * renamed over `path`. Missing parent directories are created with mode 0700. Throws an
 * injection error (exit 9) naming the path; the temporary file never stays behind.
 */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

  try {
    await mkdir(directory, { recursive: true, mode: directoryMode });
  } catch (error) {
    throw writeFailed(path, error);
  }

  try {
    const handle = await open(temporary, 'wx', fileMode);
    try {
      // The umask may have removed bits from the mode given to open, never added any;
      // chmod still makes the mode exact.
      await handle.chmod(fileMode);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw writeFailed(path, error);
  }
  await syncDirectory(directory);
}

/**
 * Writes `content` unless `path` already holds exactly it; resolves `true` when it wrote.
 * The daemon rewrites only what changed, so watchers of a file see no spurious events.
 */
export async function writeFileIfChanged(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) return false;
  await writeFileAtomically(path, content);
  return true;
}
