import { badRequest, randomBase62, vaultTime } from './vault-http.js';

/** Vault's policy capabilities. */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'deny';

/** One `path "..." { capabilities = [...] }` stanza of a policy. */
export interface PolicyRule {
  /** An API path without `/v1/`; `*` at the end matches any rest, `+` one segment. */
  path: string;
  capabilities: Capability[];
}

/** How a token is issued: by a login, or directly by a test. */
export interface TokenGrant {
  /** Namespace path the token belongs to; `''` is the root namespace. */
  namespace: string;
  policies: string[];
  /** Seconds; 0 means the token never expires (as a root token). */
  ttlSeconds: number;
  /** Seconds from issue after which renewals stop extending it; default 10 × ttl. */
  maxTtlSeconds?: number;
  /** Default true for tokens with a TTL. */
  renewable?: boolean;
  /** The path that created it, e.g. `auth/approle/login`. */
  path: string;
  displayName?: string;
  metadata?: Record<string, string>;
}

/** A live token. */
export interface TokenEntry {
  id: string;
  accessor: string;
  namespace: string;
  policies: string[];
  path: string;
  displayName: string;
  metadata: Record<string, string>;
  issuedAt: number;
  /** The TTL asked for at creation, seconds. */
  creationTtl: number;
  /** Milliseconds since the epoch; undefined when it never expires. */
  expiresAt: number | undefined;
  /** Milliseconds since the epoch; renewals never go past it. */
  maxExpiresAt: number | undefined;
  renewable: boolean;
  /** The TTL of the latest renewal or of the creation, seconds. */
  lastTtl: number;
}

/** Every token of the stand-in, whatever its namespace (a token id is global in Vault). */
export class TokenStore {
  readonly #tokens = new Map<string, TokenEntry>();

  constructor(private readonly now: () => number) {}

  issue(grant: TokenGrant): TokenEntry {
    const issuedAt = this.now();
    const ttl = grant.ttlSeconds;
    const maxTtl = grant.maxTtlSeconds ?? ttl * 10;
    const entry: TokenEntry = {
      id: `hvs.${randomBase62(24)}`,
      accessor: randomBase62(24),
      namespace: grant.namespace,
      policies: grant.policies,
      path: grant.path,
      displayName: grant.displayName ?? 'token',
      metadata: grant.metadata ?? {},
      issuedAt,
      creationTtl: ttl,
      expiresAt: ttl > 0 ? issuedAt + ttl * 1000 : undefined,
      maxExpiresAt: ttl > 0 ? issuedAt + maxTtl * 1000 : undefined,
      renewable: grant.renewable ?? ttl > 0,
      lastTtl: ttl,
    };
    this.#tokens.set(entry.id, entry);
    return entry;
  }

  /** The live token with that id; an expired one is forgotten, as Vault's tidy would. */
  find(id: string): TokenEntry | undefined {
    const entry = this.#tokens.get(id);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.#tokens.delete(id);
      return undefined;
    }
    return entry;
  }

  /** The live token with that accessor. */
  findByAccessor(accessor: string): TokenEntry | undefined {
    for (const entry of this.#tokens.values()) {
      if (entry.accessor === accessor) return this.find(entry.id);
    }
    return undefined;
  }

  revoke(id: string): boolean {
    return this.#tokens.delete(id);
  }

  /** Makes a token expire now, as if its TTL had run out. */
  expire(id: string): void {
    const entry = this.#tokens.get(id);
    if (entry) entry.expiresAt = this.now();
  }

  /**
   * Extends a token by `increment` seconds (default: its creation TTL), never past its
   * max TTL. Returns the new TTL in seconds.
   */
  renew(entry: TokenEntry, increment: number | undefined): number {
    if (!entry.renewable || entry.expiresAt === undefined || entry.maxExpiresAt === undefined) {
      throw badRequest('lease is not renewable');
    }
    const now = this.now();
    const wanted = (increment ?? entry.creationTtl) * 1000;
    const granted = Math.max(0, Math.min(wanted, entry.maxExpiresAt - now));
    entry.expiresAt = now + granted;
    entry.lastTtl = Math.floor(granted / 1000);
    return entry.lastTtl;
  }

  /** Seconds left, 0 for a token that never expires. */
  ttlOf(entry: TokenEntry): number {
    if (entry.expiresAt === undefined) return 0;
    return Math.max(0, Math.floor((entry.expiresAt - this.now()) / 1000));
  }

  /** The `data` of `auth/token/lookup-self`. */
  describe(entry: TokenEntry): Record<string, unknown> {
    return {
      accessor: entry.accessor,
      creation_time: Math.floor(entry.issuedAt / 1000),
      creation_ttl: entry.creationTtl,
      display_name: entry.displayName,
      entity_id: '',
      expire_time: entry.expiresAt === undefined ? null : vaultTime(entry.expiresAt),
      explicit_max_ttl: 0,
      id: entry.id,
      issue_time: vaultTime(entry.issuedAt),
      meta: entry.metadata,
      num_uses: 0,
      orphan: true,
      path: entry.path,
      policies: ['default', ...entry.policies],
      renewable: entry.renewable,
      ttl: this.ttlOf(entry),
      type: 'service',
      ...(entry.namespace === '' ? {} : { namespace_path: `${entry.namespace}/` }),
    };
  }

  /** The `auth` block of a login or a renewal. */
  authBlock(entry: TokenEntry, leaseDuration: number): Record<string, unknown> {
    return {
      client_token: entry.id,
      accessor: entry.accessor,
      policies: ['default', ...entry.policies],
      token_policies: ['default', ...entry.policies],
      metadata: entry.metadata,
      lease_duration: leaseDuration,
      renewable: entry.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }
}

// Every token may look itself up, renew and revoke itself: Vault's `default` policy.
const defaultPolicy: PolicyRule[] = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
  { path: 'auth/token/revoke-self', capabilities: ['update'] },
];

function matches(pattern: string, path: string): boolean {
  const isPrefix = pattern.endsWith('*');
  const patternSegments = (isPrefix ? pattern.slice(0, -1) : pattern).split('/');
  const pathSegments = path.split('/');
  for (let index = 0; index < patternSegments.length; index += 1) {
    const expected = patternSegments[index] ?? '';
    const actual = pathSegments[index];
    if (actual === undefined) return false;
    const isLast = index === patternSegments.length - 1;
    if (expected === '+') continue;
    if (isLast && isPrefix) return actual.startsWith(expected);
    if (expected !== actual) return false;
  }
  return isPrefix || pathSegments.length === patternSegments.length;
}

/**
 * Whether the rules grant `capability` on `path`. Of the matching patterns the most
 * specific one (the longest, an exact one before a glob) decides; `deny` wins outright.
 */
export function isAllowed(rules: PolicyRule[], path: string, capability: Capability): boolean {
  const matching = [...defaultPolicy, ...rules].filter((rule) => matches(rule.path, path));
  if (matching.some((rule) => rule.capabilities.includes('deny'))) return false;
  const specificity = (rule: PolicyRule): number =>
    rule.path.length * 2 + (rule.path.endsWith('*') ? 0 : 1);
  const best = matching.sort((a, b) => specificity(b) - specificity(a))[0];
  // Stanzas for the same path in several policies add up, as in Vault.
  return matching.some(
    (rule) => rule.path === best?.path && rule.capabilities.includes(capability),
  );
}
