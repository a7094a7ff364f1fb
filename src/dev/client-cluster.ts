/**
 * A stand-in for a client cluster's Kubernetes API server, limited to what the hub talks to:
 * the OIDC discovery document and the JWKS, served over the cluster's own CA to
 * authenticated callers only. It also mints projected ServiceAccount tokens with its keys.
 *
 * The `federation-server dev` command runs one as its demo client cluster; tests run several
 * and use the knobs (key rotation, outages, counters) to check how the hub behaves.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

import { sendJson, sendStatus } from './api-server-responses.js';
import { createClusterTLS, type ClusterTLS } from './cluster-ca.js';
import {
  defaultAudience,
  mintServiceAccountToken,
  type MintTokenOptions,
} from './service-account-token.js';
import {
  generateSigningKey,
  type PublicJwk,
  type SigningAlgorithm,
  type SigningKey,
} from './signing-key.js';

/** The issuer most clusters are configured with (`--service-account-issuer`). */
export const defaultIssuer = defaultAudience;

/** Where a real API server says its keys are: an in-cluster address outsiders cannot reach. */
export const defaultJwksUri = 'https://10.96.0.1:443/openid/v1/jwks';

export const discoveryPath = '/.well-known/openid-configuration';
export const jwksPath = '/openid/v1/jwks';

/**
 * How the OIDC endpoints misbehave:
 * - `none`: they work;
 * - `refuse`: every connection is destroyed as soon as it is accepted;
 * - `status500`: they answer 500;
 * - `garbage`: they answer 200 with a body that is not JSON;
 * - `emptyKeys`: the JWKS lists no key (discovery still works);
 * - `{ slowMs }`: they answer normally after that many milliseconds.
 */
export type Outage = 'none' | 'refuse' | 'status500' | 'garbage' | 'emptyKeys' | { slowMs: number };

export interface ClientClusterOptions {
  /** `issuer` of discovery and `iss` of minted tokens; default `defaultIssuer`. */
  issuer?: string;
  /** `jwks_uri` of discovery; default `defaultJwksUri`, which must never be contacted. */
  jwksUri?: string;
  /** Token signing algorithm; default `RS256` (RSA 2048), or `ES256` (EC P-256). */
  algorithm?: SigningAlgorithm;
  /** Address to listen on; default `127.0.0.1`. */
  listenAddress?: string;
  /** Port; default 0, a free one. */
  port?: number;
  /** Host name in `url`; default `localhost`, so that clients send SNI. */
  hostname?: string;
  /** TLS material to serve with; default a fresh CA and certificate for localhost. */
  tls?: ClusterTLS;
  /** Clock for `iat`/`exp` of minted tokens, in milliseconds; default `Date.now`. */
  now?: () => number;
  /**
   * Serve discovery and JWKS without a bearer token too, as clusters do that bind
   * `system:service-account-issuer-discovery` to anonymous users; default false.
   */
  allowAnonymous?: boolean;
}

/** How many bearer tokens and SNI names are remembered; older entries are dropped. */
const historyLimit = 1000;

export class ClientCluster {
  /** Base URL, e.g. `https://localhost:43121`. */
  readonly url: string;
  /** PEM of the cluster CA: what pods of this cluster get as `ca.crt`. */
  readonly caPem: string;
  readonly issuer: string;
  readonly jwksUri: string;

  /** Requests to the discovery path, served or not. */
  discoveryRequests = 0;
  /** Requests to the JWKS path, served or not. */
  jwksRequests = 0;
  /** Every HTTP request received, on any path. */
  totalRequests = 0;
  /** Bearer tokens received on the OIDC paths, oldest first. */
  readonly bearerTokens: string[] = [];
  /** The SNI server name of each TLS connection (`null` when the client sent none). */
  readonly serverNames: (string | null)[] = [];
  /** Each request as `METHOD /path?query`, oldest first. */
  readonly requestLog: string[] = [];

  #keys: SigningKey[];
  #outage: Outage = 'none';
  readonly #server: Server;
  readonly #algorithm: SigningAlgorithm;
  readonly #now: () => number;
  readonly #allowAnonymous: boolean;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #uids = new Map<string, string>();

  private constructor(
    server: Server,
    url: string,
    tls: ClusterTLS,
    key: SigningKey,
    options: ClientClusterOptions,
  ) {
    this.#server = server;
    this.url = url;
    this.caPem = tls.caPem;
    this.issuer = options.issuer ?? defaultIssuer;
    this.jwksUri = options.jwksUri ?? defaultJwksUri;
    this.#algorithm = key.alg;
    this.#keys = [key];
    this.#now = options.now ?? Date.now;
    this.#allowAnonymous = options.allowAnonymous ?? false;
  }

