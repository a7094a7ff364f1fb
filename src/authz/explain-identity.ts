import type { AuthorizationRule, ConfigSnapshot } from '../resources/model.js';
import { generatorKey } from '../resources/model.js';
import { AuthorizationIndex, generatorGrantKey, type Grants } from './authorization-index.js';

/** The identity an operator asks about, optionally narrowed to one federation. */
export interface ExplainQuery {
  issuer: string;
  subject: string;
  federation?: string;
}

/** One Authorization that grants an item, and the federation it trusts. */
export interface GrantReason {
  federation: string;
  authorization: string;
}

export interface StoreGrant {
  name: string;
  exists: boolean;
  /** The key under `spec.provider`, e.g. `fake`; null when the store does not exist. */
  provider: string | null;
  grantedBy: GrantReason[];
}

export interface GeneratorGrant {
  /** Where the route addresses it, and where its state is recorded. */
  namespace: string;
  kind: string;
  name: string;
  exists: boolean;
  /** The generator kind that runs: a ClusterGenerator's `spec.kind`; null when missing. */
  generatorKind: string | null;
  grantedBy: GrantReason[];
}

export interface GeneratorStateGrant {
  namespace: string;
  grantedBy: GrantReason[];
}

export interface GrantList {
  clusterSecretStores: StoreGrant[];
  generators: GeneratorGrant[];
  generatorStates: GeneratorStateGrant[];
}

/** A federation a token with the asked issuer would be checked against. */
export interface FederationCheck {
  name: string;
  /** False only for a `--federation` that no Authorization with this issuer names. */
  isCandidate: boolean;
  exists: boolean;
  url: string | null;
  jwksURL: string | null;
  isCaBundlePinned: boolean;
  /** `spec.issuer`; null when the discovery document decides. */
  issuer: string | null;
  /** Null when `spec.issuer` is unset: only the live discovery document can tell. */
  issuerMatches: boolean | null;
  /** Null when the audience is not checked. */
  audiences: string[] | null;
  /** A token with this issuer can be accepted through this federation. */
  canVerify: boolean;
  /** The Authorizations that match the identity through this federation. */
  authorizations: string[];
  /** Empty unless `canVerify`. */
  grants: GrantList;
}

export interface AuthorizationVerdict {
  name: string;
  federation: string;
  matches: boolean;
  /** Why it does not match, or why a match grants nothing; empty for a working match. */
  reasons: string[];
}

/** The whole answer of `federation-server explain`. */
export interface Explanation {
  issuer: string;
  subject: string;
  federation: string | null;
  allowed: boolean;
  verdict: string;
  federations: FederationCheck[];
  /** Matching Authorizations first, then near misses; each group by name. */
  authorizations: AuthorizationVerdict[];
  /** The union over every federation that can verify the token. */
  grants: GrantList;
}

const emptyGrants = (): GrantList => ({
  clusterSecretStores: [],
  generators: [],
  generatorStates: [],
});

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Explains what one identity may use under `snapshot`. The decision itself comes from
 * the same `AuthorizationIndex` the server consults per request, so the two cannot
 * disagree; near misses are a diagnostic on top of it.
 */
export function explainIdentity(
  snapshot: ConfigSnapshot,
  query: ExplainQuery,
  index = new AuthorizationIndex(snapshot.authorizations),
): Explanation {
  const referenced = new Set<string>();
  for (const rule of snapshot.authorizations) {
    if (rule.issuer === query.issuer) referenced.add(rule.federation);
  }
  const lookup: Lookup = {
    snapshot,
    query,
    index,
    referenced,
    candidates: new Set(
      index.candidateFederations(query.issuer, snapshot.federations).map((f) => f.name),
    ),
    rules: new Map(snapshot.authorizations.map((rule) => [rule.name, rule])),
  };
  const federations = federationNames(referenced, query).map((name) =>
    checkFederation(name, lookup),
  );
  const matched = federations.flatMap((check) =>
    check.authorizations.map((name) => ({ check, name })),
  );
  const authorizations: AuthorizationVerdict[] = [
    ...matched.map(({ check, name }) => ({
      name,
      federation: check.name,
      matches: true,
      reasons: check.canVerify ? [] : [whyUnverifiable(check, query.issuer)],
    })),
    ...nearMisses(snapshot.authorizations, query),
  ];
  const grants = mergeGrantLists(federations.map((check) => check.grants));
  const allowed = countGrants(grants) > 0;
  return {
    issuer: query.issuer,
    subject: query.subject,
    federation: query.federation ?? null,
    allowed,
    verdict: verdictOf(allowed, matched.length, authorizations),
    federations,
    authorizations,
    grants,
  };
}

