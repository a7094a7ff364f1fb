import { loadAuditKey } from './audit-key.js';
import type { AuditSink } from './audit-sink.js';
import { AuditTrail } from './audit-trail.js';
import type { AuditObserver } from './audit-trail.js';
import { FileAuditSink } from './file-sink.js';
import type { FileAuditSinkOptions } from './file-sink.js';
import { StdoutAuditSink } from './stdout-sink.js';

/** Where the audit trail goes and which key pseudonymises it. */
export interface AuditSettings {
  /** A file path, `-` for standard output, or `off` for no audit trail. */
  log: string;
  /** The HMAC key file; created with a new random key when missing. */
  keyFile: string;
  /** Writes lines here instead of what `log` names (embedding, tests); `log` must not be `off`. */
  sink?: AuditSink;
  /** For a file sink. */
  file?: FileAuditSinkOptions;
}

/**
 * Loads the key and opens the sink the settings name; undefined when `log` is `off`.
 * Throws a one-line error when the key or the file cannot be used.
 */
export async function openAuditTrail(
  settings: AuditSettings,
  observe?: AuditObserver,
): Promise<AuditTrail | undefined> {
  if (settings.log === 'off') return undefined;
  const key = await loadAuditKey(settings.keyFile);
  const sink =
    settings.sink ??
    (settings.log === '-'
      ? new StdoutAuditSink()
      : await FileAuditSink.open(settings.log, settings.file));
  return new AuditTrail({ sink, key, observe });
}
