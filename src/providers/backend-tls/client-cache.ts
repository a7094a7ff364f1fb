import { createHash } from 'node:crypto';

import { BackendHttpClient, type BackendHttpOptions } from '../http/index.js';
import type { ClientCertificate } from './trust.js';

/** What decides which connections a backend client may reuse. */
export interface ClientTrust {
  caPem?: string;
  clientCertificate?: ClientCertificate;
}

function fingerprintOf(trust: ClientTrust): string {
  const hash = createHash('sha256');
  for (const part of [
    trust.caPem,
    trust.clientCertificate?.certPem,
    trust.clientCertificate?.keyPem,
  ]) {
    hash.update(part ?? '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Keeps one `BackendHttpClient` for the trust material currently in force. When a CA or a
 * client certificate read from a Secret changes, the next call gets a new client and the
 * old one is closed once its requests have finished.
 */
export class BackendClientCache {
  readonly #options: Omit<BackendHttpOptions, 'caPem' | 'clientCertificate'>;
  #current: { fingerprint: string; client: BackendHttpClient } | undefined;
  readonly #closing = new Set<Promise<void>>();

  constructor(options: Omit<BackendHttpOptions, 'caPem' | 'clientCertificate'> = {}) {
    this.#options = options;
  }

  /** The client for that trust material, created on first use. */
  clientFor(trust: ClientTrust): BackendHttpClient {
    const fingerprint = fingerprintOf(trust);
    if (this.#current?.fingerprint === fingerprint) return this.#current.client;

    if (this.#current !== undefined) this.#retire(this.#current.client);
    const client = new BackendHttpClient({ ...this.#options, ...trust });
    this.#current = { fingerprint, client };
    return client;
  }

  /** Closes every client. */
  async close(): Promise<void> {
    if (this.#current !== undefined) this.#retire(this.#current.client);
    this.#current = undefined;
    await Promise.all([...this.#closing]);
  }

  #retire(client: BackendHttpClient): void {
    const closing = client.close().finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}
