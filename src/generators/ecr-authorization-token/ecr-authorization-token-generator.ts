import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';

import { FederationError } from '../../errors.js';
import { AwsSession, awsCallSignal, mapAwsError, secondsUntil } from '../../providers/aws/index.js';
import type { BackendContext } from '../../providers/provider.js';
import type {
  GeneratedValues,
  Generator,
  GeneratorCallOptions,
  GeneratorDefinition,
} from '../generator.js';
import { ecrAuthorizationTokenSpecSchema, type EcrAuthorizationTokenSpec } from './schema.js';

/**
 * Splits an ECR authorization token, base64 of `user:password`, into its two halves; the
 * password itself may hold `:`.
 */
export function splitAuthorizationToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new FederationError('BackendError', undefined, 'ECR gave an unreadable token');
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Creates an ECRAuthorizationToken generator. Every call asks ECR GetAuthorizationToken
 * for a registry token and returns `username`, `password`, `proxy_endpoint` (the registry
 * URL) and `expires_at` (Unix seconds, as text). Tokens cannot be revoked in AWS; the
 * state's deadline follows their expiry.
 */
export function createEcrAuthorizationTokenGenerator(
  spec: EcrAuthorizationTokenSpec,
  context: BackendContext,
): Generator {
  return {
    async generate(options: GeneratorCallOptions = {}): Promise<GeneratedValues> {
      const signal = awsCallSignal(options.signal);
      // A session and a client per call: a generator has no close, so nothing may linger.
      const session = new AwsSession(spec, context);
      const client = new ECRClient(session.clientSettings());
      try {
        await session.prepare(signal);
        const answer = await client
          .send(new GetAuthorizationTokenCommand({}), { abortSignal: signal })
          .catch((error: unknown) => {
            throw mapAwsError(error, 'GetAuthorizationToken');
          });
        const data = answer.authorizationData?.[0];
        if (data?.authorizationToken === undefined || data.proxyEndpoint === undefined) {
          throw new FederationError('BackendError', undefined, 'ECR gave no authorization data');
        }
        const { username, password } = splitAuthorizationToken(data.authorizationToken);
        const expiresAt = data.expiresAt;
        return {
          values: {
            username,
            password,
            proxy_endpoint: data.proxyEndpoint,
            expires_at: expiresAt ? String(Math.floor(expiresAt.getTime() / 1000)) : '',
          },
          ttlSeconds: secondsUntil(expiresAt),
        };
      } finally {
        client.destroy();
        session.close();
      }
    },
  };
}

/** The `ECRAuthorizationToken` kind (`ecrAuthorizationTokenSpec` inside a ClusterGenerator). */
export const ecrAuthorizationTokenGenerator: GeneratorDefinition<EcrAuthorizationTokenSpec> = {
  kind: 'ECRAuthorizationToken',
  clusterGeneratorKey: 'ecrAuthorizationTokenSpec',
  schema: ecrAuthorizationTokenSpecSchema,
  create: createEcrAuthorizationTokenGenerator,
};
