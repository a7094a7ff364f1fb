import { FederationError } from '../../errors.js';
import { BackendClientCache, resolveCaPem } from '../backend-tls/index.js';
import type { BackendRequest } from '../http/index.js';
import type { BackendContext } from '../provider.js';
import type { VaultProviderSpec } from './schema.js';

/** The members of Vault's response envelope that the hub reads. */
export interface VaultBody {
  data?: unknown;
  auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } | null;
  lease_id?: unknown;
  lease_duration?: unknown;
  renewable?: unknown;
}

/** Vault's answer: the status and the parsed envelope (undefined for an empty body). */
export interface VaultResponse {
  status: number;
  body: VaultBody | undefined;
}

/** One call to Vault's HTTP API. */
export interface VaultCall {
  method: BackendRequest['method'];
  /** The API path below `/v1/`, segments already encoded. */
  path: string;
  query?: Record<string, string>;
  /** Sent as `X-Vault-Token`. */
  token?: string;
  /** Overrides the store's namespace (a login to `auth.namespace`). */
  namespace?: string;
  body?: unknown;
  signal?: AbortSignal;
  isIdempotent?: boolean;
}

/**
 * HTTP to one Vault server: the store's trust, namespace and headers on every call, and
 * the envelope parsed. Statuses are left to the caller; transport failures are already
 * `BackendError` or `BackendTimeout`.
 */
export class VaultTransport {
  readonly #spec: VaultProviderSpec;
  readonly #context: BackendContext;
  readonly #clients = new BackendClientCache();
  readonly #base: string;

  constructor(spec: VaultProviderSpec, context: BackendContext) {
    this.#spec = spec;
    this.#context = context;
    this.#base = spec.server.replace(/\/+$/, '');
  }

  async send(call: VaultCall): Promise<VaultResponse> {
    const caPem = await resolveCaPem(this.#spec, this.#context, call.signal);
    const client = this.#clients.clientFor({ caPem });
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    const namespace = call.namespace ?? this.#spec.namespace;
    const headers: Record<string, string> = {
      ...this.#spec.headers,
      accept: 'application/json',
      ...(this.#spec.forwardInconsistent ? { 'x-vault-inconsistent': 'forward-active-node' } : {}),
      ...(namespace === undefined ? {} : { 'x-vault-namespace': namespace }),
      ...(call.token === undefined ? {} : { 'x-vault-token': call.token }),
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const response = await client.send({
      method: call.method,
      url: `${this.#base}/v1/${call.path}${query}`,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: call.signal,
      isIdempotent: call.isIdempotent,
    });
    return { status: response.status, body: parseEnvelope(response.status, response.text) };
  }

  async close(): Promise<void> {
    await this.#clients.close();
  }
}

function parseEnvelope(status: number, text: string): VaultBody | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as VaultBody;
    }
  } catch {
    // Reported below without the text, which might echo anything.
  }
  if (status >= 300) return undefined;
  throw new FederationError('BackendError', undefined, `vault answered ${status} without JSON`);
}

/**
 * The reason for a Vault status that is not a success: 404 is a missing secret, and every
 * other one a backend failure whose detail names the status only, never Vault's `errors`.
 */
export function vaultFailure(status: number, operation: string): FederationError {
  if (status === 404) {
    return new FederationError('NotFound', undefined, `vault has no ${operation} there`);
  }
  return new FederationError('BackendError', undefined, `vault answered ${status} to ${operation}`);
}

/** Encodes each segment of a Vault path; refuses empty, `.` and `..` segments. */
export function encodeVaultPath(path: string, what: string): string {
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new FederationError('InvalidRemoteRef', `${what} has an empty, . or .. path segment`);
  }
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}
