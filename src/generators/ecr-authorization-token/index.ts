export {
  createEcrAuthorizationTokenGenerator,
  ecrAuthorizationTokenGenerator,
  splitAuthorizationToken,
} from './ecr-authorization-token-generator.js';
export { ecrAuthorizationTokenSpecSchema, type EcrAuthorizationTokenSpec } from './schema.js';
