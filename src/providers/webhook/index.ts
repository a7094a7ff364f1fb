export { createWebhookProvider, webhookProvider } from './webhook-provider.js';
export {
  callWebhook,
  prepareTemplates,
  selectResult,
  type WebhookCallInput,
  type WebhookTemplates,
} from './webhook-call.js';
export {
  checkWebhookSpec,
  timeoutMsOf,
  webhookFields,
  webhookProviderSchema,
  type WebhookCallSpec,
  type WebhookProviderSpec,
} from './schema.js';
export { parseJsonPath, followJsonPath, type JsonPath } from './json-path.js';
export { parseTemplate, renderTemplate, type TemplatePart } from './template.js';
