import { FederationError } from '../../errors.js';
import { BackendClientCache } from '../backend-tls/index.js';
import { decodeValue } from '../decoding.js';
import { selectProperty } from '../property.js';
import type {
  BackendContext,
  ProviderCallOptions,
  ProviderDefinition,
  RemoteRef,
  SecretProvider,
} from '../provider.js';
import { usesRemoteRefField } from './template.js';
import {
  callWebhook,
  prepareTemplates,
  selectResult,
  type WebhookTemplates,
} from './webhook-call.js';
import { timeoutMsOf, webhookProviderSchema, type WebhookProviderSpec } from './schema.js';

function allParts(templates: WebhookTemplates) {
  return [
    ...templates.url,
    ...(templates.body ?? []),
    ...templates.headers.flatMap(([, parts]) => parts),
  ];
}

/** Reads values by calling an HTTP endpoint built from the templates. */
class WebhookProvider implements SecretProvider {
  readonly #spec: WebhookProviderSpec;
  readonly #context: BackendContext;
  readonly #templates: WebhookTemplates;
  readonly #clients: BackendClientCache;
  readonly #usesProperty: boolean;
  readonly #usesVersion: boolean;

  constructor(spec: WebhookProviderSpec, context: BackendContext) {
    this.#spec = spec;
    this.#context = context;
    this.#templates = prepareTemplates(spec);
    this.#clients = new BackendClientCache({ timeoutMs: timeoutMsOf(spec) });
    const parts = allParts(this.#templates);
    this.#usesProperty = usesRemoteRefField(parts, 'property');
    this.#usesVersion = usesRemoteRefField(parts, 'version');
  }

  async getSecret(ref: RemoteRef, options: ProviderCallOptions = {}): Promise<string> {
    if (ref.metadataPolicy === 'Fetch') {
      throw new FederationError('InvalidRemoteRef', 'the webhook provider has no metadata');
    }
    if (ref.version && !this.#usesVersion) {
      throw new FederationError('InvalidRemoteRef', 'this store does not use remoteRef.version');
    }

    const text = await callWebhook(
      this.#spec,
      this.#templates,
      this.#context,
      (trust) => this.#clients.clientFor(trust),
      { remoteRef: ref, signal: options.signal },
    );
    let value = text;
    if (this.#templates.jsonPath !== undefined) {
      const selected = selectResult(text, this.#templates.jsonPath);
      if (selected === undefined) {
        throw new FederationError('NotFound', undefined, 'jsonPath selects nothing in the answer');
      }
      value = typeof selected.value === 'string' ? selected.value : JSON.stringify(selected.value);
    }
    // A property the templates do not send to the webhook picks from its answer instead.
    if (ref.property && !this.#usesProperty) value = selectProperty(value, ref.property);
    return decodeValue(value, ref.decodingStrategy ?? 'None');
  }

  async close(): Promise<void> {
    await this.#clients.close();
  }
}

/**
 * Creates a webhook store: each read renders `url`, `headers` and `body` with the
 * `remoteRef` and the declared Secrets, calls the endpoint and returns the answer, or the
 * value `result.jsonPath` selects from it.
 */
export function createWebhookProvider(
  spec: WebhookProviderSpec,
  context: BackendContext,
): SecretProvider {
  return new WebhookProvider(spec, context);
}

/** `spec.provider.webhook`: values from an HTTP endpoint. */
export const webhookProvider: ProviderDefinition<WebhookProviderSpec> = {
  key: 'webhook',
  schema: webhookProviderSchema,
  create: createWebhookProvider,
};
