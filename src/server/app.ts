import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  Server as HttpServer,
  ServerOptions as HttpServerOptions,
  ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from 'node:https';

import { FederationError, isFederationError } from '../errors.js';
import { tlsListenerOptions } from '../tls/index.js';
import { auditFailure } from './audit-request.js';
import { onClientError } from './client-error.js';
import { defaultHttpLimits } from './context.js';
import type { ServerContext, ServerOptions } from './context.js';
import { Exchange } from './http/exchange.js';
import type { Reply, Route } from './http/exchange.js';
import { ClientGone, readBody } from './http/read-body.js';
import { decodeParams, Router } from './http/router.js';
import { parseJsonObject } from './request-body.js';
import { generatorRoutes } from './routes/generators.js';
import { healthRoutes } from './routes/health.js';
import { revokeRoutes } from './routes/revoke.js';
import { secretStoreRoutes } from './routes/secret-store.js';

export { bodyLimitBytes } from './http/read-body.js';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const jsonType = 'application/json; charset=utf-8';

function requestId(headers: IncomingHttpHeaders): string {
  const offered = headers['x-request-id'];
  return typeof offered === 'string' && requestIdPattern.test(offered) ? offered : randomUUID();
}

/** Maps any error to the catalogue; the detail of a 5xx goes to the log only. */
function toFederationError(error: unknown): FederationError {
  if (isFederationError(error)) return error;
  const kind = error instanceof Error ? error.name : typeof error;
  return new FederationError('InternalError', undefined, `unexpected ${kind}`);
}

/** Every route of the API (SPEC §3). */
export function apiRoutes(context: ServerContext): Route[] {
  return [
    ...healthRoutes(context),
    ...secretStoreRoutes(context),
    ...generatorRoutes(context),
    ...revokeRoutes(context),
  ];
}

/**
 * Node's listener settings for the limits, plus TLS when configured. Node looks for
 * connections past their header or request timeout only every `connectionsCheckingInterval`
 * (30 s unless set), so the interval is a fraction of the headers timeout: a client that
 * sends its headers a byte at a time is cut off soon after the timeout, not up to 30 s later.
 * The TLS handshake gets the headers timeout too.
 */
function listenerOptions(options: ServerOptions): HttpServerOptions | HttpsServerOptions {
  const limits = { ...defaultHttpLimits, ...options.limits };
  // Node refuses a headers timeout above the request timeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const http: HttpServerOptions = {
    maxHeaderSize: limits.maxHeaderSizeBytes,
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
  if (options.tls === undefined) return http;
  return { ...tlsListenerOptions(options.tls, headersTimeout), ...http };
}

/** The HTTP API on its own listener; `listen` binds it, `close` drains it. */
export interface HttpApp {
  /** Node's server: HTTPS when the context has TLS credentials, else plain HTTP. */
  readonly server: HttpServer | HttpsServer;
  listen(address: { host: string; port: number }): Promise<void>;
  /**
   * Stops accepting connections, closes idle ones, and resolves once every request in
   * flight is answered and its connection closed. Answers sent meanwhile say
   * `Connection: close`.
   */
  close(): Promise<void>;
}

/** Builds the HTTP API of SPEC §3 on a configured context; the caller listens. */
export function buildApp(context: ServerContext): HttpApp {
  const { logger, metrics, audit } = context;
  const router = new Router(apiRoutes(context));
  let isClosing = false;

  function send(response: ServerResponse, exchange: Exchange, reply: Reply): void {
    const headers = [
      'content-type',
      jsonType,
      'content-length',
      String(Buffer.byteLength(reply.json)),
      'x-request-id',
      exchange.id,
      'cache-control',
      'no-store',
    ];
    const retryAfter = exchange.failure?.retryAfterSec;
    if (retryAfter !== undefined) headers.push('retry-after', String(retryAfter));
    // A body still unread (too large) is not worth reading to keep the connection.
    if (isClosing || reply.status === 413) headers.push('connection', 'close');
    if (isClosing) response.once('finish', () => server.closeIdleConnections());
    response.writeHead(reply.status, headers);
    response.end(reply.json);
  }

  function completed(exchange: Exchange, status: number): void {
    const durationNs = Number(process.hrtime.bigint() - exchange.startedAt);
    const reason = exchange.failure?.reason;
    const route = exchange.routePattern;
    metrics.requestCompleted({
      method: exchange.method,
      route,
      status,
      reason,
      durationSeconds: durationNs / 1e9,
    });
    const level = status >= 500 ? 'error' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const identity = exchange.caller;
    const entry = {
      reqId: exchange.id,
      method: exchange.method,
      route,
      status,
      reason,
      federation: identity?.federation,
      issuer: identity?.issuer,
      subject: identity?.subject,
      namespace: identity?.namespace,
      store: exchange.target?.store,
      generator: exchange.target?.generator,
      durationMs: Math.round(durationNs / 10_000) / 100,
    };
    logger[level](entry, 'request completed');
  }

  /** Writes the request's audit line (when it has none yet) and makes the error answer. */
  async function failed(error: unknown, exchange: Exchange): Promise<Reply> {
    const failure = toFederationError(error);
    exchange.failure = failure;
    await auditFailure(exchange, failure, audit, logger);
    if (failure.status >= 500) {
      logger.error(
        { reqId: exchange.id, reason: failure.reason, detail: failure.detail },
        'request failed',
      );
    }
    return { status: failure.status, json: JSON.stringify(failure.toBody()) };
  }

  async function dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const exchange = new Exchange(
      requestId(request.headers),
      request.method ?? '',
      request.headers,
      process.hrtime.bigint(),
    );
    let reply: Reply;
    try {
      const match = router.match(exchange.method, request.url ?? '');
      if (match === undefined) throw new FederationError('RouteNotFound');
      exchange.route = match.route;
      if (match.route.hasBody === true) exchange.body = parseJsonObject(await readBody(request));
      exchange.params = decodeParams(match.rawParams);
      reply = await match.route.handle(exchange);
    } catch (error) {
      if (error instanceof ClientGone) {
        logger.info(
          { reqId: exchange.id, method: exchange.method, route: exchange.routePattern },
          'request abandoned by the client',
        );
        return;
      }
      reply = await failed(error, exchange);
    }
    send(response, exchange, reply);
    completed(exchange, reply.status);
  }

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    dispatch(request, response).catch((error: unknown) => {
      const kind = error instanceof Error ? error.name : typeof error;
      logger.error({ detail: `unexpected ${kind}` }, 'request not answered');
      response.destroy();
    });
  };

  const settings = listenerOptions(context.options);
  const server: HttpServer | HttpsServer =
    context.options.tls === undefined
      ? createHttpServer(settings, onRequest)
      : createHttpsServer(settings as HttpsServerOptions, onRequest);
  server.on('clientError', onClientError);

  return {
    server,
    listen: ({ host, port }) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: () => {
      isClosing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      return closed;
    },
  };
}
