export { AuthorizationIndex, generatorGrantKey } from './authorization-index.js';
export type { Grants } from './authorization-index.js';
export { countGrants, explainIdentity } from './explain-identity.js';
export type { Explanation, FederationCheck, GrantList } from './explain-identity.js';
