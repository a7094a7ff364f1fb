import type { Identity } from '../authn/identity.js';
import type { Grants } from '../authz/index.js';
import { FederationError, isFederationError } from '../errors.js';
import type { FederationMetrics } from '../metrics/index.js';
import type { Federation } from '../resources/model.js';
import type { Exchange } from './http/exchange.js';
import type { ActiveConfig } from './live-config.js';
import type { RateLimiter } from './rate-limit.js';

/** What the server needs from authentication (implemented by `authn/`). */
export interface TokenAuthenticator {
  /**
   * Verifies the token through one of the federations `candidatesFor` names for its
   * issuer (read unverified, only to choose them).
   */
  authenticate(
    token: string,
    request: { caCert?: string },
    candidatesFor: (issuer: string) => readonly Federation[],
  ): Promise<Identity>;
}

/** What checks a caller besides the configuration: its token, its rate, and the counts. */
export interface CallerChecks {
  authenticator: TokenAuthenticator;
  metrics: FederationMetrics;
  rateLimiter: RateLimiter;
}

/** An authenticated caller with the grants of the configuration it was checked against. */
export interface Caller {
  identity: Identity;
  grants: Grants;
}

const spaceCode = 32;

/**
 * Reads `Authorization: Bearer <token>`: the scheme (case-insensitive, RFC 7235 §2.1),
 * one or more spaces, the token, and nothing after it but spaces.
 */
export function bearerToken(request: Pick<Exchange, 'headers'>): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string') throw new FederationError('TokenMissing');
  const malformed = () =>
    new FederationError('TokenMissing', 'expected `Authorization: Bearer <token>`');
  if (header.charCodeAt(6) !== spaceCode || header.slice(0, 6).toLowerCase() !== 'bearer') {
    throw malformed();
  }
  let start = 7;
  while (header.charCodeAt(start) === spaceCode) start += 1;
  let end = header.indexOf(' ', start);
  if (end === -1) end = header.length;
  for (let at = end; at < header.length; at += 1) {
    if (header.charCodeAt(at) !== spaceCode) throw malformed();
  }
  if (end === start) throw malformed();
  return header.slice(start, end);
}

/**
 * Authenticates the bearer token against the federations that could have issued it and
 * returns its grants, all from one configuration snapshot. Every outcome is counted.
 */
export async function authenticateCaller(
  request: Exchange,
  caCert: string | undefined,
  config: ActiveConfig,
  { authenticator, metrics, rateLimiter }: CallerChecks,
): Promise<Caller> {
  let candidates: readonly Federation[] = [];
  let identity: Identity;
  try {
    const token = bearerToken(request);
    identity = await authenticator.authenticate(token, { caCert }, (issuer) => {
      candidates = config.index.candidateFederations(issuer, config.snapshot.federations);
      return candidates;
    });
  } catch (error) {
    // With several candidates the failure belongs to none of them in particular.
    const federation = candidates.length === 1 ? (candidates[0]?.name ?? '') : '';
    metrics.authenticated(federation, isFederationError(error) ? error.reason : 'InternalError');
    throw error;
  }

  metrics.authenticated(identity.federation, 'success');
  request.caller = identity;
  const decision = rateLimiter.take(identity.issuer, identity.subject);
  if (!decision.allowed) {
    const limited = new FederationError('RateLimited');
    limited.retryAfterSec = decision.retryAfterSec;
    throw limited;
  }
  return { identity, grants: config.index.grantsFor(identity) };
}
