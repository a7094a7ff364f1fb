import { generatorDefinitions } from '../generators/registry.js';
import { providerDefinitions } from '../providers/registry.js';
import {
  authorizationApiVersion,
  authorizationSpecSchema,
  toAuthorizationRule,
} from './authorization-schema.js';
import {
  clusterSecretStoreApiVersion,
  clusterSecretStoreSpecSchema,
} from './cluster-secret-store-schema.js';
import {
  federationApiVersions,
  kubernetesFederationSpecSchema,
  toFederation,
} from './federation-schema.js';
import { clusterGeneratorKind, generatorKinds } from './generator-kinds.js';
import { manifestSchema } from './metadata-schema.js';
import { defineKind, type ResourceKind } from './resource-kind.js';
import { secretSchema, toSecretEntry } from './secret-schema.js';
import { readStoreCacheTtl } from './store-cache-annotation.js';
import type { FieldProblem } from './zod-issues.js';

const conditionsWarning =
  'has no effect here: an Authorization decides which client identities may read this store';

function buildKinds(): ResourceKind[] {
  const storeSpec = clusterSecretStoreSpecSchema(providerDefinitions);
  return [
    defineKind({
      kind: 'KubernetesFederation',
      apiVersions: federationApiVersions,
      namespaced: false,
      schema: manifestSchema(
        federationApiVersions,
        'KubernetesFederation',
        kubernetesFederationSpecSchema,
      ),
      specSchema: kubernetesFederationSpecSchema,
      toResource: (manifest, ref) => ({
        resource: { type: 'federation', ref, federation: toFederation(ref.name, manifest.spec) },
      }),
    }),
    defineKind({
      kind: 'Authorization',
      apiVersions: [authorizationApiVersion],
      namespaced: false,
      schema: manifestSchema([authorizationApiVersion], 'Authorization', authorizationSpecSchema),
      specSchema: authorizationSpecSchema,
      toResource: (manifest, ref) => ({
        resource: {
          type: 'authorization',
          ref,
          rule: toAuthorizationRule(ref.name, manifest.spec),
        },
      }),
    }),
    defineKind({
      kind: 'ClusterSecretStore',
      apiVersions: [clusterSecretStoreApiVersion],
      namespaced: false,
      schema: manifestSchema([clusterSecretStoreApiVersion], 'ClusterSecretStore', storeSpec),
      specSchema: storeSpec,
      toResource: (manifest, ref) => {
        const provider = manifest.spec.provider as Record<string, unknown>;
        const definition = providerDefinitions.find((item) => provider[item.key] !== undefined);
        if (definition === undefined) {
          return { problems: [{ path: ['spec', 'provider'], message: 'must name one provider' }] };
        }
        const warnings: FieldProblem[] = manifest.spec.conditions
          ? [{ path: ['spec', 'conditions'], message: conditionsWarning }]
          : [];
        const cache = readStoreCacheTtl(manifest.metadata.annotations);
        if (cache.problem) return { problems: [cache.problem] };
        const providerSpec = provider[definition.key];
        return {
          resource: {
            type: 'store',
            ref,
            providerKey: definition.key,
            providerSpec,
            definition,
            cacheTtlMs: cache.ttlMs,
          },
          warnings,
        };
      },
    }),
    ...generatorKinds(generatorDefinitions),
    clusterGeneratorKind(generatorDefinitions),
    defineKind({
      kind: 'Secret',
      apiVersions: ['v1'],
      namespaced: true,
      schema: secretSchema,
      toResource: (manifest, ref) => ({
        resource: { type: 'secret', ref, secret: toSecretEntry(ref.namespace, manifest) },
      }),
    }),
  ];
}

let kinds: readonly ResourceKind[] | undefined;

/**
 * Every supported kind. Built on first use from the provider and generator registries, so a
 * new provider or generator needs no change here.
 */
export function resourceKinds(): readonly ResourceKind[] {
  kinds ??= buildKinds();
  return kinds;
}

/** The supported kind of that name, whatever its apiVersion. */
export function findResourceKind(kind: string): ResourceKind | undefined {
  return resourceKinds().find((candidate) => candidate.kind === kind);
}
