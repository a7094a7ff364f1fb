import { hash } from 'node:crypto';

import { formatAuditLine } from './audit-record.js';
import type { AuditEvent } from './audit-record.js';

/** The `prev` of the very first line of a chain: 64 zeros. */
export const genesisHash = '0'.repeat(64);

/** Hex SHA-256 of one line's bytes, its newline excluded: the next line's `prev`. */
export function hashLine(line: string | Buffer): string {
  return hash('sha256', line, 'hex');
}

/** The last line of a chain: its `seq` and its hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** Lines ready to write, and the head the chain moves to once they are written. */
export interface ChainDraft {
  /** Complete lines, each ending with a newline. */
  text: string;
  head: ChainHead;
}

/**
 * Numbers and links audit lines. Lines are drafted against the current head and the head
 * only moves when the caller confirms that the draft was written, so a failed write
 * leaves no gap in `seq`.
 */
export class AuditChain {
  #head: ChainHead | undefined;
  readonly #pseudonym: (value: string) => string;
  readonly #tokenPseudonym: (value: string) => string;

  /**
   * @param head the last line already written (read back from the file), or none to
   *   start a new chain at seq 1.
   * @param pseudonym the HMAC applied to request ids and token ids.
   * @param tokenPseudonym the same HMAC for token ids, when it is remembered: a token
   *   comes back request after request, a request id never does.
   */
  constructor(
    head: ChainHead | undefined,
    pseudonym: (value: string) => string,
    tokenPseudonym: (value: string) => string = pseudonym,
  ) {
    this.#head = head;
    this.#pseudonym = pseudonym;
    this.#tokenPseudonym = tokenPseudonym;
  }

  /** The last line written, or undefined before the first one of a new chain. */
  get head(): ChainHead | undefined {
    return this.#head;
  }

  /** Formats `events` as the next lines of the chain, all stamped with `time`. */
  draft(events: readonly AuditEvent[], time: Date): ChainDraft {
    let seq = this.#head?.seq ?? 0;
    let prev = this.#head?.hash ?? genesisHash;
    let text = '';
    const stamp = time.toISOString();
    for (const event of events) {
      seq += 1;
      const line = formatAuditLine(
        event,
        { time: stamp, seq, prev },
        this.#pseudonym,
        this.#tokenPseudonym,
      );
      prev = hashLine(line);
      text += `${line}\n`;
    }
    return { text, head: { seq, hash: prev } };
  }

  /**
   * Moves the head past a draft once its lines are written, or to the line where the
   * destination was found to end.
   */
  advance(head: ChainHead): void {
    this.#head = head;
  }
}