  /** Starts a cluster and resolves once it listens. */
  static async start(options: ClientClusterOptions = {}): Promise<ClientCluster> {
    const tls = options.tls ?? (await createClusterTLS());
    const key = await generateSigningKey(options.algorithm ?? 'RS256');
    const server = createServer({ key: tls.keyPem, cert: tls.certPem });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.listenAddress ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const cluster = new ClientCluster(
      server,
      `https://${options.hostname ?? 'localhost'}:${port}`,
      tls,
      key,
      options,
    );
    cluster.#listen();
    return cluster;
  }

  /** The key new tokens are signed with. */
  get signingKey(): SigningKey {
    return this.#keys[this.#keys.length - 1] as SigningKey;
  }

  /** The keys the JWKS lists, oldest first. */
  get keys(): readonly SigningKey[] {
    return this.#keys;
  }

  /** The JWKS document as the API server serves it. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.#keys.map((key) => key.jwk) };
  }

  /** The discovery document as the API server serves it. */
  discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(this.#keys.map((key) => key.alg))],
    };
  }

  /** Mints a projected ServiceAccount token signed with the current key. */
  mintToken(options: MintTokenOptions = {}): string {
    return mintServiceAccountToken(
      {
        issuer: this.issuer,
        key: this.signingKey,
        nowSec: Math.floor(this.#now() / 1000),
        uidOf: (object) => this.#uidOf(object),
      },
      options,
    );
  }

  /**
   * Starts signing with a new key of the same algorithm. Both keys are listed, as during a
   * real rotation, unless `dropOld` is set.
   */
  async rotateKey(options: { dropOld?: boolean } = {}): Promise<SigningKey> {
    const key = await generateSigningKey(this.#algorithm);
    this.#keys = options.dropOld ? [key] : [...this.#keys, key];
    return key;
  }

  /** Makes the OIDC endpoints misbehave (or work again with `none`). */
  setOutage(outage: Outage): void {
    this.#outage = outage;
    if (outage === 'refuse') {
      for (const socket of this.#sockets) socket.destroy();
    }
  }

  /** Sets every counter and history list back to empty. */
  resetCounters(): void {
    this.discoveryRequests = 0;
    this.jwksRequests = 0;
    this.totalRequests = 0;
    this.bearerTokens.length = 0;
    this.serverNames.length = 0;
    this.requestLog.length = 0;
  }

  /** Stops listening, drops every connection and pending slow answer. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #listen(): void {
    this.#server.on('connection', (socket: Socket) => {
      if (this.#outage === 'refuse') {
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('secureConnection', (socket: TLSSocket) => {
      const name = socket.servername;
      remember(this.serverNames, typeof name === 'string' && name !== '' ? name : null);
    });
    this.#server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#handle(request, response);
    });
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    this.totalRequests += 1;
    remember(this.requestLog, `${request.method ?? ''} ${request.url ?? ''}`);
    const path = new URL(request.url ?? '/', 'https://cluster.invalid').pathname;
    const isDiscovery = path === discoveryPath;
    const isJwks = path === jwksPath;
    if (isDiscovery) this.discoveryRequests += 1;
    if (isJwks) this.jwksRequests += 1;

    if (this.#outage === 'refuse') {
      request.socket.destroy();
      return;
    }
    if (request.method !== 'GET' || (!isDiscovery && !isJwks)) {
      sendStatus(response, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }

    // A real API server serves these documents to authenticated callers only.
    const token = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token) {
      remember(this.bearerTokens, token);
    } else if (!this.#allowAnonymous) {
      sendStatus(response, 401, 'Unauthorized', 'Unauthorized');
      return;
    }

    const outage = this.#outage;
    if (typeof outage === 'object') {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#answer(response, isDiscovery);
      }, outage.slowMs);
      this.#timers.add(timer);
      return;
    }
    this.#answer(response, isDiscovery);
  }

  #answer(response: ServerResponse, isDiscovery: boolean): void {
    if (this.#outage === 'status500') {
      sendStatus(
        response,
        500,
        'InternalError',
        'an error on the server has prevented the request',
      );
    } else if (this.#outage === 'garbage') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('<html>this is not the document you are looking for');
    } else if (isDiscovery) {
      sendJson(response, 'application/json', this.discovery());
    } else {
      const document = this.#outage === 'emptyKeys' ? { keys: [] } : this.jwks();
      sendJson(response, 'application/jwk-set+json', document);
    }
  }

  #uidOf(object: string): string {
    let uid = this.#uids.get(object);
    if (!uid) {
      uid = randomUUID();
      this.#uids.set(object, uid);
    }
    return uid;
  }
}

/** Starts a development client cluster on loopback; see `ClientCluster`. */
export function startClientCluster(options: ClientClusterOptions = {}): Promise<ClientCluster> {
  return ClientCluster.start(options);
}

function remember<T>(list: T[], value: T): void {
  list.push(value);
  if (list.length > historyLimit) list.shift();
}
