export { readCaBundle } from './ca-bundle.js';
export type { CaBundleResult } from './ca-bundle.js';
export { watchServerCredentials } from './credentials-watch.js';
export type { CredentialsWatch, CredentialsWatchOptions } from './credentials-watch.js';
export {
  checkServerCredentials,
  describeCredentials,
  loadServerCredentials,
  minTlsVersion,
  readTlsFiles,
  secureContextOptions,
  tlsListenerOptions,
} from './server-credentials.js';
export type { ServerCredentials, ServerTlsFiles, TlsFileTexts } from './server-credentials.js';
