import type { ChainHead } from './audit-chain.js';

/**
 * Where audit lines go. The trail calls one method at a time, in order: a sink never sees
 * two writes, or a write and a reopen, at once.
 */
export interface AuditSink {
  /** Names the destination in logs: a path, or `stdout`. */
  readonly description: string;
  /** The last line already at the destination when it was opened; none for a new chain. */
  readonly resumeFrom: ChainHead | undefined;
  /**
   * Writes complete lines (each ending with a newline) and resolves once the operating
   * system has accepted every byte; rejects when it did not.
   */
  write(text: string): Promise<void>;
  /** Opens the destination again, e.g. after the file was rotated away; may do nothing. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}
