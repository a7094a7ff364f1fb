import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Logger } from 'pino';

import { FederationError } from '../errors.js';
import type { Federation } from '../resources/model.js';
import { FetchFailure, type HttpsClient } from './https-client.js';
import { importJwks, type VerificationKey } from './verification-key.js';

/** The keys of one federation as last fetched, with the issuer tokens must name. */
export interface KeySnapshot {
  keys: readonly VerificationKey[];
  /** `spec.issuer`, or else the `issuer` of the discovery document. */
  issuer: string;
  /** When the keys were fetched, in milliseconds of the authenticator's clock. */
  fetchedAt: number;
}

/**
 * What a fetch uses, taken from the request that causes it: the caller's token goes to the
 * API server as a bearer token, and the CA is the federation's `caBundle` or else the
 * request's `ca.crt` (already chosen by the caller of this module).
 */
export interface FetchCredentials {
  token: string;
  caPem: string | undefined;
}

export interface KeySetTiming {
  /** Milliseconds between two refreshes for an unknown `kid`, and between failed retries. */
  unknownKidCooldownMs: number;
  /** Age in milliseconds after which keys are refreshed in the background. */
  refreshIntervalMs: number;
  /** Age in milliseconds after which keys are no longer used while the issuer is down. */
  maxStaleMs: number;
  now: () => number;
}

/**
 * Told about every fetch of a federation's keys once it ends, e.g. to count them in the
 * metrics. Fetches that never started (no CA to reach the issuer) are not reported.
 */
export interface KeySetObserver {
  /**
   * `detail` says what was fetched (`keys`: how many usable keys) or where it failed
   * (`failure`: the step and kind, e.g. `jwks: unreachable`); never a key or a token.
   */
  keySetFetched(
    federation: string,
    result: 'success' | 'failure',
    detail?: { keys?: number; failure?: string },
  ): void;
}

export const discoveryPath = '/.well-known/openid-configuration';

/**
 * The signing keys of one federation, fetched from its API server and shared by every
 * request for that federation, whatever CA the requests carried. Concurrent fetches are
 * collapsed into one.
 */
export class RemoteKeySet {
  readonly federation: Federation;
  /** Identifies the federation settings the keys depend on; a change means a new set. */
  readonly fingerprint: string;

  #snapshot: KeySnapshot | undefined;
  #inflight: Promise<KeySnapshot> | undefined;
  #lastUnknownKidRefresh = Number.NEGATIVE_INFINITY;
  #retryNotBefore = Number.NEGATIVE_INFINITY;
  readonly #client: HttpsClient;
  readonly #logger: Logger;
  readonly #timing: KeySetTiming;
  readonly #observer: KeySetObserver | undefined;

  constructor(
    federation: Federation,
    client: HttpsClient,
    logger: Logger,
    timing: KeySetTiming,
    observer?: KeySetObserver,
  ) {
    this.federation = federation;
    this.fingerprint = keySetFingerprint(federation);
    this.#client = client;
    this.#logger = logger.child({ federation: federation.name });
    this.#timing = timing;
    this.#observer = observer;
  }

  /** When the keys in use were fetched (the authenticator's clock, ms); `undefined` before. */
  get fetchedAt(): number | undefined {
    return this.#snapshot?.fetchedAt;
  }

  /**
   * Keys to verify with now. Fetches them on first use; when they are older than the refresh
   * interval, returns them and refreshes in the background; past the maximum staleness,
   * fetches again and fails closed (`IssuerUnreachable`) when that does not work.
   */
  async current(credentials: FetchCredentials): Promise<KeySnapshot> {
    const snapshot = this.#snapshot;
    const age = snapshot ? this.#timing.now() - snapshot.fetchedAt : Number.POSITIVE_INFINITY;
    if (snapshot && age <= this.#timing.maxStaleMs) {
      if (age >= this.#timing.refreshIntervalMs) this.#refreshInBackground(credentials);
      return snapshot;
    }
    return this.#fetch(credentials);
  }

  /**
   * Fetches again because a token names a `kid` the set does not have, at most once per
   * cooldown. Resolves to the new keys, or `undefined` when the cooldown forbids a fetch or
   * the fetch failed (the last good keys stay in place).
   */
  async refreshForUnknownKid(credentials: FetchCredentials): Promise<KeySnapshot | undefined> {
    const now = this.#timing.now();
    if (!credentials.caPem) return undefined;
    if (now - this.#lastUnknownKidRefresh < this.#timing.unknownKidCooldownMs) return undefined;
    this.#lastUnknownKidRefresh = now;
    return this.#fetch(credentials).catch(() => undefined);
  }

  /**
   * True while `snapshot` is the key set in use and not past the maximum staleness: a
   * verification made with it may be reused. Any fetch replaces the snapshot, so cached
   * verifications end whenever the keys are fetched again.
   */
  isCurrent(snapshot: KeySnapshot): boolean {
    return (
      this.#snapshot === snapshot &&
      this.#timing.now() - snapshot.fetchedAt <= this.#timing.maxStaleMs
    );
  }

  /** Resolves once no fetch for this set is running. */
  async settled(): Promise<void> {
    await this.#inflight?.catch(() => undefined);
  }

  #refreshInBackground(credentials: FetchCredentials): void {
    if (this.#inflight || !credentials.caPem) return;
    if (this.#timing.now() < this.#retryNotBefore) return;
    this.#fetch(credentials).catch(() => {
      this.#retryNotBefore = this.#timing.now() + this.#timing.unknownKidCooldownMs;
    });
  }

  #fetch(credentials: FetchCredentials): Promise<KeySnapshot> {
    if (this.#inflight) return this.#inflight;
    const fetching = this.#load(credentials).then((snapshot) => {
      this.#snapshot = snapshot;
      return snapshot;
    });
    this.#inflight = fetching;
    const clear = (): void => {
      if (this.#inflight === fetching) this.#inflight = undefined;
    };
    fetching.then(clear, clear);
    return fetching;
  }

