export { createVaultProvider, vaultProvider } from './vault-provider.js';
export { VaultClient } from './vault-client.js';
export { vaultProviderSchema, type VaultProviderSpec } from './schema.js';
export { encodeVaultPath, vaultFailure, type VaultResponse } from './vault-transport.js';
export type { CachedLoginOptions } from './auth/index.js';
