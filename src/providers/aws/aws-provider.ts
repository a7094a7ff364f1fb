import type { BackendContext, ProviderDefinition, SecretProvider } from '../provider.js';
import { AwsSession } from './credentials.js';
import { ParameterStore } from './parameter-store.js';
import { awsProviderSchema, type AwsProviderSpec } from './schema.js';
import { SecretsManagerStore } from './secrets-manager.js';

/**
 * Creates a store reading AWS Secrets Manager or Parameter Store. One SDK client per
 * store, reused by every call and destroyed by `close`.
 */
export function createAwsProvider(spec: AwsProviderSpec, context: BackendContext): SecretProvider {
  const session = new AwsSession(spec, context);
  return spec.service === 'SecretsManager'
    ? new SecretsManagerStore(session, spec.prefix)
    : new ParameterStore(session, spec.prefix);
}

/** `spec.provider.aws`: AWS Secrets Manager or Systems Manager Parameter Store. */
export const awsProvider: ProviderDefinition<AwsProviderSpec> = {
  key: 'aws',
  schema: awsProviderSchema,
  create: createAwsProvider,
};
