export { AuthorizationIndex, generatorGrantKey } from './authorization-index.js';
export type { Grants } from './authorization-index.js';
