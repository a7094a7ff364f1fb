export {
  Authenticator,
  type AuthenticationRequest,
  type AuthenticatorOptions,
} from './authenticator.js';
export { parseCABundle } from './ca-bundle.js';
export type { Identity } from './identity.js';
export type { KeySetObserver } from './remote-key-set.js';
