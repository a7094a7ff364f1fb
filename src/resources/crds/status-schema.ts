import type { StructuralSchema } from './structural-schema.js';

/** One entry of `status.conditions`, in the shape of Kubernetes' `metav1.Condition`. */
export const conditionSchema: StructuralSchema = {
  type: 'object',
  description: 'One aspect of the current state of this object.',
  properties: {
    type: { type: 'string', description: 'Name of the condition, e.g. KeysFetched.' },
    status: {
      type: 'string',
      enum: ['True', 'False', 'Unknown'],
      description: 'Whether the condition holds: True, False or Unknown.',
    },
    reason: { type: 'string', description: 'One CamelCase word saying why.' },
    message: { type: 'string', description: 'Human-readable detail; names, never secrets.' },
    lastTransitionTime: {
      type: 'string',
      format: 'date-time',
      description: 'When status last changed.',
    },
    observedGeneration: {
      type: 'integer',
      minimum: 0,
      description: 'metadata.generation of the object when the condition was set.',
    },
  },
  required: ['type', 'status'],
};

const conditionsSchema: StructuralSchema = {
  type: 'array',
  description: 'Conditions written by the Federation Server, at most one per type.',
  items: conditionSchema,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
};

/** Fields of `status` beyond conditions, per kind. */
export type StatusFields = Record<string, StructuralSchema>;

/**
 * The `status` schema of a CRD: `conditions`, `observedGeneration` and `fields`. With
 * `keepUnknown`, fields written by another controller (the External Secrets Operator on
 * the kinds it shares with us) survive instead of being pruned.
 */
export function statusSchema(fields: StatusFields, keepUnknown: boolean): StructuralSchema {
  const schema: StructuralSchema = {
    type: 'object',
    description: 'Observed state, written by controllers through the status subresource.',
    properties: {
      conditions: conditionsSchema,
      observedGeneration: {
        type: 'integer',
        minimum: 0,
        description: 'metadata.generation that the status describes.',
      },
      ...fields,
    },
  };
  if (keepUnknown) schema['x-kubernetes-preserve-unknown-fields'] = true;
  return schema;
}
