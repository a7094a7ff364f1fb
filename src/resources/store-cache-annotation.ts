import { parseDuration } from '../duration.js';
import type { FieldProblem } from './zod-issues.js';

/**
 * The annotation that turns on response caching for one ClusterSecretStore, e.g.
 * `federation.external-secrets.io/cache-ttl: 30s`. An annotation rather than a spec field,
 * so the same manifest stays valid for the External Secrets Operator's own CRD.
 */
export const storeCacheTtlAnnotation = 'federation.external-secrets.io/cache-ttl';

/** The longest TTL accepted: a cached value outliving a backend rotation by more is a risk. */
export const maxStoreCacheTtlMs = 3_600_000;

/** The store's cache TTL in ms (absent: no cache), or the problem with the annotation. */
export function readStoreCacheTtl(annotations: Readonly<Record<string, string>> | undefined): {
  ttlMs?: number;
  problem?: FieldProblem;
} {
  const text = annotations?.[storeCacheTtlAnnotation];
  if (text === undefined) return {};
  const path = ['metadata', 'annotations', storeCacheTtlAnnotation];
  let ttlMs: number;
  try {
    ttlMs = parseDuration(text);
  } catch {
    return { problem: { path, message: 'must be a duration such as 30s, 5m or 1h' } };
  }
  if (ttlMs <= 0 || ttlMs > maxStoreCacheTtlMs) {
    return { problem: { path, message: 'must be more than 0 and at most 1h' } };
  }
  return { ttlMs };
}
