import { pino, type Logger } from 'pino';

import { FederationError, isFederationError, type Reason } from '../errors.js';
import type { Federation } from '../resources/model.js';
import { parseCABundle } from './ca-bundle.js';
import { HttpsClient } from './https-client.js';
import type { Identity } from './identity.js';
import {
  keySetFingerprint,
  RemoteKeySet,
  type FetchCredentials,
  type KeySetObserver,
  type KeySetTiming,
  type KeySnapshot,
} from './remote-key-set.js';
import { decodeUnverifiedToken } from './unverified-token.js';
import { VerificationCache } from './verification-cache.js';
import { hasKid, selectKey } from './verification-key.js';
import { verifyServiceAccountToken } from './verify-token.js';

export interface AuthenticatorOptions {
  /** Default: a silent logger. */
  logger?: Logger;
  /** Limit for each discovery or JWKS request, in milliseconds; default 5000. */
  fetchTimeoutMs?: number;
  /**
   * Milliseconds between two key refreshes caused by an unknown `kid` (and between retries
   * of a failed background refresh) per federation; default 5000.
   */
  unknownKidCooldownMs?: number;
  /** Age of a key set, in milliseconds, after which it is refreshed in the background; default 300000. */
  refreshIntervalMs?: number;
  /**
   * Age of a key set, in milliseconds, after which it is no longer used when the issuer cannot
   * be reached; default 86400000 (one day).
   */
  maxStaleMs?: number;
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds; default 30. */
  clockToleranceSec?: number;
  /** Reject every federation without `caBundle` instead of trusting the request's `ca.crt`. */
  requireCABundle?: boolean;
  /**
   * How long a successful verification is reused for the same token, in milliseconds;
   * never beyond the token's `exp`, and never once the federation's keys change. Default
   * 30000; 0 turns reuse off.
   */
  verificationCacheTtlMs?: number;
  /** Most verified tokens remembered at once; default 10000. */
  verificationCacheMaxEntries?: number;
  /** The clock, in milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Told about every fetch of a federation's keys, e.g. the metrics; default none. */
  keySetObserver?: KeySetObserver;
}

/** The parts of a request that authentication reads besides the token. */
export interface AuthenticationRequest {
  /** The `ca.crt` body value: PEM, or base64 of PEM. */
  caCert?: string;
}

/** Algorithms any key may allow; anything else (`none`, HMAC...) is refused before a fetch. */
const signatureAlgorithms = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

/** When every candidate fails, the error that says most about the token wins. */
const specificity: Partial<Record<Reason, number>> = {
  TokenExpired: 6,
  TokenNotYetValid: 6,
  TokenClaimInvalid: 5,
  TokenMalformed: 5,
  TokenUnverifiable: 4,
  InvalidCACert: 3,
  IssuerUnreachable: 2,
};

/**
 * Turns a bearer token into an `Identity` by verifying it against the keys of the candidate
 * federations (SPEC §4). Keys are cached per federation and fetched from the client
 * cluster's API server with the caller's token.
 */
export class Authenticator {
  readonly #logger: Logger;
  readonly #client: HttpsClient;
  readonly #keySets = new Map<string, RemoteKeySet>();
  readonly #warned = new Set<string>();
  readonly #clockToleranceSec: number;
  readonly #requireCABundle: boolean;
  readonly #now: () => number;
  readonly #timing: KeySetTiming;
  readonly #verified: VerificationCache;
  readonly #keySetObserver: KeySetObserver | undefined;
  #closed = false;

