import type { FastifyInstance } from 'fastify';

import type { ServerContext } from '../context.js';

/**
 * What `GET /readyz` lists under `waitingFor`. Each entry names a condition and never a
 * file or anything the configuration holds. Kubernetes mode adds, after `configuration`,
 * one entry per API collection not listed yet (`kubernetes: first list of <path>`): those
 * paths are the server's own, the same in every installation.
 */
export const readinessConditions = {
  /** No configuration has been loaded yet. */
  configuration: 'configuration',
  /** The configuration directory cannot be read now; the last good configuration serves. */
  configDirectory: 'configuration directory: unreadable, serving the last good configuration',
} as const;

/**
 * `GET /healthz` and `GET /readyz`, without authentication. They say whether the process
 * is alive and whether a configuration is loaded, and nothing about what it contains.
 */
export function registerHealthRoutes(app: FastifyInstance, context: ServerContext): void {
  // Probes carry no identity and touch nothing: they stay out of the audit trail.
  const config = { audit: false };
  app.get('/healthz', { config }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config }, async (_request, reply) => {
    const missing = context.readiness();
    if (missing.length === 0) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', waitingFor: missing });
  });
}
