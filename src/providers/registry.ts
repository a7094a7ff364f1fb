import { awsProvider } from './aws/index.js';
import { fakeProvider } from './fake/index.js';
import { kubernetesProvider } from './kubernetes/index.js';
import type { ProviderDefinition } from './provider.js';
import { webhookProvider } from './webhook/index.js';
import { vaultProvider } from './vault/index.js';

/** Every supported `spec.provider.<key>` of ClusterSecretStore; one line per provider. */
export const providerDefinitions: readonly ProviderDefinition[] = [
  fakeProvider,
  kubernetesProvider,
  awsProvider,
  webhookProvider,
  vaultProvider,
];

export function findProvider(key: string): ProviderDefinition | undefined {
  return providerDefinitions.find((definition) => definition.key === key);
}
