export { createWebhookGenerator, outputsOf, webhookGenerator } from './webhook-generator.js';
export { webhookGeneratorSpecSchema, type WebhookGeneratorSpec } from './schema.js';
