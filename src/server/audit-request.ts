import type { Logger } from 'pino';

import type { AuditEvent, AuditTrail } from '../audit/index.js';
import { FederationError } from '../errors.js';
import type { Exchange } from './http/exchange.js';

function auditEvent(request: Exchange, status: number, reason: string): AuditEvent {
  // Set only once the token verified: no unverified claim reaches the trail.
  const identity = request.caller;
  return {
    route: `${request.method} ${request.route?.pattern ?? ''}`,
    requestId: request.id,
    federation: identity?.federation,
    issuer: identity?.issuer,
    subject: identity?.subject,
    namespace: identity?.namespace,
    serviceAccount: identity?.serviceAccount?.name,
    pod: identity?.pod?.name,
    tokenId: identity?.tokenId,
    resource: request.auditResource,
    decision: status < 400 ? 'allow' : 'deny',
    reason,
    status,
  };
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes the line of a successful answer; call it after the work and just before the
 * answer is sent. Throws `AuditWriteFailed` when the line cannot be written: then nothing
 * may be handed out.
 */
export async function auditSuccess(
  request: Exchange,
  audit: AuditTrail | undefined,
): Promise<void> {
  if (audit === undefined || !request.isAuditedRoute) return;
  try {
    await audit.record(auditEvent(request, 200, 'Ok'));
    request.isAudited = true;
  } catch (error) {
    throw new FederationError('AuditWriteFailed', undefined, describeFailure(error));
  }
}

/**
 * Writes the line of an error answer, unless the request already has one. A line that
 * cannot be written is logged at error, and the answer stands.
 */
export async function auditFailure(
  request: Exchange,
  failure: FederationError,
  audit: AuditTrail | undefined,
  logger: Logger,
): Promise<void> {
  if (audit === undefined || request.isAudited || !request.isAuditedRoute) return;
  try {
    await audit.record(auditEvent(request, failure.status, failure.reason));
    request.isAudited = true;
  } catch (error) {
    logger.error(
      {
        reqId: request.id,
        reason: failure.reason,
        status: failure.status,
        detail: describeFailure(error),
      },
      'audit line not written',
    );
  }
}
