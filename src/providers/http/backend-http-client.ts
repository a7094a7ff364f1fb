import { setTimeout as sleep } from 'node:timers/promises';

import { Agent, request } from 'undici';

import { FederationError } from '../../errors.js';

/** How one backend's HTTP client connects, waits and retries. */
export interface BackendHttpOptions {
  /** PEM of the CA(s) that issued the backend's certificate; default: the system roots. */
  caPem?: string;
  /** PEM client certificate and key, for backends that authenticate by certificate. */
  clientCertificate?: { certPem: string; keyPem: string };
  /** Bound on one attempt, connection included; milliseconds, default 5000. */
  timeoutMs?: number;
  /** Further attempts after a transient failure; default 2. */
  retries?: number;
  /** Milliseconds before the first retry, doubled for each next one; default 100. */
  retryDelayMs?: number;
  /** Largest response body accepted; bytes, default 1 MiB. */
  maxBodyBytes?: number;
}

/** One request to a backend. */
export interface BackendRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'LIST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborted when the caller gives up or the backend deadline elapses. */
  signal?: AbortSignal;
  /**
   * Whether the request may be sent again after a failure where it may have reached the
   * backend (a 5xx or a reset after sending). Default: true for GET and LIST only. A
   * refused connection is always retried: nothing was sent.
   */
  isIdempotent?: boolean;
}

/** A backend's answer, whatever its status; the provider maps statuses to reasons. */
export interface BackendResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const transientStatuses = new Set([429, 502, 503, 504]);
// Failures before any byte of the request could have been processed by the backend.
const unsentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const resetCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function codeOf(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

class BodyTooLargeError extends Error {}

/**
 * HTTP(S) to one backend: its own connection pool and trust, a bound on every attempt,
 * bounded retries with backoff on transient failures, and errors reduced to catalogue
 * reasons whose detail names a code, never the backend's message or a credential.
 */
export class BackendHttpClient {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #maxBodyBytes: number;

  constructor(options: BackendHttpOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    const certificate = options.clientCertificate;
    this.#agent = new Agent({
      connect: {
        ...(options.caPem === undefined ? {} : { ca: options.caPem }),
        ...(certificate === undefined
          ? {}
          : { cert: certificate.certPem, key: certificate.keyPem }),
        timeout: this.#timeoutMs,
      },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** Sends the request, retrying transient failures; throws `BackendError` or `BackendTimeout`. */
  async send(backendRequest: BackendRequest): Promise<BackendResponse> {
    const isIdempotent =
      backendRequest.isIdempotent ??
      (backendRequest.method === 'GET' || backendRequest.method === 'LIST');
    for (let attempt = 0; ; attempt += 1) {
      const isLast = attempt >= this.#retries;
      let response: BackendResponse;
      try {
        response = await this.#attempt(backendRequest);
      } catch (error) {
        const failure = this.#reduce(error, backendRequest.signal);
        const code = codeOf(error) ?? '';
        const isRetryable =
          failure.reason !== 'BackendTimeout' &&
          (unsentCodes.has(code) || (isIdempotent && resetCodes.has(code)));
        if (isLast || !isRetryable) throw failure;
        await this.#backoff(attempt, backendRequest.signal);
        continue;
      }
      if (isLast || !isIdempotent || !transientStatuses.has(response.status)) return response;
      await this.#backoff(attempt, backendRequest.signal);
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #attempt(backendRequest: BackendRequest): Promise<BackendResponse> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const signal = backendRequest.signal
      ? AbortSignal.any([backendRequest.signal, deadline])
      : deadline;
    const response = await request(backendRequest.url, {
      method: backendRequest.method,
      headers: backendRequest.headers,
      body: backendRequest.body,
      dispatcher: this.#agent,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        response.body.destroy();
        throw new BodyTooLargeError();
      }
      chunks.push(chunk);
    }
    return {
      status: response.statusCode,
      headers: response.headers,
      text: Buffer.concat(chunks).toString('utf8'),
    };
  }

  #reduce(error: unknown, callerSignal: AbortSignal | undefined): FederationError {
    if (error instanceof FederationError) return error;
    if (error instanceof BodyTooLargeError) {
      return new FederationError('BackendError', undefined, 'backend response too large');
    }
    const code = codeOf(error);
    const name = (error as { name?: unknown } | null)?.name;
    const isTimeout =
      name === 'TimeoutError' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      (name === 'AbortError' && callerSignal?.aborted !== true);
    if (isTimeout || callerSignal?.aborted) {
      return new FederationError('BackendTimeout', undefined, 'backend did not answer in time');
    }
    return new FederationError(
      'BackendError',
      undefined,
      `backend request failed: ${code ?? (typeof name === 'string' ? name : 'error')}`,
    );
  }

  async #backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const delay = this.#retryDelayMs * 2 ** attempt;
    const jitter = Math.random() * delay * 0.2;
    try {
      await sleep(delay + jitter, undefined, { signal });
    } catch {
      throw new FederationError('BackendTimeout', undefined, 'backend deadline during retries');
    }
  }
}
