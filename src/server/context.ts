import type { Logger } from 'pino';

import type { AuditTrail } from '../audit/index.js';
import type { FederationMetrics } from '../metrics/index.js';
import type { ServerCredentials } from '../tls/index.js';
import type { TokenAuthenticator } from './caller.js';
import type { CredentialOptions } from './credentials.js';
import type { LiveConfig } from './live-config.js';
import type { RateLimiter } from './rate-limit.js';

/** What the listener allows a client, so that slow or greedy clients cannot hold it. */
export interface HttpLimits {
  /** Largest request line plus headers; bytes, default 16384 (larger: 431 `HeadersTooLarge`). */
  maxHeaderSizeBytes: number;
  /** Time to receive the request line and headers; milliseconds, default 10000. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included; milliseconds, default 30000. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open; milliseconds, default 5000. */
  keepAliveTimeoutMs: number;
}

export const defaultHttpLimits: HttpLimits = {
  maxHeaderSizeBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** Tunables of the HTTP API. */
export interface ServerOptions {
  /** Bound on one secret read or generator call; milliseconds, default 10000. */
  backendTimeoutMs: number;
  /** Limits of the listener; each one left out takes its `defaultHttpLimits` value. */
  limits?: Partial<HttpLimits>;
  /** Serve HTTPS with these; default plain HTTP. */
  tls?: ServerCredentials;
}

/** Everything a route needs, built once by whoever starts the server. */
export interface ServerContext {
  config: LiveConfig;
  authenticator: TokenAuthenticator;
  credentials: CredentialOptions;
  logger: Logger;
  /** This server's own metrics registry, served apart from the API. */
  metrics: FederationMetrics;
  options: ServerOptions;
  /** Per-identity request budget, checked right after authentication. */
  rateLimiter: RateLimiter;
  /** What is still missing before the server is ready; empty when ready. */
  readiness: () => string[];
  /** One line per API request, written before a value leaves; none when absent. */
  audit?: AuditTrail;
}
