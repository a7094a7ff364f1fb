import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import type { Moto } from './moto.js';

/** Version ids of the seeded `app/db` secret, oldest first. */
export const dbVersionIds = {
  first: '11111111-1111-4111-8111-000000000001',
  second: '11111111-1111-4111-8111-000000000002',
  canary: '11111111-1111-4111-8111-000000000003',
} as const;

/** Bytes that are not UTF-8, stored as a binary secret. */
export const binaryBytes = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]);

/**
 * Fills moto with the secrets and parameters the AWS tests read, in `us-east-1`:
 *
 * - `app/db`: JSON, three versions: `first` (AWSPREVIOUS), `second` (AWSCURRENT) and
 *   `canary` (custom stage `canary` only); tagged `team=payments`;
 * - `app/binary` (bytes that are not UTF-8) and `app/binary-text` (UTF-8 bytes);
 * - parameters `/app/plain` (String, versions 1 and 2) and `/app/password` (SecureString).
 */
export async function seedMoto(moto: Moto): Promise<void> {
  const settings = { region: 'us-east-1', endpoint: moto.url, credentials: moto.credentials };
  const secrets = new SecretsManagerClient(settings);
  const ssm = new SSMClient(settings);
  try {
    await secrets.send(
      new CreateSecretCommand({
        Name: 'app/db',
        ClientRequestToken: dbVersionIds.first,
        SecretString: '{"username":"app","password":"pw-first","nested":{"port":5432}}',
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: 'app/db',
        ClientRequestToken: dbVersionIds.second,
        SecretString: '{"username":"app","password":"pw-second","nested":{"port":5432}}',
      }),
    );
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: 'app/db',
        ClientRequestToken: dbVersionIds.canary,
        SecretString: '{"username":"app","password":"pw-canary"}',
        VersionStages: ['canary'],
      }),
    );
    await secrets.send(new CreateSecretCommand({ Name: 'app/binary', SecretBinary: binaryBytes }));
    await secrets.send(
      new CreateSecretCommand({
        Name: 'app/binary-text',
        SecretBinary: Buffer.from('binary-but-text', 'utf8'),
      }),
    );

    await ssm.send(
      new PutParameterCommand({ Name: '/app/plain', Value: 'plain-v1', Type: 'String' }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: '/app/plain',
        Value: 'plain-v2',
        Type: 'String',
        Overwrite: true,
      }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: '/app/password',
        Value: '{"password":"ssm-secure-value"}',
        Type: 'SecureString',
        Tags: [{ Key: 'owner', Value: 'platform' }],
      }),
    );
  } finally {
    secrets.destroy();
    ssm.destroy();
  }
}