/** How many items a grant list holds. */
export function countGrants(grants: GrantList): number {
  return (
    grants.clusterSecretStores.length + grants.generators.length + grants.generatorStates.length
  );
}

function federationNames(referenced: ReadonlySet<string>, query: ExplainQuery): string[] {
  if (query.federation !== undefined) return [query.federation];
  return [...referenced].sort(byName);
}

interface Lookup {
  snapshot: ConfigSnapshot;
  query: ExplainQuery;
  index: AuthorizationIndex;
  /** Federations that some Authorization with the asked issuer names. */
  referenced: ReadonlySet<string>;
  /** The index's candidates: referenced and existing. */
  candidates: ReadonlySet<string>;
  rules: ReadonlyMap<string, AuthorizationRule>;
}

function checkFederation(name: string, lookup: Lookup): FederationCheck {
  const { snapshot, query, index } = lookup;
  const federation = snapshot.federations.get(name);
  const issuerMatches =
    federation?.issuer === undefined ? null : federation.issuer === query.issuer;
  const canVerify = lookup.candidates.has(name) && issuerMatches !== false;
  const found = index.grantsFor({ federation: name, issuer: query.issuer, subject: query.subject });
  return {
    name,
    isCandidate: lookup.referenced.has(name),
    exists: federation !== undefined,
    url: federation?.url ?? null,
    jwksURL: federation?.jwksURL ?? null,
    isCaBundlePinned: Boolean(federation?.caBundle),
    issuer: federation?.issuer ?? null,
    issuerMatches,
    audiences: federation?.audiences ? [...federation.audiences] : null,
    canVerify,
    authorizations: [...found.rules],
    grants: canVerify ? listGrants(name, found, snapshot, lookup.rules) : emptyGrants(),
  };
}

function listGrants(
  federation: string,
  grants: Grants,
  snapshot: ConfigSnapshot,
  rules: ReadonlyMap<string, AuthorizationRule>,
): GrantList {
  const granting = grants.rules.flatMap((name) => rules.get(name) ?? []);
  const reasons = (grantsItem: (rule: AuthorizationRule) => boolean): GrantReason[] =>
    granting.filter(grantsItem).map((rule) => ({ federation, authorization: rule.name }));

  const clusterSecretStores = [...grants.clusterSecretStores].sort(byName).map((name) => {
    const store = snapshot.stores.get(name);
    return {
      name,
      exists: store !== undefined,
      provider: store?.providerKey ?? null,
      grantedBy: reasons((rule) => rule.clusterSecretStores.includes(name)),
    };
  });
  const generators = [...grants.generators].sort(byName).map((key) => {
    const [namespace = '', kind = '', name = ''] = key.split('/');
    // The server looks a ClusterGenerator up without a namespace; the route's is for state.
    const lookup = kind === 'ClusterGenerator' ? '' : namespace;
    const entry = snapshot.generators.get(generatorKey(lookup, kind, name));
    return {
      namespace,
      kind,
      name,
      exists: entry !== undefined,
      generatorKind: entry?.generatorKind ?? null,
      grantedBy: reasons((rule) =>
        rule.generators.some((g) => generatorGrantKey(g.namespace, g.kind, g.name) === key),
      ),
    };
  });
  const generatorStates = [...grants.generatorStateNamespaces].sort(byName).map((namespace) => ({
    namespace,
    grantedBy: reasons((rule) => rule.generatorStateNamespaces.includes(namespace)),
  }));
  return { clusterSecretStores, generators, generatorStates };
}

