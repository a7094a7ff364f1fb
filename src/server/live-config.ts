import { AuthorizationIndex } from '../authz/index.js';
import type { ConfigSnapshot } from '../resources/model.js';

/** One configuration with its authorization index, replaced whole on every change. */
export interface ActiveConfig {
  readonly snapshot: ConfigSnapshot;
  readonly index: AuthorizationIndex;
}

const emptySnapshot: ConfigSnapshot = {
  federations: new Map(),
  authorizations: [],
  stores: new Map(),
  generators: new Map(),
};

/**
 * Holds the configuration the request path reads. A request takes `current` once and uses
 * it to the end, so a reload in the middle never mixes two configurations; the next
 * request sees the new one, which is how a deleted grant stops working at once.
 */
export class LiveConfig {
  #current: ActiveConfig = { snapshot: emptySnapshot, index: new AuthorizationIndex([]) };
  #isLoaded = false;
  readonly #listeners: ((config: ActiveConfig) => void)[] = [];

  get current(): ActiveConfig {
    return this.#current;
  }

  /** True once a first configuration was applied (readiness). */
  get isLoaded(): boolean {
    return this.#isLoaded;
  }

  apply(snapshot: ConfigSnapshot): void {
    this.#current = { snapshot, index: new AuthorizationIndex(snapshot.authorizations) };
    this.#isLoaded = true;
    for (const listener of this.#listeners) listener(this.#current);
  }

  /** Called after every apply, e.g. to drop key sets of deleted federations. */
  onApply(listener: (config: ActiveConfig) => void): void {
    this.#listeners.push(listener);
  }
}
