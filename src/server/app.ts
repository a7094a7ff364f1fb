import { randomUUID } from 'node:crypto';

import Fastify, { LogController } from 'fastify';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';

import { FederationError, isFederationError } from '../errors.js';
import { answerClientError } from './client-error.js';
import type { ServerContext } from './context.js';
import { parseJsonObject } from './request-body.js';
import { registerGeneratorRoutes } from './routes/generators.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerRevokeRoute } from './routes/revoke.js';
import { registerSecretStoreRoutes } from './routes/secret-store.js';

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
  void reply.code(failure.status).type('application/json; charset=utf-8').send(failure.toBody());
}

/** The route pattern, never the URL: it is a log field and a metrics label. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
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

/** Builds the HTTP API of SPEC §3 on a configured context; the caller listens. */
export function buildApp(context: ServerContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: context.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    bodyLimit: bodyLimitBytes,
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
    clientErrorHandler: answerClientError,
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

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    void reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    logCompleted(request, reply);
    context.metrics.requestCompleted({
      method: request.method,
      route: routeOf(request),
      status: reply.statusCode,
      reason: request.failure?.reason,
      durationSeconds: reply.elapsedTime / 1000,
    });
  });
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
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
