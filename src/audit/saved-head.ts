import { open, readFile, rename } from 'node:fs/promises';

import type { ChainHead } from './audit-chain.js';
import { errorCode } from './fs-error.js';

/** The file beside an audit log that holds its chain head: `<log>.head`. */
export function headPathOf(logPath: string): string {
  return `${logPath}.head`;
}

function isChainHead(value: unknown): value is ChainHead {
  if (typeof value !== 'object' || value === null) return false;
  const { seq, hash } = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(seq) &&
    (seq as number) >= 1 &&
    typeof hash === 'string' &&
    /^[0-9a-f]{64}$/.test(hash)
  );
}

/** The head saved at `path`; undefined when there is no such file. */
export async function readSavedHead(path: string): Promise<ChainHead | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new Error(`cannot read audit head file ${path}: ${errorCode(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isChainHead(parsed)) {
    throw new Error(
      `audit head file ${path} does not hold a chain head; ` +
        'check the audit log, then delete the file to go on from the log alone',
    );
  }
  return { seq: parsed.seq, hash: parsed.hash };
}

/**
 * Replaces the head saved at `path` in one step: a synced temporary file, mode 0600, renamed
 * over it, so that a crash leaves either the old head or the new one.
 */
export async function saveHead(path: string, head: ChainHead): Promise<void> {
  const temporary = `${path}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      // A temporary file left behind by someone else keeps its mode through `open`.
      await handle.chmod(0o600);
      await handle.writeFile(`${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    throw new Error(`cannot save audit head file ${path}: ${errorCode(error)}`);
  }
}