function mergeGrantLists(lists: readonly GrantList[]): GrantList {
  const merge = <Item extends { grantedBy: GrantReason[] }>(
    items: Item[],
    keyOf: (item: Item) => string,
  ): Item[] => {
    const merged = new Map<string, Item>();
    for (const item of items) {
      const seen = merged.get(keyOf(item));
      if (seen) seen.grantedBy.push(...item.grantedBy);
      else merged.set(keyOf(item), { ...item, grantedBy: [...item.grantedBy] });
    }
    return [...merged.entries()].sort(([a], [b]) => byName(a, b)).map(([, item]) => item);
  };
  return {
    clusterSecretStores: merge(
      lists.flatMap((list) => list.clusterSecretStores),
      (store) => store.name,
    ),
    generators: merge(
      lists.flatMap((list) => list.generators),
      (g) => generatorGrantKey(g.namespace, g.kind, g.name),
    ),
    generatorStates: merge(
      lists.flatMap((list) => list.generatorStates),
      (state) => state.namespace,
    ),
  };
}

function whyUnverifiable(check: FederationCheck, issuer: string): string {
  if (!check.exists) return `KubernetesFederation \`${check.name}\` does not exist`;
  return (
    `KubernetesFederation \`${check.name}\` expects issuer \`${check.issuer ?? ''}\`, ` +
    `so no token with issuer \`${issuer}\` is accepted through it`
  );
}

function nearMisses(
  rules: readonly AuthorizationRule[],
  query: ExplainQuery,
): AuthorizationVerdict[] {
  const verdicts: AuthorizationVerdict[] = [];
  for (const rule of rules) {
    const reasons = nearMissReasons(rule, query);
    if (reasons.length > 0) {
      verdicts.push({ name: rule.name, federation: rule.federation, matches: false, reasons });
    }
  }
  return verdicts.sort((a, b) => byName(a.name, b.name));
}

function verdictOf(
  allowed: boolean,
  matchCount: number,
  authorizations: readonly AuthorizationVerdict[],
): string {
  if (allowed) return 'allowed';
  if (matchCount === 0) return 'denied by default: no Authorization matches';
  const canGrant = authorizations.some(
    (verdict) => verdict.matches && verdict.reasons.length === 0,
  );
  return canGrant
    ? 'denied: the matching Authorizations grant nothing'
    : 'denied: no matching Authorization trusts a federation that can accept this token';
}

/**
 * Why `rule` almost matches the asked identity: same issuer and subject through another
 * federation than `--federation`, a subject that differs only in letter case or
 * whitespace, or an issuer that differs only by a trailing slash. Empty otherwise.
 * Values are quoted as JSON strings so that stray whitespace stays visible.
 */
export function nearMissReasons(rule: AuthorizationRule, query: ExplainQuery): string[] {
  const issuer = rule.issuer === query.issuer ? null : issuerDifference(rule.issuer, query.issuer);
  const subject =
    rule.subject === query.subject ? null : subjectDifference(rule.subject, query.subject);
  if (issuer === undefined || subject === undefined) return [];

  const reasons: string[] = [];
  if (issuer !== null) {
    reasons.push(`issuer ${quote(rule.issuer)} differs ${issuer}`);
  }
  if (subject !== null) {
    reasons.push(`subject ${quote(rule.subject)} differs ${subject}`);
  }
  const otherFederation = query.federation !== undefined && rule.federation !== query.federation;
  if (otherFederation) {
    reasons.push(
      `it trusts KubernetesFederation ${quote(rule.federation)}, not ${quote(query.federation ?? '')}`,
    );
  }
  return reasons;
}

const quote = (text: string): string => JSON.stringify(text);

const withoutTrailingSlash = (text: string): string => text.replace(/\/+$/, '');

/** How two different issuers differ, when only by a trailing slash; else undefined. */
function issuerDifference(written: string, asked: string): string | undefined {
  return withoutTrailingSlash(written) === withoutTrailingSlash(asked)
    ? 'only by a trailing slash'
    : undefined;
}

const withoutWhitespace = (text: string): string => text.replace(/\s+/g, '');

/** How two different subjects differ, when only in case or whitespace; else undefined. */
function subjectDifference(written: string, asked: string): string | undefined {
  if (withoutWhitespace(written) === withoutWhitespace(asked)) return 'only in whitespace';
  if (written.toLowerCase() === asked.toLowerCase()) return 'only in letter case';
  const folded = (text: string): string => withoutWhitespace(text).toLowerCase();
  if (folded(written) === folded(asked)) return 'only in letter case and whitespace';
  return undefined;
}