  constructor(options: AuthenticatorOptions = {}) {
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#client = new HttpsClient({ timeoutMs: options.fetchTimeoutMs ?? 5000 });
    this.#clockToleranceSec = options.clockToleranceSec ?? 30;
    this.#requireCABundle = options.requireCABundle ?? false;
    this.#now = options.now ?? Date.now;
    this.#timing = {
      unknownKidCooldownMs: options.unknownKidCooldownMs ?? 5000,
      refreshIntervalMs: options.refreshIntervalMs ?? 300_000,
      maxStaleMs: options.maxStaleMs ?? 86_400_000,
      now: this.#now,
    };
    this.#verified = new VerificationCache({
      ttlMs: options.verificationCacheTtlMs,
      maxEntries: options.verificationCacheMaxEntries,
    });
    this.#keySetObserver = options.keySetObserver;
  }

  /**
   * Verifies `token` through the first candidate federation that accepts it, in the given
   * order. Candidates are the federations that some Authorization with the token's issuer
   * references: given as a list, or as a function of the issuer. Throws a
   * `FederationError`: `TokenMissing`, `TokenMalformed`, `UnknownIssuer` (no candidate),
   * `InvalidCACert`, or the most specific failure among the candidates.
   */
  async authenticate(
    token: string,
    request: AuthenticationRequest,
    candidates: readonly Federation[] | ((issuer: string) => readonly Federation[]),
  ): Promise<Identity> {
    if (!token) throw new FederationError('TokenMissing');
    const candidatesFor = typeof candidates === 'function' ? candidates : () => candidates;

    // A token verified moments ago is not decoded again: this is the common path.
    const cacheKey = VerificationCache.keyOf(token);
    const earlier = this.#verified.get(cacheKey, this.#now());
    if (earlier) {
      const current = candidatesFor(earlier.identity.issuer);
      this.#requestCA(request, current);
      const reused = this.#reusable(cacheKey, current);
      if (reused) return reused;
    }

    const { header, payload } = decodeUnverifiedToken(token);
    if (typeof payload.iss !== 'string' || payload.iss === '') {
      throw new FederationError('TokenMalformed', undefined, 'the token has no iss claim');
    }
    const found = candidatesFor(payload.iss);
    if (found.length === 0) throw new FederationError('UnknownIssuer');
    if (typeof header.alg !== 'string' || !signatureAlgorithms.has(header.alg)) {
      throw new FederationError('TokenUnverifiable', undefined, 'algorithm not allowed');
    }
    if (header.kid !== undefined && typeof header.kid !== 'string') {
      throw new FederationError('TokenMalformed', undefined, 'kid is not a string');
    }
    // A ServiceAccount token never carries `crit`; refusing every critical extension is
    // simpler and safer than deciding which ones a library happens to understand.
    if (header.crit !== undefined) {
      throw new FederationError('TokenUnverifiable', undefined, 'crit header not accepted');
    }
    return this.#verifyAgainst(token, header, found, this.#requestCA(request, found), cacheKey);
  }

  async #verifyAgainst(
    token: string,
    header: Record<string, unknown>,
    candidates: readonly Federation[],
    requestCA: string | undefined,
    cacheKey: string,
  ): Promise<Identity> {
    let failure: FederationError | undefined;
    for (const federation of candidates) {
      try {
        const { identity, snapshot } = await this.#authenticateWith(
          federation,
          token,
          header,
          requestCA,
        );
        this.#verified.set(cacheKey, { identity, federation, snapshot }, this.#now());
        return identity;
      } catch (error) {
        failure = moreSpecific(failure, this.#asFederationError(error, federation));
      }
    }
    throw failure as FederationError;
  }

  /**
   * The identity of an earlier verification of the same token, when its federation is
   * still a candidate and still holds the very keys it was verified with.
   */
  #reusable(cacheKey: string, candidates: readonly Federation[]): Identity | undefined {
    const entry = this.#verified.get(cacheKey, this.#now());
    if (!entry) return undefined;
    const name = entry.identity.federation;
    const keySet = this.#keySets.get(name);
    // The same object: a reload that changed anything about the federation ends reuse.
    const isCandidate = candidates.some((federation) => federation === entry.federation);
    if (!isCandidate || !keySet || !keySet.isCurrent(entry.snapshot)) {
      this.#verified.delete(cacheKey);
      return undefined;
    }
    return entry.identity;
  }

  /** Drops the cached keys of federations that were deleted or whose key settings changed. */
  retain(federations: ReadonlyMap<string, Federation>): void {
    for (const [name, keySet] of this.#keySets) {
      const federation = federations.get(name);
      if (!federation || keySetFingerprint(federation) !== keySet.fingerprint) {
        this.#keySets.delete(name);
      }
    }
  }

  /** How old the keys in use are, per federation whose keys were fetched at least once. */
  keySetAges(): { federation: string; ageSeconds: number }[] {
    const ages = [];
    for (const [federation, keySet] of this.#keySets) {
      const fetchedAt = keySet.fetchedAt;
      if (fetchedAt === undefined) continue;
      ages.push({ federation, ageSeconds: Math.max(0, this.#now() - fetchedAt) / 1000 });
    }
    return ages;
  }

  /** Waits for running key fetches, then closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#verified.clear();
    const keySets = [...this.#keySets.values()];
    this.#keySets.clear();
    await Promise.all(keySets.map((keySet) => keySet.settled()));
    await this.#client.close();
  }

  async #authenticateWith(
    federation: Federation,
    token: string,
    header: Record<string, unknown>,
    requestCA: string | undefined,
  ): Promise<{ identity: Identity; snapshot: KeySnapshot }> {
    if (this.#closed) {
      throw new FederationError('IssuerUnreachable', undefined, 'the authenticator is closed');
    }
    if (this.#requireCABundle && !federation.caBundle) {
      this.#warnOnce(
        `require:${federation.name}`,
        federation,
        'federation rejected: the server requires a caBundle and it has none',
      );
      throw new FederationError('IssuerUnreachable', undefined, 'caBundle required');
    }

    const keySet = this.#keySetFor(federation);
    const credentials: FetchCredentials = { token, caPem: federation.caBundle || requestCA };
    let snapshot = await keySet.current(credentials);
    let key = selectKey(snapshot.keys, header);
    if (!key && typeof header.kid === 'string' && !hasKid(snapshot.keys, header.kid)) {
      const refreshed = await keySet.refreshForUnknownKid(credentials);
      if (refreshed) {
        snapshot = refreshed;
        key = selectKey(snapshot.keys, header);
      }
    }
    if (!key) throw new FederationError('TokenUnverifiable', undefined, 'no key fits the token');

    const identity = await verifyServiceAccountToken(token, key, {
      federation: federation.name,
      issuer: snapshot.issuer,
      audiences: federation.audiences,
      clockToleranceSec: this.#clockToleranceSec,
      nowMs: this.#now(),
    });
    return { identity, snapshot };
  }

  #keySetFor(federation: Federation): RemoteKeySet {
    const existing = this.#keySets.get(federation.name);
    if (existing && existing.fingerprint === keySetFingerprint(federation)) return existing;

    const keySet = new RemoteKeySet(
      federation,
      this.#client,
      this.#logger,
      this.#timing,
      this.#keySetObserver,
    );
    this.#keySets.set(federation.name, keySet);
    if (!federation.caBundle) {
      this.#warnOnce(
        `no-ca:${federation.name}:${keySet.fingerprint}`,
        federation,
        'federation has no caBundle: its keys are fetched trusting the ca.crt callers send',
      );
    }
    return keySet;
  }

  /**
   * The request's `ca.crt`, parsed only when some candidate lacks a pinned `caBundle`;
   * otherwise it is never read.
   */
  #requestCA(
    request: AuthenticationRequest,
    candidates: readonly Federation[],
  ): string | undefined {
    if (this.#requireCABundle || candidates.every((federation) => federation.caBundle)) {
      return undefined;
    }
    const value = request.caCert?.trim();
    return value ? parseCABundle(value) : undefined;
  }

  #warnOnce(key: string, federation: Federation, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger.warn({ federation: federation.name }, message);
  }

  #asFederationError(error: unknown, federation: Federation): FederationError {
    if (isFederationError(error)) return error;
    const errorName = error instanceof Error ? error.name : typeof error;
    this.#logger.error(
      { federation: federation.name, errorName },
      'unexpected error while verifying a token',
    );
    return new FederationError('TokenUnverifiable', undefined, 'unexpected error');
  }
}

function moreSpecific(
  current: FederationError | undefined,
  candidate: FederationError,
): FederationError {
  if (!current) return candidate;
  return (specificity[candidate.reason] ?? 0) > (specificity[current.reason] ?? 0)
    ? candidate
    : current;
}
