import type { FileHandle } from 'node:fs/promises';

import { hashLine } from './audit-chain.js';
import type { ChainHead } from './audit-chain.js';
import { isAuditLine } from './audit-record.js';

/** How the end of an audit log file looks. */
export interface FileTail {
  /** The last complete line, when the file has one. */
  head: ChainHead | undefined;
  /** The file ends inside a line (a write that was cut short). */
  isTorn: boolean;
}

/** Bytes read from the end at a time while looking for the last line. */
const tailChunkBytes = 64 * 1024;

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
 * The last complete line of the file and whether a partial line follows it; throws when
 * that line is not an audit line.
 */
export async function readTail(handle: FileHandle, path: string): Promise<FileTail> {
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

/** Whether the file is empty or ends with a newline. */
export async function endsWithNewline(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}
