import { FederationError } from '../../errors.js';
import { BackendHttpClient } from '../../providers/http/index.js';
import type { BackendContext } from '../../providers/provider.js';
import {
  callWebhook,
  prepareTemplates,
  selectResult,
  timeoutMsOf,
} from '../../providers/webhook/index.js';
import type {
  GeneratedValues,
  Generator,
  GeneratorCallOptions,
  GeneratorDefinition,
} from '../generator.js';
import { webhookGeneratorSpecSchema, type WebhookGeneratorSpec } from './schema.js';

/**
 * The outputs from the selected value: a JSON object, or a string holding one (as the
 * External Secrets Operator accepts). String members are taken as they are, others as
 * JSON text.
 */
export function outputsOf(selected: unknown): Record<string, string> {
  let value = selected;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FederationError('BackendError', undefined, 'jsonPath selects no JSON object');
  }
  const outputs: Record<string, string> = {};
  for (const [key, member] of Object.entries(value)) {
    outputs[key] = typeof member === 'string' ? member : JSON.stringify(member);
  }
  return outputs;
}

/**
 * Creates a Webhook generator: every call renders the templates with the declared
 * Secrets, calls the endpoint, and returns the members of the object `result.jsonPath`
 * selects. Nothing is kept to revoke.
 */
export function createWebhookGenerator(
  spec: WebhookGeneratorSpec,
  context: BackendContext,
): Generator {
  const templates = prepareTemplates(spec);
  return {
    async generate(options: GeneratorCallOptions = {}): Promise<GeneratedValues> {
      // A client per call: a generator has no close, so no connection may outlive the call.
      let client: BackendHttpClient | undefined;
      try {
        const text = await callWebhook(
          spec,
          templates,
          context,
          (trust) => (client = new BackendHttpClient({ ...trust, timeoutMs: timeoutMsOf(spec) })),
          { signal: options.signal },
        );
        const selected = templates.jsonPath && selectResult(text, templates.jsonPath);
        if (!selected) {
          throw new FederationError('BackendError', undefined, 'jsonPath selects nothing');
        }
        return { values: outputsOf(selected.value) };
      } finally {
        await client?.close();
      }
    },
  };
}

/** The `Webhook` generator kind (`webhookSpec` inside a ClusterGenerator). */
export const webhookGenerator: GeneratorDefinition<WebhookGeneratorSpec> = {
  kind: 'Webhook',
  clusterGeneratorKey: 'webhookSpec',
  schema: webhookGeneratorSpecSchema,
  create: createWebhookGenerator,
};
