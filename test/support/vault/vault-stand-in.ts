import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { createClusterTLS } from '../../../src/dev/cluster-ca.js';
import type { AuthMount } from './vault-auth.js';
import { DatabaseMount, type PostgresAdmin } from './vault-database.js';
import {
  badRequest,
  noContent,
  noHandler,
  ok,
  parseBody,
  permissionDenied,
  stringField,
  unsupportedOperation,
  VaultHttpError,
  type VaultReply,
} from './vault-http.js';
import { KvV1Mount, KvV2Mount } from './vault-kv.js';
import { LeaseRegistry } from './vault-leases.js';
import type { Operation, SecretMount } from './vault-mount.js';
import { isAllowed, TokenStore, type PolicyRule, type TokenEntry } from './vault-tokens.js';

/**
 * How the stand-in misbehaves until cleared: it answers `status`, to every request or only
 * to those for the API path `path` (below `/v1/`, e.g. `secret/data/app/db`), or it waits
 * `delayMs` before serving each request.
 */
export type VaultFault = { status: number; path?: string } | { delayMs: number };

interface NamespaceState {
  policies: Map<string, PolicyRule[]>;
  mounts: Map<string, SecretMount>;
  auths: Map<string, AuthMount>;
}

/** One request as the stand-in saw it; no token, no body. */
export interface RecordedRequest {
  method: string;
  path: string;
  namespace: string;
}

/** One successful login. */
export interface RecordedLogin {
  namespace: string;
  /** The auth mount path, e.g. `approle`. */
  mount: string;
  token: string;
}

function operationOf(method: string, query: URLSearchParams): Operation {
  switch (method) {
    case 'GET':
      return query.get('list') === 'true' ? 'list' : 'read';
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      return 'patch';
    default:
      throw unsupportedOperation();
  }
}

