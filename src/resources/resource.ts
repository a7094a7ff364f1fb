import type { GeneratorDefinition } from '../generators/generator.js';
import type { ProviderDefinition } from '../providers/provider.js';
import type { AuthorizationRule, Federation, SecretEntry } from './model.js';

/** Where a manifest was read from: enough to name it in a message. */
export interface ResourceOrigin {
  /** The file, or another source name (e.g. the Kubernetes object it came from). */
  file: string;
  /** 1-based document inside the file. */
  documentIndex?: number;
  /** Field path of the object inside its document, e.g. `items[2]` for a `kind: List`. */
  path?: string;
  /** 1-based line where the object starts, when the source text is known. */
  line?: number;
}

/** Identity of a validated object plus where it came from. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  origin: ResourceOrigin;
}

/** A KubernetesFederation, normalised. */
export interface FederationResource {
  type: 'federation';
  ref: ResourceRef;
  federation: Federation;
}

/** An Authorization, normalised to one rule. */
export interface AuthorizationResource {
  type: 'authorization';
  ref: ResourceRef;
  rule: AuthorizationRule;
}

/** A ClusterSecretStore with its validated provider block; the provider is built later. */
export interface StoreResource {
  type: 'store';
  ref: ResourceRef;
  providerKey: string;
  providerSpec: unknown;
  definition: ProviderDefinition;
  /** Response cache TTL from the store's cache annotation, in ms; absent: no cache. */
  cacheTtlMs?: number;
}

/** A namespaced generator or a ClusterGenerator; the instance is built later. */
export interface GeneratorResource {
  type: 'generator';
  ref: ResourceRef;
  /** The kind that runs: the manifest's kind, or a ClusterGenerator's `spec.kind`. */
  generatorKind: string;
  /** The validated spec handed to `definition.create`. */
  spec: unknown;
  definition: GeneratorDefinition;
}

/** A core `v1` Secret. */
export interface SecretResource {
  type: 'secret';
  ref: ResourceRef;
  secret: SecretEntry;
}

/** One validated, normalised manifest. */
export type Resource =
  FederationResource | AuthorizationResource | StoreResource | GeneratorResource | SecretResource;

/** The identity used to detect duplicates: kind, namespace and name. */
export function resourceIdentity(ref: ResourceRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}
