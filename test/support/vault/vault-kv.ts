import {
  badRequest,
  noContent,
  noHandler,
  ok,
  unsupportedOperation,
  VaultHttpError,
  envelope,
  vaultTime,
  type VaultReply,
} from './vault-http.js';
import { listKeys, type MountRequest, type SecretMount } from './vault-mount.js';

// KV v1 reads carry the mount's default lease, 768 h, though nothing is leased.
const kvV1LeaseSeconds = 2_764_800;

/** Vault's answer to a missing secret or version: 404 and an empty error list. */
const missing = (): VaultHttpError => new VaultHttpError(404, []);

/** KV version 1: one unversioned JSON object per path. */
export class KvV1Mount implements SecretMount {
  readonly type = 'kv';
  readonly #entries = new Map<string, Record<string, unknown>>();

  write(path: string, data: Record<string, unknown>): void {
    this.#entries.set(path, structuredClone(data));
  }

  handle(request: MountRequest): VaultReply {
    const { subPath } = request;
    switch (request.operation) {
      case 'read': {
        const data = this.#entries.get(subPath);
        if (data === undefined) throw missing();
        return ok({ data, leaseDuration: kvV1LeaseSeconds, mountType: this.type });
      }
      case 'list': {
        const keys = listKeys(this.#entries.keys(), subPath);
        if (keys.length === 0) throw missing();
        return ok({ data: { keys }, mountType: this.type });
      }
      case 'update':
        this.write(subPath, request.body);
        return noContent;
      case 'delete':
        this.#entries.delete(subPath);
        return noContent;
      default:
        throw unsupportedOperation();
    }
  }
}

interface KvVersion {
  data: Record<string, unknown> | null;
  createdTime: number;
  deletionTime: number | undefined;
  isDestroyed: boolean;
}

interface KvSecret {
  versions: Map<number, KvVersion>;
  currentVersion: number;
  customMetadata: Record<string, string> | null;
  createdTime: number;
  updatedTime: number;
}

function versionList(body: Record<string, unknown>): number[] {
  const versions = body.versions;
  if (!Array.isArray(versions) || versions.length === 0) {
    throw badRequest('no version number provided');
  }
  return versions.map((value) => Number(value)).filter((value) => Number.isInteger(value));
}

/**
 * KV version 2: versioned secrets below `data/`, their history and custom metadata below
 * `metadata/`, soft deletion below `delete/` and `undelete/`, and `destroy/`.
 */
export class KvV2Mount implements SecretMount {
  readonly type = 'kv';
  readonly #secrets = new Map<string, KvSecret>();

  constructor(private readonly now: () => number) {}

  /** Writes a new version and returns its number. */
  write(path: string, data: Record<string, unknown>): number {
    const now = this.now();
    const secret = this.#secrets.get(path) ?? {
      versions: new Map(),
      currentVersion: 0,
      customMetadata: null,
      createdTime: now,
      updatedTime: now,
    };
    secret.currentVersion += 1;
    secret.updatedTime = now;
    secret.versions.set(secret.currentVersion, {
      data: structuredClone(data),
      createdTime: now,
      deletionTime: undefined,
      isDestroyed: false,
    });
    this.#secrets.set(path, secret);
    return secret.currentVersion;
  }

  setCustomMetadata(path: string, customMetadata: Record<string, string>): void {
    const secret = this.#secrets.get(path);
    if (secret === undefined) throw new Error(`no KV v2 secret at ${path}`);
    secret.customMetadata = { ...customMetadata };
  }

  /** Soft-deletes versions: their data stays until destroyed, but reads answer 404. */
  deleteVersions(path: string, versions: number[]): void {
    for (const version of versions) {
      const entry = this.#secrets.get(path)?.versions.get(version);
      if (entry && entry.deletionTime === undefined) entry.deletionTime = this.now();
    }
  }

  destroyVersions(path: string, versions: number[]): void {
    for (const version of versions) {
      const entry = this.#secrets.get(path)?.versions.get(version);
      if (entry) {
        entry.isDestroyed = true;
        entry.data = null;
      }
    }
  }

