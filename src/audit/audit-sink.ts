import type { ChainHead } from './audit-chain.js';

/**
 * Where audit lines go. The trail calls one method at a time, in order: a sink never sees
 * two writes, or a write and a reopen, at once.
 */
export interface AuditSink {
  /** Names the destination in logs: a path, or `stdout`. */
  readonly description: string;
  /**
   * Where the chain goes on at the destination when it was opened: its last line, read
   * back; none for a new chain. A sink that later finds its destination ending elsewhere
   * (lines of a failed write that it could not remove) sets a new object here, and the
   * trail drafts its next lines after that one.
   */
  readonly resumeFrom: ChainHead | undefined;
  /**
   * Writes complete lines (each ending with a newline) and resolves once the operating
   * system has accepted every byte; rejects when it did not. `head` is the last of the
   * lines, for a sink that keeps the chain's head beside them.
   */
  write(text: string, head: ChainHead): Promise<void>;
  /** Opens the destination again, e.g. after the file was rotated away; may do nothing. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}