/** The API path below `/v1/`, decoded, without trailing slashes. */
function apiPathOf(request: IncomingMessage): string {
  const { pathname } = new URL(request.url ?? '/', 'https://vault.invalid');
  return decodeURIComponent(pathname.replace(/^\/v1\//, '')).replace(/\/+$/, '');
}

function namespaceOf(request: IncomingMessage): string {
  const header = request.headers['x-vault-namespace'];
  return (typeof header === 'string' ? header : '').replace(/^\/+|\/+$/g, '');
}

/** The request namespace relative to the token's; undefined when outside it. */
function relativeNamespace(tokenNamespace: string, namespace: string): string | undefined {
  if (tokenNamespace === namespace) return '';
  if (tokenNamespace === '') return namespace;
  return namespace.startsWith(`${tokenNamespace}/`)
    ? namespace.slice(tokenNamespace.length + 1)
    : undefined;
}

function incrementOf(body: Record<string, unknown>): number | undefined {
  const value = body.increment;
  if (value === undefined || value === '') return undefined;
  const seconds = typeof value === 'number' ? value : Number(String(value).replace(/s$/, ''));
  if (!Number.isFinite(seconds) || seconds < 0) throw badRequest('invalid increment');
  return seconds;
}

/**
 * An HTTPS server answering the parts of Vault's HTTP API that the hub uses, with Vault's
 * status codes and envelopes: tokens and policies, namespaces, KV v1 and v2, AppRole,
 * Kubernetes and JWT logins, token self-service, the PostgreSQL database engine and lease
 * revocation. Tests configure it through its methods, as an operator would through the CLI.
 */
export class VaultStandIn {
  readonly tokens: TokenStore;
  readonly leases: LeaseRegistry;
  readonly requests: RecordedRequest[] = [];
  /** Every request target as it arrived (path and query, undecoded), served or not. */
  readonly targets: string[] = [];
  /** Requests answered by a status fault instead of being served; not in `requests`. */
  readonly faulted: RecordedRequest[] = [];
  readonly logins: RecordedLogin[] = [];
  /** Milliseconds since the epoch; tests may replace it to move time. */
  now: () => number = () => Date.now();
  readonly #namespaces = new Map<string, NamespaceState>();
  readonly #closing = new AbortController();
  #fault: VaultFault | undefined;

  constructor(
    readonly url: string,
    readonly caPem: string,
    private readonly server: Server,
  ) {
    this.tokens = new TokenStore(() => this.now());
    this.leases = new LeaseRegistry(() => this.now());
    this.createNamespace('');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void this.#serve(request, response);
    });
  }

  createNamespace(path: string): void {
    this.#namespaces.set(path, { policies: new Map(), mounts: new Map(), auths: new Map() });
  }

  writePolicy(name: string, rules: PolicyRule[], namespace = ''): void {
    this.#namespace(namespace).policies.set(name, rules);
  }

  mountKv(path: string, version: 1, namespace?: string): KvV1Mount;
  mountKv(path: string, version: 2, namespace?: string): KvV2Mount;
  mountKv(path: string, version: 1 | 2, namespace = ''): KvV1Mount | KvV2Mount {
    const mount = version === 1 ? new KvV1Mount() : new KvV2Mount(() => this.now());
    this.#namespace(namespace).mounts.set(path, mount);
    return mount;
  }

  mountDatabase(path: string, admin: PostgresAdmin, namespace = ''): DatabaseMount {
    const mount = new DatabaseMount(admin, this.leases, () => this.now());
    this.#namespace(namespace).mounts.set(path, mount);
    return mount;
  }

  enableAuth<T extends AuthMount>(path: string, mount: T, namespace = ''): T {
    this.#namespace(namespace).auths.set(path, mount);
    return mount;
  }

  /** Issues a token directly, as `vault token create` would; returns its id. */
  createToken(options: {
    policies: string[];
    ttlSeconds?: number;
    maxTtlSeconds?: number;
    renewable?: boolean;
    namespace?: string;
  }): string {
    return this.tokens.issue({
      namespace: options.namespace ?? '',
      policies: options.policies,
      ttlSeconds: options.ttlSeconds ?? 0,
      maxTtlSeconds: options.maxTtlSeconds,
      renewable: options.renewable,
      path: 'auth/token/create',
    }).id;
  }

  /** Logins so far, optionally only those at one auth mount. */
  loginCount(mount?: string): number {
    return this.logins.filter((login) => mount === undefined || login.mount === mount).length;
  }

  setFault(fault: VaultFault | undefined): void {
    this.#fault = fault;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  #namespace(path: string): NamespaceState {
    const state = this.#namespaces.get(path);
    if (state === undefined) throw new Error(`no namespace ${path}`);
    return state;
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let reply: VaultReply;
    this.targets.push(request.url ?? '');
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      await this.#applyFault(request);
      reply = await this.#handle(request, Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      if (this.#closing.signal.aborted) return;
      reply =
        error instanceof VaultHttpError
          ? { status: error.status, body: error.body ?? { errors: error.errors } }
          : { status: 500, body: { errors: ['internal error'] } };
    }
    if (response.destroyed) return;
    if (reply.status === 204 || reply.body === undefined) {
      response.writeHead(reply.status).end();
      return;
    }
    response
      .writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(reply.body));
  }

  async #applyFault(request: IncomingMessage): Promise<void> {
    const fault = this.#fault;
    if (fault === undefined) return;
    if ('delayMs' in fault) {
      await sleep(fault.delayMs, undefined, { signal: this.#closing.signal });
      return;
    }
    const path = apiPathOf(request);
    if (fault.path !== undefined && fault.path !== path) return;
    this.faulted.push({ method: request.method ?? 'GET', path, namespace: namespaceOf(request) });
    throw new VaultHttpError(fault.status, ['local node not active but active cluster node']);
  }

  async #handle(request: IncomingMessage, text: string): Promise<VaultReply> {
    const url = new URL(request.url ?? '/', 'https://vault.invalid');
    if (!url.pathname.startsWith('/v1/')) throw new VaultHttpError(404, []);
    const path = apiPathOf(request);
    const namespace = namespaceOf(request);
    const method = request.method ?? 'GET';
    this.requests.push({ method, path, namespace });
    const operation = operationOf(method, url.searchParams);
    const body = parseBody(text);

    const login = /^auth\/(.+)\/login$/.exec(path);
    if (login?.[1] !== undefined && login[1] !== 'token') {
      return this.#login(namespace, login[1], operation, body);
    }

    const token = this.#tokenOf(request);
    const state = this.#namespaces.get(namespace);
    if (token === undefined || state === undefined) throw permissionDenied();
    const relative = relativeNamespace(token.namespace, namespace);
    if (relative === undefined) throw permissionDenied();

    const route = this.#route(state, path);
    const rules = token.policies.flatMap(
      (name) => this.#namespaces.get(token.namespace)?.policies.get(name) ?? [],
    );
    const aclPath = relative === '' ? path : `${relative}/${path}`;
    const isPermitted =
      operation === 'update'
        ? isAllowed(rules, aclPath, 'update') || isAllowed(rules, aclPath, 'create')
        : isAllowed(rules, aclPath, operation);
    if (!isPermitted) throw permissionDenied();

    if (route.kind === 'builtin') return this.#builtin(path, operation, body, token, namespace);
    return route.mount.handle({
      operation,
      subPath: route.subPath,
      query: url.searchParams,
      body,
      namespace,
      mountPath: route.mountPath,
      displayName: token.displayName,
    });
  }

  #tokenOf(request: IncomingMessage): TokenEntry | undefined {
    const header = request.headers['x-vault-token'];
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const id = typeof header === 'string' && header !== '' ? header : bearer;
    return id === undefined ? undefined : this.tokens.find(id);
  }

  async #login(
    namespace: string,
    mountPath: string,
    operation: Operation,
    body: Record<string, unknown>,
  ): Promise<VaultReply> {
    const auth = this.#namespaces.get(namespace)?.auths.get(mountPath);
    if (auth === undefined) throw noHandler(`auth/${mountPath}/login`);
    if (operation !== 'update') throw unsupportedOperation();
    const grant = await auth.login(body);
    const token = this.tokens.issue({
      ...grant,
      namespace,
      path: `auth/${mountPath}/login`,
    });
    this.logins.push({ namespace, mount: mountPath, token: token.id });
    return ok({ auth: this.tokens.authBlock(token, grant.ttlSeconds) });
  }

  #route(
    state: NamespaceState,
    path: string,
  ):
    | { kind: 'builtin' }
    | { kind: 'mount'; mount: SecretMount; mountPath: string; subPath: string } {
    if (
      /^auth\/token\/((lookup|renew|revoke)-self|revoke-accessor)$/.test(path) ||
      /^sys\/leases\/(revoke|lookup)(\/.*)?$/.test(path)
    ) {
      return { kind: 'builtin' };
    }
    let best: string | undefined;
    for (const mountPath of state.mounts.keys()) {
      const isUnder = path === mountPath || path.startsWith(`${mountPath}/`);
      if (isUnder && (best === undefined || mountPath.length > best.length)) best = mountPath;
    }
    if (best === undefined) throw noHandler(path);
    return {
      kind: 'mount',
      mount: state.mounts.get(best)!,
      mountPath: best,
      subPath: path.slice(best.length + 1),
    };
  }

  async #builtin(
    path: string,
    operation: Operation,
    body: Record<string, unknown>,
    token: TokenEntry,
    namespace: string,
  ): Promise<VaultReply> {
    if (path === 'auth/token/lookup-self') {
      if (operation !== 'read') throw unsupportedOperation();
      return ok({ data: this.tokens.describe(token) });
    }
    if (operation !== 'update') throw unsupportedOperation();
    if (path === 'auth/token/renew-self') {
      const ttl = this.tokens.renew(token, incrementOf(body));
      return ok({ auth: this.tokens.authBlock(token, ttl) });
    }
    if (path === 'auth/token/revoke-self') {
      this.tokens.revoke(token.id);
      return noContent;
    }
    if (path === 'auth/token/revoke-accessor') {
      const accessor = stringField(body, 'accessor', true)!;
      const target = this.tokens.findByAccessor(accessor);
      // Vault refuses an accessor it does not know (or no longer knows) with 400.
      if (target === undefined) throw badRequest('1 error occurred:\n\t* invalid accessor\n\n');
      this.tokens.revoke(target.id);
      return noContent;
    }
    const fromUrl = /^sys\/leases\/(?:revoke|lookup)\/(.+)$/.exec(path)?.[1];
    const leaseId = typeof body.lease_id === 'string' && body.lease_id ? body.lease_id : fromUrl;
    if (leaseId === undefined) throw badRequest('lease_id must be specified');
    if (path.startsWith('sys/leases/lookup')) {
      const lease = this.leases.find(leaseId, namespace);
      if (lease === undefined) throw badRequest('invalid lease');
      return ok({ data: this.leases.describe(lease) });
    }
    await this.leases.revoke(leaseId, namespace);
    return noContent;
  }
}

/** Starts the stand-in on a free loopback port, with its own CA. */
export async function startVaultStandIn(): Promise<VaultStandIn> {
  const tls = await createClusterTLS({ caName: 'vault-stand-in-ca' });
  const server = createServer({ cert: tls.certPem, key: tls.keyPem });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new VaultStandIn(`https://127.0.0.1:${port}`, tls.caPem, server);
}
