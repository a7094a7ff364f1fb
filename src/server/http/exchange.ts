import type { IncomingHttpHeaders } from 'node:http';

import type { AuditResource } from '../../audit/index.js';
import type { Identity } from '../../authn/identity.js';
import type { FederationError } from '../../errors.js';

/** A route of the API as the router knows it. */
export interface Route {
  method: string;
  /** The route pattern, e.g. `/secretstore/:secretStoreName/secrets/:secretName`. */
  pattern: string;
  /** `false` leaves the route out of the audit trail (health probes); default audited. */
  audit?: boolean;
  /** Whether the route reads a JSON body; bodies of other routes are skipped unread. */
  hasBody?: boolean;
  handle(exchange: Exchange): Promise<Reply>;
}

/** What a route answers: a status and the JSON text of the body. */
export interface Reply {
  status: number;
  json: string;
}

/** A 200 (or `status`) answer with `value` as its JSON body. */
export function jsonReply(value: unknown, status = 200): Reply {
  return { status, json: JSON.stringify(value) };
}

/**
 * One request on its way through the server: what arrived, and what the steps learned
 * about it for the log line, the metrics and the audit line.
 */
export class Exchange {
  /** The request id: the client's `X-Request-Id` when well-formed, else a fresh UUID. */
  readonly id: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** `process.hrtime.bigint()` when the request arrived. */
  readonly startedAt: bigint;
  /** The route the request matched; `undefined` for unknown routes. */
  route: Route | undefined;
  /** Path parameters of the matched route, percent-decoded. */
  params: Record<string, string> = {};
  /** The parsed JSON object of the body; `{}` when the body is empty. */
  body: Record<string, unknown> = {};
  /** Set once the token is verified; read by the log and audit lines. */
  caller: Identity | undefined;
  /** Names of the store or generator the request addressed, for the log line. */
  target: { store?: string; generator?: string } | undefined;
  /** What the request addressed, for its audit line; set once the path is checked. */
  auditResource: AuditResource | undefined;
  /** True once the request's audit line is written: one line per request. */
  isAudited = false;
  /** The error the request ended with, for the log line. */
  failure: FederationError | undefined;

  constructor(id: string, method: string, headers: IncomingHttpHeaders, startedAt: bigint) {
    this.id = id;
    this.method = method;
    this.headers = headers;
    this.startedAt = startedAt;
  }

  /** The route pattern, never the URL: it is a log field and a metrics label. */
  get routePattern(): string {
    return this.route?.pattern ?? 'unmatched';
  }

  /** Whether the request writes an audit line: a matched route that is not a probe. */
  get isAuditedRoute(): boolean {
    return this.route !== undefined && this.route.audit !== false;
  }
}
