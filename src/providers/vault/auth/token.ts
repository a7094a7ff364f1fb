import { FederationError } from '../../../errors.js';
import type { BackendContext, SecretKeyRef } from '../../provider.js';
import { readSecretText } from '../../secret-reader.js';
import type { TokenSource } from './token-source.js';

/**
 * `auth.tokenSecretRef`: a token kept in a Secret, read at every call so that a rotated
 * token is used at once. It is neither renewed nor replaced: whoever issued it owns its
 * lifetime, and a 403 to it is final.
 */
export class SecretToken implements TokenSource {
  readonly isReplaceable = false;

  constructor(
    private readonly ref: SecretKeyRef,
    private readonly context: BackendContext,
  ) {}

  async token(signal?: AbortSignal): Promise<string> {
    const token = (await readSecretText(this.ref, this.context, { signal })).trim();
    if (token === '') {
      throw new FederationError(
        'StoreNotReady',
        undefined,
        `Secret ${this.ref.name} holds an empty token`,
      );
    }
    return token;
  }

  forget(): void {
    // The Secret is read at every call: there is nothing cached to drop.
  }
}
