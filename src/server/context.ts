import type { Logger } from 'pino';

import type { FederationMetrics } from '../metrics/index.js';
import type { TokenAuthenticator } from './caller.js';
import type { CredentialOptions } from './credentials.js';
import type { LiveConfig } from './live-config.js';

/** Tunables of the HTTP API. */
export interface ServerOptions {
  /** Bound on one secret read or generator call; milliseconds, default 10000. */
  backendTimeoutMs: number;
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
  /** What is still missing before the server is ready; empty when ready. */
  readiness: () => string[];
}
