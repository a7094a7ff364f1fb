import { vaultTime } from './vault-http.js';

/** A lease handed out with a dynamic secret. */
export interface Lease {
  id: string;
  /** Namespace path the lease was created in. */
  namespace: string;
  issuedAt: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  renewable: boolean;
  /** Undoes what the lease stands for (drops the database user). */
  revoke(): Promise<void>;
}

/**
 * Every live lease of the stand-in. Leases are revoked on request only: a test that checks
 * revocation by the hub must not see the stand-in expire them behind its back.
 */
export class LeaseRegistry {
  readonly #leases = new Map<string, Lease>();
  readonly revoked: string[] = [];

  constructor(private readonly now: () => number) {}

  add(lease: Lease): void {
    this.#leases.set(lease.id, lease);
  }

  find(id: string, namespace: string): Lease | undefined {
    const lease = this.#leases.get(id);
    return lease?.namespace === namespace ? lease : undefined;
  }

  ids(): string[] {
    return [...this.#leases.keys()];
  }

  /** Revokes a lease of the namespace; an unknown one is no error, as in Vault. */
  async revoke(id: string, namespace: string): Promise<void> {
    const lease = this.find(id, namespace);
    if (lease === undefined) return;
    await lease.revoke();
    this.#leases.delete(id);
    this.revoked.push(id);
  }

  /** The `data` of `sys/leases/lookup`. */
  describe(lease: Lease): Record<string, unknown> {
    return {
      id: lease.id,
      issue_time: vaultTime(lease.issuedAt),
      expire_time: vaultTime(lease.expiresAt),
      last_renewal: null,
      renewable: lease.renewable,
      ttl: Math.max(0, Math.floor((lease.expiresAt - this.now()) / 1000)),
    };
  }
}
