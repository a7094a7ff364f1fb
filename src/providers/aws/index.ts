export { awsProvider, createAwsProvider } from './aws-provider.js';
export { mapAwsError } from './aws-error.js';
export {
  AwsSession,
  awsCallSignal,
  awsCallTimeoutMs,
  sdkClientSettings,
  secondsUntil,
  type AwsCredentials,
  type AwsSessionSpec,
} from './credentials.js';
export {
  awsAuthSchema,
  awsProviderSchema,
  awsSessionFields,
  type AwsAuth,
  type AwsProviderSpec,
} from './schema.js';