  async #load({ token, caPem }: FetchCredentials): Promise<KeySnapshot> {
    if (!caPem) {
      this.#logger.warn(
        'no CA to reach the issuer: the federation has no caBundle and the request no ca.crt',
      );
      throw new FederationError('IssuerUnreachable', undefined, 'no CA to reach the issuer');
    }

    const started = performance.now();
    let step: 'discovery' | 'jwks' = 'discovery';
    let issuer = this.federation.issuer;
    try {
      let jwksUrl = this.federation.jwksURL;
      if (!issuer || !jwksUrl) {
        const discovery = asObject(await this.#client.getJson(this.#discoveryUrl(), caPem, token));
        issuer ||= discoveredIssuer(discovery);
        jwksUrl ||= this.#jwksUrlFrom(discovery);
      }

      step = 'jwks';
      const bearer = sameOrigin(jwksUrl, this.federation.url) ? token : undefined;
      const keys = importJwks(await this.#client.getJson(jwksUrl, caPem, bearer));
      if (keys.length === 0) throw new KeySetFailure('no-usable-keys');

      const durationMs = Math.round(performance.now() - started);
      this.#logger.info({ issuer, durationMs, keys: keys.length }, 'issuer keys fetched');
      this.#observer?.keySetFetched(this.federation.name, 'success', { keys: keys.length });
      return { keys, issuer, fetchedAt: this.#timing.now() };
    } catch (error) {
      const kind =
        error instanceof FetchFailure || error instanceof KeySetFailure ? error.kind : 'unexpected';
      const extra = error instanceof FetchFailure ? { code: error.code, status: error.status } : {};
      this.#logger.warn(
        {
          issuer,
          step,
          failure: kind,
          ...extra,
          durationMs: Math.round(performance.now() - started),
          hasCachedKeys: this.#snapshot !== undefined,
        },
        'issuer keys fetch failed',
      );
      this.#observer?.keySetFetched(this.federation.name, 'failure', {
        failure: `${step}: ${kind}`,
      });
      throw new FederationError('IssuerUnreachable', undefined, `${step}: ${kind}`);
    }
  }

  #discoveryUrl(): string {
    return `${baseUrl(this.federation.url)}${discoveryPath}`;
  }

  /**
   * The JWKS URL from discovery: our own URL of the API server plus the path of `jwks_uri`.
   * The host in `jwks_uri` is usually the in-cluster service address, which the hub cannot
   * reach and must not be made to contact.
   */
  #jwksUrlFrom(discovery: Record<string, unknown>): string {
    const jwksUri = discovery.jwks_uri;
    if (typeof jwksUri !== 'string') throw new KeySetFailure('discovery-without-jwks-uri');
    let advertised: URL;
    try {
      advertised = new URL(jwksUri);
    } catch {
      throw new KeySetFailure('discovery-without-jwks-uri');
    }
    return `${baseUrl(this.federation.url)}${advertised.pathname}${advertised.search}`;
  }
}

/** The settings of a federation that decide which keys it has (not the audiences). */
export function keySetFingerprint(federation: Federation): string {
  const ca = federation.caBundle
    ? createHash('sha256').update(federation.caBundle).digest('hex')
    : '';
  return JSON.stringify([federation.url, ca, federation.issuer ?? '', federation.jwksURL ?? '']);
}

class KeySetFailure extends Error {
  readonly kind: string;

  constructor(kind: string) {
    super(`issuer keys unusable: ${kind}`);
    this.kind = kind;
  }
}

function asObject(document: unknown): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new KeySetFailure('discovery-not-an-object');
  }
  return document as Record<string, unknown>;
}

function discoveredIssuer(discovery: Record<string, unknown>): string {
  const issuer = discovery.issuer;
  if (typeof issuer !== 'string' || issuer === '') {
    throw new KeySetFailure('discovery-without-issuer');
  }
  return issuer;
}

function baseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The caller's token is a credential for its own API server: never send it elsewhere. */
function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