  handle(request: MountRequest): VaultReply {
    const slash = request.subPath.indexOf('/');
    const area = slash === -1 ? request.subPath : request.subPath.slice(0, slash);
    const path = slash === -1 ? '' : request.subPath.slice(slash + 1);
    switch (area) {
      case 'data':
        return this.#data(request, path);
      case 'metadata':
        return this.#metadata(request, path);
      case 'delete':
      case 'destroy':
      case 'undelete':
        return this.#versionsOperation(request, area, path);
      default:
        throw noHandler(`${request.mountPath}/${request.subPath}`);
    }
  }

  #versionMetadata(secret: KvSecret, version: number, entry: KvVersion): Record<string, unknown> {
    return {
      created_time: vaultTime(entry.createdTime),
      custom_metadata: secret.customMetadata,
      deletion_time: entry.deletionTime === undefined ? '' : vaultTime(entry.deletionTime),
      destroyed: entry.isDestroyed,
      version,
    };
  }

  #data(request: MountRequest, path: string): VaultReply {
    if (request.operation === 'update') {
      const data = request.body.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw badRequest('no data provided');
      }
      const version = this.write(path, data as Record<string, unknown>);
      const secret = this.#secrets.get(path)!;
      const metadata = this.#versionMetadata(secret, version, secret.versions.get(version)!);
      return ok({ data: metadata, mountType: this.type });
    }
    if (request.operation === 'delete') {
      const secret = this.#secrets.get(path);
      if (secret) this.deleteVersions(path, [secret.currentVersion]);
      return noContent;
    }
    if (request.operation !== 'read') throw unsupportedOperation();

    const asked = request.query.get('version');
    const number = asked === null || asked === '' ? 0 : Number(asked);
    if (!Number.isInteger(number) || number < 0) {
      throw badRequest(`error converting input ${asked} for field "version"`);
    }
    const secret = this.#secrets.get(path);
    const version = number === 0 ? (secret?.currentVersion ?? 0) : number;
    const entry = secret?.versions.get(version);
    if (secret === undefined || entry === undefined) throw missing();
    const metadata = this.#versionMetadata(secret, version, entry);
    if (entry.deletionTime !== undefined || entry.isDestroyed) {
      // Vault answers 404 for a deleted or destroyed version, with its metadata in the body.
      const body = envelope({ data: { data: null, metadata }, mountType: this.type });
      throw new VaultHttpError(404, [], body);
    }
    return ok({ data: { data: entry.data, metadata }, mountType: this.type });
  }

  #metadata(request: MountRequest, path: string): VaultReply {
    if (request.operation === 'list') {
      const keys = listKeys(this.#secrets.keys(), path);
      if (keys.length === 0) throw missing();
      return ok({ data: { keys }, mountType: this.type });
    }
    if (request.operation === 'update') {
      const custom = request.body.custom_metadata;
      if (!this.#secrets.has(path)) this.write(path, {});
      if (typeof custom === 'object' && custom !== null) {
        this.setCustomMetadata(path, custom as Record<string, string>);
      }
      return noContent;
    }
    if (request.operation === 'delete') {
      this.#secrets.delete(path);
      return noContent;
    }
    if (request.operation !== 'read') throw unsupportedOperation();

    const secret = this.#secrets.get(path);
    if (secret === undefined) throw missing();
    const versions: Record<string, unknown> = {};
    for (const [version, entry] of secret.versions) {
      versions[String(version)] = {
        created_time: vaultTime(entry.createdTime),
        deletion_time: entry.deletionTime === undefined ? '' : vaultTime(entry.deletionTime),
        destroyed: entry.isDestroyed,
      };
    }
    const data = {
      cas_required: false,
      created_time: vaultTime(secret.createdTime),
      current_version: secret.currentVersion,
      custom_metadata: secret.customMetadata,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: vaultTime(secret.updatedTime),
      versions,
    };
    return ok({ data, mountType: this.type });
  }

  #versionsOperation(request: MountRequest, area: string, path: string): VaultReply {
    if (request.operation !== 'update') throw unsupportedOperation();
    const versions = versionList(request.body);
    if (area === 'delete') this.deleteVersions(path, versions);
    if (area === 'destroy') this.destroyVersions(path, versions);
    if (area === 'undelete') {
      for (const version of versions) {
        const entry = this.#secrets.get(path)?.versions.get(version);
        if (entry && !entry.isDestroyed) entry.deletionTime = undefined;
      }
    }
    return noContent;
  }
}
