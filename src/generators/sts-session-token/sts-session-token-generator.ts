import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';

import { FederationError } from '../../errors.js';
import { AwsSession, awsCallSignal, mapAwsError, secondsUntil } from '../../providers/aws/index.js';
import type { BackendContext } from '../../providers/provider.js';
import type {
  GeneratedValues,
  Generator,
  GeneratorCallOptions,
  GeneratorDefinition,
} from '../generator.js';
import { stsSessionTokenSpecSchema, type StsSessionTokenSpec } from './schema.js';

/**
 * Creates an STSSessionToken generator. Every call asks STS GetSessionToken for new
 * temporary credentials and returns `access_key_id`, `secret_access_key`, `session_token`
 * and `expiration` (Unix seconds, as text). Session tokens cannot be revoked in AWS, so
 * there is no `revoke`; the state's deadline follows the expiration.
 */
export function createStsSessionTokenGenerator(
  spec: StsSessionTokenSpec,
  context: BackendContext,
): Generator {
  // STS answers GetSessionToken only to an IAM user's long-term keys: temporary
  // credentials, from an assumed role or with a session token, are refused by AWS.
  if (spec.role !== undefined) {
    throw new Error(
      'role is not supported: AWS refuses GetSessionToken with the temporary credentials of an assumed role; give the IAM user keys in auth.secretRef',
    );
  }
  if (spec.auth?.secretRef?.sessionTokenSecretRef !== undefined) {
    throw new Error(
      'auth.secretRef.sessionTokenSecretRef is not supported: AWS refuses GetSessionToken with temporary credentials; give the IAM user keys alone',
    );
  }
  return {
    async generate(options: GeneratorCallOptions = {}): Promise<GeneratedValues> {
      const signal = awsCallSignal(options.signal);
      // A session and a client per call: a generator has no close, so nothing may linger.
      const session = new AwsSession(spec, context);
      const client = new STSClient(session.clientSettings());
      try {
        await session.prepare(signal);
        const parameters = spec.requestParameters;
        const answer = await client
          .send(
            new GetSessionTokenCommand({
              DurationSeconds: parameters?.sessionDuration,
              SerialNumber: parameters?.serialNumber,
              TokenCode: parameters?.tokenCode,
            }),
            { abortSignal: signal },
          )
          .catch((error: unknown) => {
            throw mapAwsError(error, 'GetSessionToken');
          });
        const credentials = answer.Credentials;
        if (
          credentials?.AccessKeyId === undefined ||
          credentials.SecretAccessKey === undefined ||
          credentials.SessionToken === undefined ||
          credentials.Expiration === undefined
        ) {
          throw new FederationError(
            'BackendError',
            undefined,
            'GetSessionToken gave no credentials',
          );
        }
        return {
          values: {
            access_key_id: credentials.AccessKeyId,
            secret_access_key: credentials.SecretAccessKey,
            session_token: credentials.SessionToken,
            expiration: String(Math.floor(credentials.Expiration.getTime() / 1000)),
          },
          ttlSeconds: secondsUntil(credentials.Expiration),
        };
      } finally {
        client.destroy();
        session.close();
      }
    },
  };
}

/** The `STSSessionToken` generator kind (`stsSessionTokenSpec` inside a ClusterGenerator). */
export const stsSessionTokenGenerator: GeneratorDefinition<StsSessionTokenSpec> = {
  kind: 'STSSessionToken',
  clusterGeneratorKey: 'stsSessionTokenSpec',
  schema: stsSessionTokenSpecSchema,
  create: createStsSessionTokenGenerator,
};
