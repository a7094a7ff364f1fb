import type { ServerContext } from '../context.js';
import { jsonReply } from '../http/exchange.js';
import type { Route } from '../http/exchange.js';

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
export function healthRoutes(context: Pick<ServerContext, 'readiness'>): Route[] {
  // Probes carry no identity and touch nothing: they stay out of the audit trail.
  const healthy = jsonReply({ status: 'ok' });
  const ready = jsonReply({ status: 'ready' });
  return [
    { method: 'GET', pattern: '/healthz', audit: false, handle: () => Promise.resolve(healthy) },
    {
      method: 'GET',
      pattern: '/readyz',
      audit: false,
      handle: () => {
        const missing = context.readiness();
        if (missing.length === 0) return Promise.resolve(ready);
        return Promise.resolve(jsonReply({ status: 'not ready', waitingFor: missing }, 503));
      },
    },
  ];
}
