import type autocannon from 'autocannon';

import { generatorPath, grantedStore, storedValues, ungrantedStore } from './soak-manifests.js';

/** What a request needs to pass as one caller: its bearer token and the body its pod sends. */
export interface SoakCaller {
  token: string;
  /** JSON text: `{"ca.crt": ...}` for a cluster trusted through it, `{}` for a pinned one. */
  body: string;
}

/** Where the tokens of the mix come from. */
export interface MixSources {
  /** Valid callers of several service accounts and pods, used in turn. */
  callers: readonly SoakCaller[];
  /** A caller whose token was minted just now: a token the server has never seen. */
  freshCaller: () => SoakCaller;
  /** A token that must be refused, different on every call; sent with `body`. */
  invalidToken: () => string;
  /** The body sent with invalid tokens. */
  invalidBody: string;
}

/** How the responses of one entry of the mix went. */
export interface SlotCounts {
  /** Method and route pattern, as the audit trail names it; `GET (no route)` for none. */
  route: string;
  expected: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** Responses with the expected status but not the expected body. */
  wrongBodies: number;
}

type Setup = NonNullable<autocannon.SequencedRequest['setupRequest']>;
type Request = ReturnType<Setup>;

const json = { 'content-type': 'application/json' };

/** The routes of the mix, by method and pattern. */
const routes = {
  secret: 'POST /secretstore/:secretStoreName/secrets/:secretName',
  generate: 'POST /generators/:generatorNamespace/:generatorKind/:generatorName',
  deleteStates: 'DELETE /generators/:generatorNamespace/:generatorKind/:generatorName',
  revoke: 'POST /generators/:generatorNamespace/revoke',
  none: 'GET (no route)',
} as const;

function bearer(token: string): Record<string, string> {
  return { ...json, authorization: `Bearer ${token}` };
}

/** Returns the items of `list` one after the other, round and round. */
function inTurn<T>(list: readonly T[]): () => T {
  if (list.length === 0) throw new Error('nothing to take turns with');
  let next = 0;
  return () => {
    const item = list[next % list.length] as T;
    next += 1;
    return item;
  };
}

function randomPathSegment(): string {
  return Math.random().toString(36).slice(2, 12);
}

/**
 * The request mix of the soak run: the sequence every connection sends over and over,
 * with the status each entry must get and a check of the bodies that carry a value. Each
 * generated password is revoked by the next request of the same connection, with the same
 * caller, so the run itself does not pile up state.
 */
export class RequestMix {
  readonly counts = new Map<string, SlotCounts>();
  readonly #sources: MixSources;
  readonly #nextCaller: () => SoakCaller;

  constructor(sources: MixSources) {
    this.#sources = sources;
    this.#nextCaller = inTurn(sources.callers);
  }

