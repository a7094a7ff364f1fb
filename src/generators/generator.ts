import type { z } from 'zod';

import type { BackendContext } from '../providers/provider.js';

/** What a generator produced, and what it needs to revoke it later. */
export interface GeneratedValues {
  /** Output keys to string values, e.g. `{ password: "..." }`. */
  values: Record<string, string>;
  /**
   * JSON-serialisable state needed to revoke the values later (e.g. a Vault lease id).
   * Stored with the generator state, never logged, never returned to the client.
   */
  providerState?: unknown;
  /** Seconds after which the values are useless anyway; bounds the state's deadline. */
  ttlSeconds?: number;
}

/** Passed to every generator call. */
export interface GeneratorCallOptions {
  signal?: AbortSignal;
}

/** One configured generator, built from its spec. */
export interface Generator {
  generate(options?: GeneratorCallOptions): Promise<GeneratedValues>;
  /**
   * Undoes what `generate` handed out, given its `providerState`. Absent for values that
   * need no revocation (a random password is simply forgotten). Must be idempotent.
   */
  revoke?(providerState: unknown, options?: GeneratorCallOptions): Promise<void>;
}

/** Registers one generator kind (`generators.external-secrets.io/v1alpha1`). */
export interface GeneratorDefinition<Spec = unknown> {
  /** The Kubernetes kind, e.g. `Password`. */
  readonly kind: string;
  /** The key of this kind inside a ClusterGenerator's `spec.generator`, e.g. `passwordSpec`. */
  readonly clusterGeneratorKey: string;
  /** The one schema source of this kind's `spec`. */
  readonly schema: z.ZodType<Spec>;
  create(spec: Spec, context: BackendContext): Generator;
}
