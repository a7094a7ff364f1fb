export { BackendClientCache } from './client-cache.js';
export type { ClientTrust } from './client-cache.js';
export {
  caBundleSchema,
  caProviderSchema,
  secretKeySelectorSchema,
  type CaProvider,
  type SecretKeySelector,
  type TrustSpec,
} from './schema.js';
export { checkClientCertificate, resolveCaPem, type ClientCertificate } from './trust.js';
