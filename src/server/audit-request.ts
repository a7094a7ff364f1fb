import type { FastifyRequest } from 'fastify';

import type { AuditEvent, AuditResource, AuditTrail } from '../audit/index.js';
import { FederationError } from '../errors.js';
import { routeInfoOf } from './route-info.js';

function auditEvent(request: FastifyRequest, status: number, reason: string): AuditEvent {
  const event: AuditEvent = {
    route: `${request.method} ${routeInfoOf(request).url ?? ''}`,
    requestId: request.id,
    resource: request.auditResource,
    decision: status < 400 ? 'allow' : 'deny',
    reason,
    status,
  };
  // Set only once the token verified: no unverified claim reaches the trail.
  const identity = request.caller;
  if (identity === undefined) return event;
  return {
    ...event,
    federation: identity.federation,
    issuer: identity.issuer,
    subject: identity.subject,
    namespace: identity.namespace,
    serviceAccount: identity.serviceAccount?.name,
    pod: identity.pod?.name,
    tokenId: identity.tokenId,
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
  request: FastifyRequest,
  audit: AuditTrail | undefined,
): Promise<void> {
  if (audit === undefined || !routeInfoOf(request).isAudited) return;
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
  request: FastifyRequest,
  failure: FederationError,
  audit: AuditTrail | undefined,
): Promise<void> {
  if (audit === undefined || request.isAudited || !routeInfoOf(request).isAudited) return;
  try {
    await audit.record(auditEvent(request, failure.status, failure.reason));
    request.isAudited = true;
  } catch (error) {
    request.log.error(
      { reason: failure.reason, status: failure.status, detail: describeFailure(error) },
      'audit line not written',
    );
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request addressed, for its audit line; set once the path is checked. */
    auditResource?: AuditResource;
    /** True once the request's audit line is written: one line per request. */
    isAudited?: boolean;
  }
  interface FastifyContextConfig {
    /** `false` leaves the route out of the audit trail; default audited. */
    audit?: boolean;
  }
}
