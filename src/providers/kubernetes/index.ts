export { createKubernetesProvider, kubernetesProvider } from './kubernetes-provider.js';
export { kubernetesProviderSchema, type KubernetesProviderSpec } from './schema.js';
