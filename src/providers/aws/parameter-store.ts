import { GetParameterCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';

import { FederationError } from '../../errors.js';
import type { ProviderCallOptions, RemoteRef, SecretProvider } from '../provider.js';
import { mapAwsError } from './aws-error.js';
import { awsCallSignal, type AwsSession } from './credentials.js';
import { finishValue, prefixedKey, tagsValue } from './remote-value.js';

/** A version number or a parameter label; SSM refuses anything else in a selector. */
const versionPattern = /^[\w.-]{1,100}$/;

/**
 * The name GetParameter takes: `name:version` selects a version number (or label), as the
 * External Secrets Operator builds it.
 */
export function parameterName(name: string, version: string | undefined): string {
  if (!version) return name;
  if (!versionPattern.test(version)) {
    throw new FederationError(
      'InvalidRemoteRef',
      'version must be a parameter version number or label',
    );
  }
  return `${name}:${version}`;
}

/**
 * Reads parameters of AWS Systems Manager Parameter Store with one reused client;
 * SecureString values are decrypted.
 */
export class ParameterStore implements SecretProvider {
  readonly #session: AwsSession;
  readonly #client: SSMClient;
  readonly #prefix: string | undefined;

  constructor(session: AwsSession, prefix: string | undefined) {
    this.#session = session;
    this.#prefix = prefix;
    this.#client = new SSMClient(session.clientSettings());
  }

  async getSecret(ref: RemoteRef, options: ProviderCallOptions = {}): Promise<string> {
    const signal = awsCallSignal(options.signal);
    const name = prefixedKey(ref.key, this.#prefix);
    if (ref.metadataPolicy === 'Fetch') return this.#tags(name, ref, signal);

    const selector = parameterName(name, ref.version);
    await this.#session.prepare(signal);
    const answer = await this.#client
      .send(new GetParameterCommand({ Name: selector, WithDecryption: true }), {
        abortSignal: signal,
      })
      .catch((error: unknown) => {
        throw mapAwsError(error, 'GetParameter');
      });
    const value = answer.Parameter?.Value;
    if (value === undefined) {
      throw new FederationError('NotFound', undefined, 'the parameter holds no value');
    }
    return finishValue(value, ref);
  }

  async close(): Promise<void> {
    this.#client.destroy();
    this.#session.close();
  }

  async #tags(name: string, ref: RemoteRef, signal?: AbortSignal): Promise<string> {
    await this.#session.prepare(signal);
    const answer = await this.#client
      .send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }), {
        abortSignal: signal,
      })
      .catch((error: unknown) => {
        throw mapAwsError(error, 'ListTagsForResource');
      });
    return tagsValue(answer.TagList, ref);
  }
}
