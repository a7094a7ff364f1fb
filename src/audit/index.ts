/** The audit trail: chained, pseudonymised JSON lines, their sinks, and their verification. */
export { AuditChain, genesisHash, hashLine } from './audit-chain.js';
export type { ChainDraft, ChainHead } from './audit-chain.js';
export { AuditKey, auditKeyBytes, loadAuditKey, readAuditKey } from './audit-key.js';
export { auditMarker, formatAuditLine, isAuditLine } from './audit-record.js';
export type {
  AuditDecision,
  AuditEvent,
  AuditLine,
  AuditResource,
  ChainPosition,
} from './audit-record.js';
export type { AuditSink } from './audit-sink.js';
export { AuditTrail } from './audit-trail.js';
export type { AuditObserver, AuditTrailOptions } from './audit-trail.js';
export { FileAuditSink } from './file-sink.js';
export type { FileAuditIo, FileAuditSinkOptions } from './file-sink.js';
export { StdoutAuditSink } from './stdout-sink.js';
export type { StdoutAuditSinkOptions } from './stdout-sink.js';
export { verifyAuditFile, verifyAuditLog } from './verify-audit-log.js';
export type {
  AuditProblem,
  AuditProblemKind,
  VerifyOptions,
  VerifyResult,
} from './verify-audit-log.js';
export { openAuditTrail } from './open-audit-trail.js';
export type { AuditSettings } from './open-audit-trail.js';
