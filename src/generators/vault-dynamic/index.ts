export { createVaultDynamicGenerator, vaultDynamicGenerator } from './vault-dynamic-generator.js';
export { vaultDynamicSpecSchema, type VaultDynamicSpec } from './schema.js';
export type { VaultLeaseState } from './result.js';
