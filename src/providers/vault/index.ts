export { createVaultProvider, vaultProvider } from './vault-provider.js';
export { VaultClient } from './vault-client.js';
export { vaultProviderSchema, type VaultProviderSpec } from './schema.js';
export { vaultFailure } from './vault-transport.js';
