import type { FastifyRequest } from 'fastify';

/** What the server reads of the route a request matched. */
export interface RouteInfo {
  /** The route pattern, e.g. `/secretstore/:secretStoreName/secrets/:secretName`. */
  url: string | undefined;
  /** Whether the route writes audit lines (see `FastifyContextConfig.audit`). */
  isAudited: boolean;
}

/**
 * The matched route of a request, read once: fastify's `routeOptions` builds a new object
 * on every access, and the log line, the metrics and the audit line all need it.
 */
export function routeInfoOf(request: FastifyRequest): RouteInfo {
  let info = request.routeInfo;
  if (info === undefined) {
    const options = request.routeOptions;
    info = {
      url: options.url,
      isAudited: options.url !== undefined && options.config.audit !== false,
    };
    request.routeInfo = info;
  }
  return info;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `routeInfoOf` on first use. */
    routeInfo?: RouteInfo;
  }
}
