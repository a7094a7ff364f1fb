import type { FastifyInstance } from 'fastify';

import type { ServerContext } from '../context.js';

/**
 * `GET /healthz` and `GET /readyz`, without authentication. They say whether the process
 * is alive and whether a configuration is loaded, and nothing about what it contains.
 */
export function registerHealthRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const missing = context.readiness();
    if (missing.length === 0) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', waitingFor: missing });
  });
}
