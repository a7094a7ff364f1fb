import type { z } from 'zod';

import {
  generatorStateApiVersion,
  generatorStateKind,
  generatorStateSpecSchema,
} from '../generator-state-schema.js';
import { resourceKinds } from '../resource-kinds.js';
import { crdLayout, type PrinterColumn } from './crd-layouts.js';
import { statusSchema } from './status-schema.js';
import { toStructuralSchema, type StructuralSchema } from './structural-schema.js';

/** An `apiextensions.k8s.io/v1` CustomResourceDefinition, as far as we write one. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: StructuralSchema };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

/** What one CRD is built from. */
interface CrdSource {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  specSchema: z.ZodType;
  /** `spec` must be present: every kind except generators, whose spec may be empty. */
  specRequired: boolean;
}

/** Label on every generated CRD, so that an operator can list them. */
export const crdPartOfLabel = { 'app.kubernetes.io/part-of': 'federation-server' };

function rootSchema(source: CrdSource, status: StructuralSchema): StructuralSchema {
  const spec = toStructuralSchema(source.specSchema);
  return {
    type: 'object',
    description: `${source.kind} of the Federation Server.`,
    properties: {
      apiVersion: { type: 'string', description: 'API group and version.' },
      kind: { type: 'string', description: 'Kind of the object.' },
      metadata: { type: 'object' },
      spec,
      status,
    },
    required: source.specRequired ? ['spec'] : [],
  };
}

function buildCrd(source: CrdSource): CustomResourceDefinition {
  const [group = '', version = ''] = source.apiVersion.split('/');
  const layout = crdLayout(group, source.kind);
  const root = rootSchema(source, statusSchema(layout.status, layout.sharedWithEso));
  if (root.required?.length === 0) delete root.required;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${layout.plural}.${group}`, labels: { ...crdPartOfLabel } },
    spec: {
      group,
      names: {
        kind: source.kind,
        listKind: `${source.kind}List`,
        plural: layout.plural,
        singular: source.kind.toLowerCase(),
        ...(layout.shortNames.length > 0 ? { shortNames: [...layout.shortNames] } : {}),
        categories: [...layout.categories],
      },
      scope: source.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: root },
          subresources: { status: {} },
          additionalPrinterColumns: layout.columns.map((column) => ({ ...column })),
        },
      ],
    },
  };
}

function crdSources(): CrdSource[] {
  const sources: CrdSource[] = [];
  for (const kind of resourceKinds()) {
    // Secret is the core v1 kind: Kubernetes serves it, there is no CRD to write.
    if (kind.specSchema === undefined) continue;
    const specSchema = kind.specSchema;
    const specRequired = !specSchema.safeParse(undefined).success;
    for (const apiVersion of kind.apiVersions) {
      sources.push({
        apiVersion,
        kind: kind.kind,
        namespaced: kind.namespaced,
        specSchema,
        specRequired,
      });
    }
  }
  sources.push({
    apiVersion: generatorStateApiVersion,
    kind: generatorStateKind,
    namespaced: true,
    specSchema: generatorStateSpecSchema,
    specRequired: true,
  });
  return sources;
}

/**
 * Every CustomResourceDefinition the server reads or writes in Kubernetes mode, built from
 * the same schemas it validates with: one per kind and API group.
 */
export function buildCrds(): CustomResourceDefinition[] {
  return crdSources().map(buildCrd);
}
