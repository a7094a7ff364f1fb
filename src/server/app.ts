import { randomUUID } from 'node:crypto';
import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { ServerOptions as HttpsServerOptions } from 'node:https';

import Fastify, { LogController } from 'fastify';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';

import { FederationError, isFederationError } from '../errors.js';
import { tlsListenerOptions } from '../tls/index.js';
import { auditFailure } from './audit-request.js';
import { onClientError } from './client-error.js';
import { defaultHttpLimits } from './context.js';
import type { ServerContext, ServerOptions } from './context.js';
import { parseJsonObject } from './request-body.js';
import { registerGeneratorRoutes } from './routes/generators.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerRevokeRoute } from './routes/revoke.js';
import { registerSecretStoreRoutes } from './routes/secret-store.js';
import { routeInfoOf } from './route-info.js';

/** SPEC §3: bodies above 64 KiB are refused with 413. */
export const bodyLimitBytes = 64 * 1024;

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(raw: { headers: Record<string, string | string[] | undefined> }): string {
  const offered = raw.headers['x-request-id'];
  return typeof offered === 'string' && requestIdPattern.test(offered) ? offered : randomUUID();
}

/** Maps any error to the catalogue; the detail of a 5xx goes to the log only. */
function toFederationError(error: unknown): FederationError {
  if (isFederationError(error)) return error;
  const code = (error as Partial<FastifyError> | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new FederationError('BodyTooLarge');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new FederationError('InvalidBody');
  if (code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_ASYNC_CONSTRAINT') {
    return new FederationError('InvalidPathParameter');
  }
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new FederationError('BadRequest');
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return new FederationError('InternalError', undefined, `unexpected ${kind}`);
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const failure = toFederationError(error);
  request.failure = failure;
  if (failure.status >= 500) {
    request.log.error({ reason: failure.reason, detail: failure.detail }, 'request failed');
  }
  if (failure.retryAfterSec !== undefined) {
    void reply.header('retry-after', String(failure.retryAfterSec));
  }
  void reply.code(failure.status).type('application/json; charset=utf-8').send(failure.toBody());
}

/** Writes the request's audit line (when it has none yet), then answers with the error. */
async function auditAndSendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  context: ServerContext,
): Promise<FastifyReply> {
  const failure = toFederationError(error);
  await auditFailure(request, failure, context.audit);
  sendError(failure, request, reply);
  return reply;
}

/** The route pattern, never the URL: it is a log field and a metrics label. */
function routeOf(request: FastifyRequest): string {
  return routeInfoOf(request).url ?? 'unmatched';
}

function logCompleted(request: FastifyRequest, reply: FastifyReply): void {
  const identity = request.caller;
  const entry = {
    method: request.method,
    route: routeOf(request),
    status: reply.statusCode,
    reason: request.failure?.reason,
    federation: identity?.federation,
    issuer: identity?.issuer,
    subject: identity?.subject,
    namespace: identity?.namespace,
    store: request.target?.store,
    generator: request.target?.generator,
    durationMs: Math.round(reply.elapsedTime * 100) / 100,
  };
  if (reply.statusCode >= 500) request.log.error(entry, 'request completed');
  else request.log.info(entry, 'request completed');
}

interface ListenerOptions {
  http: HttpServerOptions;
  https?: HttpsServerOptions;
  requestTimeout: number;
  keepAliveTimeout: number;
}

/**
 * Node's listener settings for the limits, plus TLS when configured. Node looks for
 * connections past their header or request timeout only every `connectionsCheckingInterval`
 * (30 s unless set), so the interval is a fraction of the headers timeout: a client that
 * sends its headers a byte at a time is cut off soon after the timeout, not up to 30 s later.
 * The TLS handshake gets the headers timeout too.
 */
function listenerOptions(options: ServerOptions): ListenerOptions {
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
  // Fastify sets these two on the server it creates, over whatever `http` says.
  const timeouts = {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
  if (options.tls === undefined) return { http, ...timeouts };
  const https = { ...tlsListenerOptions(options.tls, headersTimeout), ...http };
  return { http, https, ...timeouts };
}

/** Builds the HTTP API of SPEC §3 on a configured context; the caller listens. */
export function buildApp(context: ServerContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: context.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    bodyLimit: bodyLimitBytes,
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => {
      void auditAndSendError(error, request, reply, context);
    },
    clientErrorHandler: onClientError,
    ...listenerOptions(context.options),
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: bodyLimitBytes },
    (_r, body, done) => {
      try {
        done(null, parseJsonObject(String(body)));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  // Callback hooks: an async one costs a promise and a microtask turn per request.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    void reply.header('cache-control', 'no-store');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    logCompleted(request, reply);
    context.metrics.requestCompleted({
      method: request.method,
      route: routeOf(request),
      status: reply.statusCode,
      reason: request.failure?.reason,
      durationSeconds: reply.elapsedTime / 1000,
    });
    done();
  });
  app.setErrorHandler((error, request, reply) => auditAndSendError(error, request, reply, context));
  app.setNotFoundHandler((request, reply) =>
    sendError(new FederationError('RouteNotFound'), request, reply),
  );

  registerHealthRoutes(app, context);
  registerSecretStoreRoutes(app, context);
  registerGeneratorRoutes(app, context);
  registerRevokeRoute(app, context);
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error the request ended with, for the log line. */
    failure?: FederationError;
  }
}
