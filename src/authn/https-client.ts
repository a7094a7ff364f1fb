import { createHash } from 'node:crypto';

import { Agent, request } from 'undici';

/** Why a fetch from an issuer failed; stable words for logs and tests. */
export type FetchFailureKind =
  'not-https' | 'timeout' | 'tls' | 'connect' | 'http-status' | 'too-large' | 'not-json';

/**
 * A failed GET. The message is fixed per kind; `code` is the system or TLS error code and
 * `status` the HTTP status, when there is one. No URL, host, port or body is kept.
 */
export class FetchFailure extends Error {
  readonly kind: FetchFailureKind;
  readonly code: string | undefined;
  readonly status: number | undefined;

  constructor(kind: FetchFailureKind, extra: { code?: string; status?: number } = {}) {
    super(`issuer request failed: ${kind}`);
    this.name = 'FetchFailure';
    this.kind = kind;
    this.code = extra.code;
    this.status = extra.status;
  }
}

export interface HttpsClientOptions {
  /** Limit for connecting, and for the whole exchange, in milliseconds; default 5000. */
  timeoutMs?: number;
  /** How many CA bundles keep a connection pool at once; default 32. */
  maxPools?: number;
  /** Largest accepted response body in bytes; default 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * GETs JSON documents over HTTPS, trusting exactly one CA bundle per request: never the
 * system roots as well. Keeps one undici Agent per CA bundle (keyed by its SHA-256) and
 * closes the least recently used one beyond `maxPools`.
 */
export class HttpsClient {
  readonly #timeoutMs: number;
  readonly #maxPools: number;
  readonly #maxBodyBytes: number;
  readonly #pools = new Map<string, Agent>();

  constructor(options: HttpsClientOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxPools = options.maxPools ?? 32;
    this.#maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  }

  /** GETs `url` trusting only `caPem`, with the bearer token when given; returns parsed JSON. */
  async getJson(url: string, caPem: string, bearerToken?: string): Promise<unknown> {
    if (new URL(url).protocol !== 'https:') throw new FetchFailure('not-https');

    const headers: Record<string, string> = { accept: 'application/json' };
    if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;
    const signal = AbortSignal.timeout(this.#timeoutMs);

    let text: string;
    try {
      const response = await request(url, {
        method: 'GET',
        headers,
        dispatcher: this.#poolFor(caPem),
        signal,
      });
      if (response.statusCode !== 200) {
        await response.body.dump().catch(() => undefined);
        throw new FetchFailure('http-status', { status: response.statusCode });
      }
      text = await this.#readBody(response.body);
    } catch (error) {
      throw toFetchFailure(error);
    }

    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new FetchFailure('not-json');
    }
  }

  /** Closes every connection pool. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => closePool(pool)));
  }

  #poolFor(caPem: string): Agent {
    const id = createHash('sha256').update(caPem).digest('hex');
    const existing = this.#pools.get(id);
    if (existing) {
      // Re-insert so that Map order stays least recently used first.
      this.#pools.delete(id);
      this.#pools.set(id, existing);
      return existing;
    }

    const pool = new Agent({
      // `ca` replaces Node's root store: this pool trusts the given bundle and nothing else.
      connect: { ca: caPem, rejectUnauthorized: true, timeout: this.#timeoutMs },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    this.#pools.set(id, pool);
    while (this.#pools.size > this.#maxPools) {
      const [oldestId, oldest] = this.#pools.entries().next().value as [string, Agent];
      this.#pools.delete(oldestId);
      void closePool(oldest);
    }
    return pool;
  }

  async #readBody(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        body.destroy();
        throw new FetchFailure('too-large');
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

const timeoutCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function toFetchFailure(error: unknown): FetchFailure {
  if (error instanceof FetchFailure) return error;

  const name = error instanceof Error ? error.name : '';
  const code = errorCode(error);
  if (name === 'TimeoutError' || name === 'AbortError' || timeoutCodes.has(code ?? '')) {
    return new FetchFailure('timeout', { code });
  }
  if (code && isTlsCode(code)) return new FetchFailure('tls', { code });
  return new FetchFailure('connect', { code });
}

/** The error's own code (`ECONNREFUSED`, `CERT_HAS_EXPIRED`...), or its cause's. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 3; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code.includes('SIGNATURE') ||
    code.includes('ISSUER')
  );
}

async function closePool(pool: Agent): Promise<void> {
  try {
    await pool.close();
  } catch {
    await pool.destroy().catch(() => undefined);
  }
}
