import { FederationError } from '../../errors.js';
import type { Route } from './exchange.js';

/** A path segment of a pattern: literal text, or the name of a parameter (`:name`). */
type Segment = { literal: string } | { param: string };

interface CompiledRoute {
  route: Route;
  segments: Segment[];
}

/** A route and the raw (still percent-encoded) values of its parameters. */
export interface RouteMatch {
  route: Route;
  rawParams: Record<string, string>;
}

function compile(route: Route): CompiledRoute {
  if (!route.pattern.startsWith('/')) throw new Error(`route ${route.pattern} must start with /`);
  const segments = route.pattern
    .slice(1)
    .split('/')
    .map((part): Segment => (part.startsWith(':') ? { param: part.slice(1) } : { literal: part }));
  return { route, segments };
}

/**
 * Finds the route of a request by method and path. Literal segments match exactly (case
 * and all); a parameter matches one non-empty segment, so a `/` inside a value must come
 * as `%2F`. The query string is ignored. `HEAD` finds the `GET` route.
 */
export class Router {
  /** Routes by method, then by their number of segments. */
  readonly #routes = new Map<string, Map<number, CompiledRoute[]>>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const compiled = compile(route);
      let byLength = this.#routes.get(route.method);
      if (byLength === undefined) {
        byLength = new Map();
        this.#routes.set(route.method, byLength);
      }
      const list = byLength.get(compiled.segments.length) ?? [];
      list.push(compiled);
      byLength.set(compiled.segments.length, list);
    }
  }

  /** The route of `method` and `url` (path plus optional query), or `undefined`. */
  match(method: string, url: string): RouteMatch | undefined {
    const byLength = this.#routes.get(method === 'HEAD' ? 'GET' : method);
    if (byLength === undefined || url.charCodeAt(0) !== 47 /* / */) return undefined;
    const queryAt = url.indexOf('?');
    const parts = (queryAt === -1 ? url : url.slice(0, queryAt)).slice(1).split('/');
    const candidates = byLength.get(parts.length);
    if (candidates === undefined) return undefined;
    for (const { route, segments } of candidates) {
      const rawParams = matchSegments(segments, parts);
      if (rawParams !== undefined) return { route, rawParams };
    }
    return undefined;
  }
}

function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    const part = parts[i] as string;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.param] = part;
    }
  }
  return params;
}

/** Percent-decodes path parameters; a malformed escape is a 400 `InvalidPathParameter`. */
export function decodeParams(raw: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!value.includes('%')) {
      decoded[name] = value;
      continue;
    }
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new FederationError('InvalidPathParameter', `${name} is not valid percent-encoding`);
    }
  }
  return decoded;
}
