import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

import { readSecretText } from '../secret-reader.js';
import type { BackendContext } from '../provider.js';
import { mapAwsError } from './aws-error.js';
import type { AwsAuth } from './schema.js';

/** An AWS access key, permanent or temporary. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working. */
  expiration?: Date;
}

/** Where a session gets its credentials: the spec fields shared by provider and generators. */
export interface AwsSessionSpec {
  region: string;
  auth?: AwsAuth;
  role?: string;
  externalID?: string;
}

/** Milliseconds before expiry at which assumed-role credentials are replaced. */
const assumedRoleRefreshMarginMs = 5 * 60_000;

/** Milliseconds to wait for a TCP connection to an AWS endpoint. */
const connectionTimeoutMs = 3_000;

/** Milliseconds a request may stay without any answer before the attempt fails. */
const requestTimeoutMs = 5_000;

/**
 * Milliseconds one provider or generator call may take, retries included, when the caller
 * gives no signal; the server always gives one, ending at `--backend-timeout`.
 */
export const awsCallTimeoutMs = 8_000;

/** Seconds from now until `expiration`, at least 1; undefined without one. */
export function secondsUntil(expiration: Date | undefined, now = Date.now()): number | undefined {
  if (expiration === undefined) return undefined;
  return Math.max(1, Math.floor((expiration.getTime() - now) / 1000));
}

/**
 * The caller's signal, or a deadline of `awsCallTimeoutMs` without one, so that no call can
 * wait forever; an operator's longer `--backend-timeout` is not cut short.
 */
export function awsCallSignal(signal: AbortSignal | undefined): AbortSignal {
  return signal ?? AbortSignal.timeout(awsCallTimeoutMs);
}

/**
 * The settings every SDK client of the server shares: the region, three attempts per call
 * (the SDK retries throttling, 5xx and network errors with backoff), bounded connection
 * and request times. The endpoint comes from the standard `AWS_ENDPOINT_URL` and
 * `AWS_ENDPOINT_URL_<SERVICE>` environment variables, which the SDK reads itself.
 */
export function sdkClientSettings(region: string) {
  return {
    region,
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Without it the handler only logs a warning when requestTimeout passes and keeps
      // waiting for an answer that may never come.
      throwOnRequestTimeout: true,
    },
  };
}

/**
 * Resolves when `promise` does, or rejects with the signal's reason once it aborts; for
 * work shared between callers, which must not be cancelled by one of them.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    // The shared work goes on for the other callers; its failure is theirs to handle.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The credentials of one store or generator. Keys named by `auth.secretRef` are read from
 * their Secrets before every call, so a rotated Secret takes effect at once; without `auth`
 * the SDK's default chain applies. With `role`, the role is assumed through STS and its
 * credentials are reused until five minutes before they expire.
 */
export class AwsSession {
  readonly #spec: AwsSessionSpec;
  readonly #context: BackendContext;
  #sts: STSClient | undefined;
  /** What the service clients sign with; set by `prepare` before each call. */
  #current: AwsCredentials | undefined;
  /** The keys read from Secrets, used to call STS. */
  #base: AwsCredentials | undefined;
  #assumed: AwsCredentials | undefined;
  #assuming: Promise<AwsCredentials> | undefined;

  constructor(spec: AwsSessionSpec, context: BackendContext) {
    this.#spec = spec;
    this.#context = context;
  }

  /**
   * Settings for an SDK client of this session. `credentials` is left out when the default
   * chain applies; otherwise it hands out what `prepare` resolved. The credentials are
   * marked as expired so that the SDK asks again on every request instead of keeping its
   * own copy: this class does the caching.
   */
  clientSettings() {
    const settings = sdkClientSettings(this.#spec.region);
    if (this.#spec.auth === undefined && this.#spec.role === undefined) return settings;
    return { ...settings, credentials: () => this.#handOut(this.#current) };
  }

  /**
   * Resolves the credentials the next call signs with. Without `role` the keys are read
   * from their Secrets now; with `role` they are read only when the role has to be assumed
   * again, so fresh role credentials keep working while the key Secret is being replaced.
   */
  async prepare(signal?: AbortSignal): Promise<void> {
    const auth = this.#spec.auth;
    if (this.#spec.role === undefined) {
      if (auth !== undefined) this.#current = await this.#readSecretKeys(auth, signal);
      return;
    }
    this.#current = await untilAborted(this.#assumedRole(), signal).catch((error: unknown) => {
      // The signal's own reason (a DOMException) becomes BackendTimeout here.
      throw mapAwsError(error, 'AssumeRole');
    });
  }

  /** Releases the STS client. */
  close(): void {
    this.#sts?.destroy();
    this.#sts = undefined;
  }

  async #handOut(credentials: AwsCredentials | undefined): Promise<AwsCredentials> {
    if (credentials === undefined) throw new Error('credentials were not prepared');
    return { ...credentials, expiration: new Date(0) };
  }

  async #readSecretKeys(auth: AwsAuth, signal?: AbortSignal): Promise<AwsCredentials> {
    const refs = auth.secretRef;
    const options = { signal };
    const accessKeyId = (
      await readSecretText(refs.accessKeyIDSecretRef, this.#context, options)
    ).trim();
    const secretAccessKey = (
      await readSecretText(refs.secretAccessKeySecretRef, this.#context, options)
    ).trim();
    const sessionToken = refs.sessionTokenSecretRef
      ? (await readSecretText(refs.sessionTokenSecretRef, this.#context, options)).trim()
      : undefined;
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  #assumedRole(): Promise<AwsCredentials> {
    const cached = this.#assumed;
    const isFresh =
      cached?.expiration !== undefined &&
      cached.expiration.getTime() - Date.now() > assumedRoleRefreshMarginMs;
    if (cached !== undefined && isFresh) return Promise.resolve(cached);
    // Concurrent callers share one AssumeRole call; each still stops at its own deadline.
    this.#assuming ??= this.#assumeRole().finally(() => {
      this.#assuming = undefined;
    });
    return this.#assuming;
  }

  async #assumeRole(): Promise<AwsCredentials> {
    const sts = this.#stsClient();
    try {
      // Shared by concurrent callers, so no caller's signal; each waits at most its own.
      const auth = this.#spec.auth;
      if (auth !== undefined) this.#base = await this.#readSecretKeys(auth);
      const answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: this.#spec.role,
          RoleSessionName: `federation-server-${Date.now()}`,
          ExternalId: this.#spec.externalID,
        }),
      );
      const credentials = answer.Credentials;
      if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
        throw new Error('AssumeRole answered without credentials');
      }
      this.#assumed = {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: credentials.Expiration,
      };
      return this.#assumed;
    } catch (error) {
      throw mapAwsError(error, 'AssumeRole');
    }
  }

  #stsClient(): STSClient {
    if (this.#sts !== undefined) return this.#sts;
    const settings = sdkClientSettings(this.#spec.region);
    this.#sts = new STSClient(
      this.#spec.auth === undefined
        ? settings
        : { ...settings, credentials: () => this.#handOut(this.#base) },
    );
    return this.#sts;
  }
}