  /** The sequence for autocannon's `requests`. */
  requests(): autocannon.SequencedRequest[] {
    const read = `/secretstore/${grantedStore}/secrets`;
    const sources = this.#sources;
    const asCaller = (caller: SoakCaller, request: Request, path: string): Request => ({
      ...request,
      method: 'POST',
      path,
      headers: bearer(caller.token),
      body: caller.body,
    });
    const byCaller = (path: string): Setup => {
      return (request) => asCaller(this.#nextCaller(), request, path);
    };
    const isValue = (value: string) => (body: string) => body === JSON.stringify(value);
    const plainRead = () =>
      this.#slot(
        'secret read',
        routes.secret,
        200,
        byCaller(`${read}/plain`),
        isValue(storedValues.plain),
      );

    return [
      plainRead(),
      this.#slot(
        'secret read, one property',
        routes.secret,
        200,
        (request) => {
          const caller = this.#nextCaller();
          const body = JSON.stringify({
            ...JSON.parse(caller.body),
            remoteRef: { property: 'password' },
          });
          return { ...asCaller(caller, request, `${read}/json`), body };
        },
        isValue(storedValues.password),
      ),
      this.#slot(
        'secret read, token never seen before',
        routes.secret,
        200,
        (request) => asCaller(sources.freshCaller(), request, `${read}/plain`),
        isValue(storedValues.plain),
      ),
      this.#slot(
        'generator run',
        routes.generate,
        200,
        (request, context) => {
          const caller = this.#nextCaller();
          context.caller = caller;
          return asCaller(caller, request, generatorPath);
        },
        (body) => typeof (JSON.parse(body) as { password?: unknown }).password === 'string',
      ),
      this.#slot('generator states deleted', routes.deleteStates, 200, (request, context) => {
        const caller = (context.caller as SoakCaller | undefined) ?? this.#nextCaller();
        return { ...asCaller(caller, request, generatorPath), method: 'DELETE' };
      }),
      plainRead(),
      this.#slot(
        'revoke by owner',
        routes.revoke,
        200,
        byCaller('/generators/gen/revoke'),
        (body) => Number.isInteger((JSON.parse(body) as { revoked?: unknown }).revoked),
      ),
      this.#slot(
        'denied: store not granted',
        routes.secret,
        404,
        byCaller(`/secretstore/${ungrantedStore}/secrets/plain`),
      ),
      this.#slot('denied: no such secret', routes.secret, 404, byCaller(`${read}/absent`)),
      this.#slot('invalid token, new every time', routes.secret, 401, (request) => ({
        ...request,
        method: 'POST',
        path: `${read}/plain`,
        headers: bearer(sources.invalidToken()),
        body: sources.invalidBody,
      })),
      this.#slot(
        'unknown store',
        routes.secret,
        404,
        byCaller('/secretstore/no-such-store/secrets/plain'),
      ),
      this.#slot('unknown route', routes.none, 404, (request) => ({
        ...request,
        method: 'GET',
        path: `/soak/${randomPathSegment()}/${randomPathSegment()}`,
        headers: {},
        body: undefined,
      })),
      this.#slot('no token', routes.secret, 401, (request) => ({
        ...request,
        method: 'POST',
        path: `${read}/plain`,
        headers: json,
        body: '{}',
      })),
      plainRead(),
    ];
  }

  /** Responses of every entry, by status, summed over entries of the same name. */
  statusCounts(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const counts of this.counts.values()) {
      for (const [status, count] of Object.entries(counts.statuses)) {
        total[status] = (total[status] ?? 0) + count;
      }
    }
    return total;
  }

  /** Responses of any status, summed by route. */
  routeCounts(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const counts of this.counts.values()) {
      const answered = Object.values(counts.statuses).reduce((sum, count) => sum + count, 0);
      total[counts.route] = (total[counts.route] ?? 0) + answered;
    }
    return total;
  }

  /** Responses with another status than expected, or the expected status and a wrong body. */
  unexpected(): { slot: string; status: string; count: number }[] {
    const found = [];
    for (const [slot, counts] of this.counts) {
      for (const [status, count] of Object.entries(counts.statuses)) {
        if (Number(status) !== counts.expected) found.push({ slot, status, count });
      }
      if (counts.wrongBodies > 0) {
        found.push({ slot, status: 'wrong body', count: counts.wrongBodies });
      }
    }
    return found;
  }

  #slot(
    name: string,
    route: string,
    expected: number,
    setupRequest: Setup,
    isRightBody?: (body: string) => boolean,
  ): autocannon.SequencedRequest {
    let counts = this.counts.get(name);
    if (!counts) {
      counts = { route, expected, statuses: {}, wrongBodies: 0 };
      this.counts.set(name, counts);
    }
    const slot = counts;
    return {
      setupRequest,
      onResponse: (status, body) => {
        slot.statuses[status] = (slot.statuses[status] ?? 0) + 1;
        if (status === expected && isRightBody && !isRightBodySafe(isRightBody, body)) {
          slot.wrongBodies += 1;
        }
      },
    };
  }
}

function isRightBodySafe(check: (body: string) => boolean, body: string): boolean {
  try {
    return check(body);
  } catch {
    return false;
  }
}
