import type { Identity } from '../authn/identity.js';
import type { AuthorizationRule, Federation } from '../resources/model.js';

/** The union of every grant one identity holds through one federation. */
export interface Grants {
  /** Names of the Authorizations that contributed, for logs and `explain`. */
  readonly rules: readonly string[];
  readonly clusterSecretStores: ReadonlySet<string>;
  /** `namespace/kind/name` of each allowed generator. */
  readonly generators: ReadonlySet<string>;
  readonly generatorStateNamespaces: ReadonlySet<string>;
}

const noGrants: Grants = {
  rules: [],
  clusterSecretStores: new Set(),
  generators: new Set(),
  generatorStateNamespaces: new Set(),
};

function identityKey(federation: string, issuer: string, subject: string): string {
  // NUL cannot appear in a Kubernetes name, a URL or a subject, so keys never collide.
  return `${federation}\u0000${issuer}\u0000${subject}`;
}

/** The key an allowed generator is stored under in `Grants.generators`. */
export function generatorGrantKey(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind}/${name}`;
}

/**
 * Authorization rules indexed by (federation, issuer, subject), so a decision costs the
 * same with ten rules or a hundred thousand (SPEC §5). Built once per configuration
 * snapshot; it is immutable, so a reload swaps the whole index and a deleted or narrowed
 * rule stops granting with the next request.
 */
export class AuthorizationIndex {
  readonly #grants = new Map<string, Grants>();
  readonly #federationsByIssuer = new Map<string, string[]>();

  constructor(rules: readonly AuthorizationRule[]) {
    const building = new Map<string, AuthorizationRule[]>();
    for (const rule of rules) {
      const key = identityKey(rule.federation, rule.issuer, rule.subject);
      const list = building.get(key);
      if (list) list.push(rule);
      else building.set(key, [rule]);
      this.#addFederation(rule.issuer, rule.federation);
    }
    for (const [key, list] of building) this.#grants.set(key, mergeGrants(list));
    for (const names of this.#federationsByIssuer.values()) names.sort();
  }

  #addFederation(issuer: string, federation: string): void {
    const names = this.#federationsByIssuer.get(issuer);
    if (!names) this.#federationsByIssuer.set(issuer, [federation]);
    else if (!names.includes(federation)) names.push(federation);
  }

  /**
   * The federations that some rule for this issuer references, in name order, that
   * exist in `federations`: the only ones a token claiming `issuer` is checked against.
   */
  candidateFederations(issuer: string, federations: ReadonlyMap<string, Federation>): Federation[] {
    const names = this.#federationsByIssuer.get(issuer) ?? [];
    const found: Federation[] = [];
    for (const name of names) {
      const federation = federations.get(name);
      if (federation) found.push(federation);
    }
    return found;
  }

  /** Grants for an identity; only rules naming the federation it was verified through. */
  grantsFor(identity: Pick<Identity, 'federation' | 'issuer' | 'subject'>): Grants {
    const key = identityKey(identity.federation, identity.issuer, identity.subject);
    return this.#grants.get(key) ?? noGrants;
  }
}

function mergeGrants(rules: readonly AuthorizationRule[]): Grants {
  const clusterSecretStores = new Set<string>();
  const generators = new Set<string>();
  const generatorStateNamespaces = new Set<string>();
  for (const rule of rules) {
    for (const store of rule.clusterSecretStores) clusterSecretStores.add(store);
    for (const g of rule.generators) generators.add(generatorGrantKey(g.namespace, g.kind, g.name));
    for (const namespace of rule.generatorStateNamespaces) generatorStateNamespaces.add(namespace);
  }
  const names = rules.map((rule) => rule.name).sort();
  return { rules: names, clusterSecretStores, generators, generatorStateNamespaces };
}
