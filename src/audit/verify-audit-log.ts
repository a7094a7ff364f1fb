import { createReadStream } from 'node:fs';

import { genesisHash, hashLine } from './audit-chain.js';
import { isAuditLine } from './audit-record.js';
import type { AuditLine } from './audit-record.js';

/** What is wrong with a file, by the first line that shows it. */
export type AuditProblemKind =
  'not-json' | 'not-audit-line' | 'altered' | 'missing' | 'reordered' | 'wrong-start' | 'truncated';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The first broken line, counted from 1. */
  line: number;
  /** What is wrong, for people; the line number is not repeated in it. */
  message: string;
}

export interface VerifyOptions {
  /**
   * The head hash of the file before this one (rotated files); the first line's `prev`
   * must equal it. Without it, the first line's `prev` is only reported.
   */
  prev?: string;
  /** Called with every intact audit line, in order, with its line number and text. */
  onLine?: (line: AuditLine, lineNumber: number, text: string) => void;
}

export interface VerifyResult {
  /** Lines read before the first problem, or all of them. */
  lines: number;
  firstSeq?: number;
  lastSeq?: number;
  /** The first line's `prev`. */
  firstPrev?: string;
  /** Hash of the last line: what `prev` of the next file must be. */
  head?: string;
  /** Absent when the file is intact. */
  problem?: AuditProblem;
}

interface RawLine {
  bytes: Buffer;
  /** False for a last line that the file ends inside. */
  isTerminated: boolean;
}

/** Splits a byte stream at each newline, keeping every line's exact bytes. */
async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawLine> {
  let rest = Buffer.alloc(0);
  for await (const chunk of chunks) {
    let buffer = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let end = buffer.indexOf(0x0a);
    while (end >= 0) {
      yield { bytes: buffer.subarray(0, end), isTerminated: true };
      buffer = buffer.subarray(end + 1);
      end = buffer.indexOf(0x0a);
    }
    rest = Buffer.from(buffer);
  }
  if (rest.length > 0) yield { bytes: rest, isTerminated: false };
}

function parse(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads the remaining lines for one `seq`; returns the line number it is on, if any. */
async function findSeq(
  lines: AsyncGenerator<RawLine>,
  seq: number,
  fromLine: number,
): Promise<number | undefined> {
  let number = fromLine;
  for await (const { bytes } of lines) {
    number += 1;
    const parsed = parse(bytes);
    if (isAuditLine(parsed) && parsed.seq === seq) return number;
  }
  return undefined;
}

interface Previous {
  seq: number;
  hash: string;
}

function checkStart(line: AuditLine, options: VerifyOptions): AuditProblem | undefined {
  if (options.prev !== undefined && line.prev !== options.prev) {
    const message =
      'prev does not match --prev: lines are missing between the two files, ' +
      'or the files do not follow each other';
    return { kind: 'wrong-start', line: 1, message };
  }
  if (line.prev === genesisHash && line.seq !== 1) {
    const message = `starts a chain (prev is all zeros) at seq ${line.seq} instead of 1`;
    return { kind: 'wrong-start', line: 1, message };
  }
  return undefined;
}

async function checkLink(
  line: AuditLine,
  number: number,
  previous: Previous,
  rest: AsyncGenerator<RawLine>,
): Promise<AuditProblem | undefined> {
  const expected = previous.seq + 1;
  if (line.seq === expected) {
    if (line.prev === previous.hash) return undefined;
    const message =
      `altered: its hash is not the prev of line ${number} ` +
      `(line ${number - 1} was edited, or line ${number} was)`;
    return { kind: 'altered', line: number - 1, message };
  }
  if (line.seq < expected) {
    const message =
      `reordered: seq ${line.seq} follows seq ${previous.seq} ` +
      '(lines were moved, repeated or inserted)';
    return { kind: 'reordered', line: number, message };
  }
  const later = await findSeq(rest, expected, number);
  if (later !== undefined) {
    const message =
      `reordered: seq ${line.seq} where ${expected} was expected; ` +
      `seq ${expected} is on line ${later}`;
    return { kind: 'reordered', line: number, message };
  }
  const count = line.seq - expected;
  const message =
    `missing lines: seq jumps from ${previous.seq} to ${line.seq} ` +
    `(${count} line${count === 1 ? '' : 's'} removed before this one)`;
  return { kind: 'missing', line: number, message };
}

/**
 * Checks an audit log: every line is an audit line, `seq` goes up by exactly one, and
 * every `prev` is the SHA-256 of the line before. Stops at the first problem.
 */
export async function verifyAuditLog(
  chunks: AsyncIterable<Buffer>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const result: VerifyResult = { lines: 0 };
  const lines = splitLines(chunks);
  let previous: Previous | undefined;
  let number = 0;
  for await (const { bytes, isTerminated } of lines) {
    number += 1;
    const parsed = parse(bytes);
    let problem: AuditProblem | undefined;
    if (parsed === undefined) {
      const message = isTerminated
        ? 'not JSON (garbled, or two lines run together)'
        : 'incomplete: the file ends inside this line';
      problem = { kind: isTerminated ? 'not-json' : 'truncated', line: number, message };
    } else if (!isAuditLine(parsed)) {
      const message = 'not an audit line (no audit marker, seq or prev)';
      problem = { kind: 'not-audit-line', line: number, message };
    } else if (previous === undefined) {
      problem = checkStart(parsed, options);
    } else {
      problem = await checkLink(parsed, number, previous, lines);
    }
    if (problem === undefined && !isTerminated) {
      const message = 'no newline at its end: the file was cut short';
      problem = { kind: 'truncated', line: number, message };
    }
    if (problem !== undefined || !isAuditLine(parsed)) {
      return { ...result, problem };
    }

    options.onLine?.(parsed, number, bytes.toString('utf8'));
    previous = { seq: parsed.seq, hash: hashLine(bytes) };
    result.lines = number;
    result.firstSeq ??= parsed.seq;
    result.firstPrev ??= parsed.prev;
    result.lastSeq = parsed.seq;
    result.head = previous.hash;
  }
  return result;
}

/** {@link verifyAuditLog} on a file; rejects when the file cannot be read. */
export function verifyAuditFile(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  return verifyAuditLog(createReadStream(path), options);
}
