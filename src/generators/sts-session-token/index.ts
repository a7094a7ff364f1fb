export {
  createStsSessionTokenGenerator,
  stsSessionTokenGenerator,
} from './sts-session-token-generator.js';
export { stsSessionTokenSpecSchema, type StsSessionTokenSpec } from './schema.js';
