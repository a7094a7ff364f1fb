import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type GetSecretValueCommandInput,
} from '@aws-sdk/client-secrets-manager';

import { FederationError } from '../../errors.js';
import type { ProviderCallOptions, RemoteRef, SecretProvider } from '../provider.js';
import { mapAwsError } from './aws-error.js';
import { awsCallSignal, type AwsSession } from './credentials.js';
import { binaryText, finishValue, prefixedKey, tagsValue } from './remote-value.js';

const versionIdPrefix = 'uuid/';

/**
 * Which version to read, as the External Secrets Operator names them: `uuid/<id>` is a
 * version id, anything else a staging label such as `AWSCURRENT` or `AWSPREVIOUS`; no
 * version reads the current one.
 */
export function versionSelector(
  version: string | undefined,
): Pick<GetSecretValueCommandInput, 'VersionId' | 'VersionStage'> {
  if (!version) return {};
  if (!version.startsWith(versionIdPrefix)) return { VersionStage: version };
  const id = version.slice(versionIdPrefix.length);
  if (id === '') throw new FederationError('InvalidRemoteRef', 'version uuid/ names no id');
  return { VersionId: id };
}

/** Reads secrets of AWS Secrets Manager with one reused client. */
export class SecretsManagerStore implements SecretProvider {
  readonly #session: AwsSession;
  readonly #client: SecretsManagerClient;
  readonly #prefix: string | undefined;

  constructor(session: AwsSession, prefix: string | undefined) {
    this.#session = session;
    this.#prefix = prefix;
    this.#client = new SecretsManagerClient(session.clientSettings());
  }

  async getSecret(ref: RemoteRef, options: ProviderCallOptions = {}): Promise<string> {
    const signal = awsCallSignal(options.signal);
    const secretId = prefixedKey(ref.key, this.#prefix);
    if (ref.metadataPolicy === 'Fetch') return this.#tags(secretId, ref, signal);

    const selector = versionSelector(ref.version);
    await this.#session.prepare(signal);
    const answer = await this.#client
      .send(new GetSecretValueCommand({ SecretId: secretId, ...selector }), {
        abortSignal: signal,
      })
      .catch((error: unknown) => {
        throw mapAwsError(error, 'GetSecretValue');
      });
    let value: string;
    if (answer.SecretString !== undefined) value = answer.SecretString;
    else if (answer.SecretBinary !== undefined) value = binaryText(answer.SecretBinary);
    else throw new FederationError('NotFound', undefined, 'the secret version holds no value');
    return finishValue(value, ref);
  }

  async close(): Promise<void> {
    this.#client.destroy();
    this.#session.close();
  }

  async #tags(secretId: string, ref: RemoteRef, signal?: AbortSignal): Promise<string> {
    await this.#session.prepare(signal);
    const answer = await this.#client
      .send(new DescribeSecretCommand({ SecretId: secretId }), { abortSignal: signal })
      .catch((error: unknown) => {
        throw mapAwsError(error, 'DescribeSecret');
      });
    return tagsValue(answer.Tags, ref);
  }
}
