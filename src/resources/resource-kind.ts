import type { z } from 'zod';
import type { Resource, ResourceRef } from './resource.js';
import type { FieldProblem } from './zod-issues.js';

/** What turning a validated manifest into a resource produced. */
export type KindResult =
  { resource: Resource; warnings?: FieldProblem[] } | { problems: FieldProblem[] };

/** One supported kind: where it lives, how it is validated, how it is normalised. */
export interface ResourceKind {
  kind: string;
  /** Accepted `apiVersion`s; the first is the preferred one. */
  apiVersions: readonly [string, ...string[]];
  /** Namespaced kinds need `metadata.namespace`; cluster-scoped ones must not have it. */
  namespaced: boolean;
  /** The whole manifest. */
  schema: z.ZodType;
  /** The `spec` alone: the one source of this kind's CRD schema. Absent for Secret. */
  specSchema?: z.ZodType;
  /** Normalises a manifest that `schema` accepted. */
  toResource(manifest: unknown, ref: ResourceRef): KindResult;
}

/** Builds a kind whose `toResource` sees the schema's output type. */
export function defineKind<S extends z.ZodType>(kind: {
  kind: string;
  apiVersions: readonly [string, ...string[]];
  namespaced: boolean;
  schema: S;
  specSchema?: z.ZodType;
  toResource(manifest: z.output<S>, ref: ResourceRef): KindResult;
}): ResourceKind {
  return { ...kind, toResource: (manifest, ref) => kind.toResource(manifest as z.output<S>, ref) };
}
