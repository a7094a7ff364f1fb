/**
 * One audit line: what a request asked for, who asked (only once the token verified) and
 * how it was decided. Lines are JSON objects with their keys in one fixed order, so that
 * the same record always gives the same bytes.
 */

/** First key of every audit line, telling it apart from log lines on a shared stream. */
export const auditMarker = 'federation-server/v1';

/** What a request addressed: names and references only, never a value. */
export interface AuditResource {
  /** A ClusterSecretStore name (secret reads). */
  store?: string;
  /** The remote key asked for (secret reads). */
  key?: string;
  /** `namespace/Kind/name` of a generator (generator calls). */
  generator?: string;
  /** The generator namespace of a revoke-by-owner call. */
  generatorNamespace?: string;
  /** The pod or service account whose states a revoke-by-owner call selects. */
  owner?: string;
  /** The workload namespace of that owner. */
  ownerNamespace?: string;
  /** The generator kind a revoke-by-owner call is narrowed to. */
  generatorKind?: string;
  /** The generator name a revoke-by-owner call is narrowed to. */
  generatorName?: string;
}

/** The order the members of `resource` are written in. */
const resourceKeys = [
  'store',
  'key',
  'generator',
  'generatorNamespace',
  'owner',
  'ownerNamespace',
  'generatorKind',
  'generatorName',
] as const satisfies readonly (keyof AuditResource)[];

/** `allow` when the request succeeded, `deny` for every other answer. */
export type AuditDecision = 'allow' | 'deny';

/**
 * A decision as the server reports it, before pseudonymising and chaining. Identity fields
 * are left out unless the token verified: unverified claims are never recorded.
 */
export interface AuditEvent {
  /** HTTP method and route template, e.g. `POST /generators/:generatorNamespace/revoke`. */
  route: string;
  /** The request id as logged; only its HMAC is written. */
  requestId: string;
  federation?: string;
  issuer?: string;
  subject?: string;
  /** Workload namespace from the token's `kubernetes.io` claim. */
  namespace?: string;
  /** Service account name from the token. */
  serviceAccount?: string;
  /** Pod name from the token. */
  pod?: string;
  /** The token's `jti`, when it has one; only its HMAC is written. */
  tokenId?: string;
  resource?: AuditResource;
  decision: AuditDecision;
  /** A reason of the error catalogue, or `Ok`. */
  reason: string;
  /** HTTP status of the answer. */
  status: number;
}

/** An audit line as written and read back (key order as listed). */
export interface AuditLine {
  audit: typeof auditMarker;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  /** Position in the chain: 1, 2, 3, ... across restarts and rotated files. */
  seq: number;
  route: string;
  /** Hex HMAC-SHA256 of the request id. */
  reqId: string;
  federation?: string;
  issuer?: string;
  subject?: string;
  namespace?: string;
  serviceAccount?: string;
  pod?: string;
  /** Hex HMAC-SHA256 of the token's `jti`. */
  jti?: string;
  resource?: AuditResource;
  decision: AuditDecision;
  reason: string;
  status: number;
  /** Hex SHA-256 of the previous line's bytes (without its newline); 64 zeros at the start. */
  prev: string;
}

/** What chaining adds to an event. */
export interface ChainPosition {
  /** ISO 8601, UTC, milliseconds (`Date.prototype.toISOString`). */
  time: string;
  seq: number;
  prev: string;
}

/** `,"name":<value as JSON>` when the value is set, else nothing. */
function member(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`;
}

/** The members of `resource` in their fixed order; `undefined` when it has none. */
function resourceText(resource: AuditResource): string | undefined {
  let text = '';
  for (const key of resourceKeys) text += member(key, resource[key]);
  return text === '' ? undefined : `{${text.slice(1)}}`;
}

/**
 * The text of one audit line, without its newline. `pseudonym` turns the request id and
 * the `jti` into their HMACs (`tokenPseudonym`, when given, the `jti`); nothing else is
 * transformed. The text is what `JSON.stringify` gives for an {@link AuditLine} with its
 * keys in the listed order and unset members left out; it is built directly, as this runs
 * once per request.
 */
export function formatAuditLine(
  event: AuditEvent,
  position: ChainPosition,
  pseudonym: (value: string) => string,
  tokenPseudonym: (value: string) => string = pseudonym,
): string {
  const resource = event.resource && resourceText(event.resource);
  return (
    `{"audit":"${auditMarker}","time":"${position.time}","seq":${position.seq}` +
    member('route', event.route) +
    member('reqId', pseudonym(event.requestId)) +
    member('federation', event.federation) +
    member('issuer', event.issuer) +
    member('subject', event.subject) +
    member('namespace', event.namespace) +
    member('serviceAccount', event.serviceAccount) +
    member('pod', event.pod) +
    member('jti', event.tokenId === undefined ? undefined : tokenPseudonym(event.tokenId)) +
    (resource === undefined ? '' : `,"resource":${resource}`) +
    member('decision', event.decision) +
    member('reason', event.reason) +
    `,"status":${JSON.stringify(event.status)}` +
    member('prev', position.prev) +
    '}'
  );
}

/** Whether a parsed JSON value is an audit line: the marker, a seq and a prev. */
export function isAuditLine(value: unknown): value is AuditLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const line = value as Partial<AuditLine>;
  return (
    line.audit === auditMarker &&
    typeof line.seq === 'number' &&
    Number.isSafeInteger(line.seq) &&
    line.seq >= 1 &&
    typeof line.prev === 'string' &&
    /^[0-9a-f]{64}$/.test(line.prev)
  );
}
