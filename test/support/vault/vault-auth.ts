import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';

import { badRequest, permissionDenied, stringField } from './vault-http.js';

/** What a successful login is worth: the token to issue. */
export interface LoginGrant {
  policies: string[];
  /** Seconds. */
  ttlSeconds: number;
  /** Seconds; default 10 × ttl. */
  maxTtlSeconds?: number;
  displayName: string;
  metadata: Record<string, string>;
}

/** An auth method mounted at `auth/<path>` of a namespace. */
export interface AuthMount {
  /** Vault's auth method type, e.g. `approle`. */
  readonly type: string;
  login(body: Record<string, unknown>): Promise<LoginGrant>;
}

/** The token settings every role of every method has. */
export interface RoleTokenSettings {
  policies: string[];
  /** Seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Seconds; default 10 × ttl. */
  tokenMaxTtlSeconds?: number;
}

function grantOf(
  role: RoleTokenSettings,
  displayName: string,
  metadata: Record<string, string>,
): LoginGrant {
  return {
    policies: role.policies,
    ttlSeconds: role.tokenTtlSeconds ?? 3600,
    maxTtlSeconds: role.tokenMaxTtlSeconds,
    displayName,
    metadata,
  };
}

/** An AppRole role: its role id and the secret ids issued for it. */
export interface AppRoleRole extends RoleTokenSettings {
  roleId: string;
  secretIds: string[];
}

/** `approle`: login with a role id and a secret id. */
export class AppRoleAuth implements AuthMount {
  readonly type = 'approle';
  readonly roles = new Map<string, AppRoleRole>();

  async login(body: Record<string, unknown>): Promise<LoginGrant> {
    const roleId = stringField(body, 'role_id', true)!;
    const secretId = stringField(body, 'secret_id', true)!;
    for (const [name, role] of this.roles) {
      if (role.roleId === roleId && role.secretIds.includes(secretId)) {
        return grantOf(role, `approle`, { role_name: name });
      }
    }
    // One answer for an unknown role id and a wrong secret id.
    throw badRequest('invalid role or secret ID');
  }
}

/** A Kubernetes auth role; the stand-in accepts the listed JWTs by exact match. */
export interface KubernetesRole extends RoleTokenSettings {
  /**
   * Service account JWTs this role accepts, exactly as sent. Vault would send each to the
   * cluster's TokenReview API; the stand-in has no cluster behind it.
   */
  jwts: string[];
  serviceAccountName?: string;
  serviceAccountNamespace?: string;
}

/** `kubernetes`: login with a role and a service account JWT. */
export class KubernetesAuth implements AuthMount {
  readonly type = 'kubernetes';
  readonly roles = new Map<string, KubernetesRole>();

  async login(body: Record<string, unknown>): Promise<LoginGrant> {
    const roleName = stringField(body, 'role', true)!;
    const jwt = stringField(body, 'jwt', true)!;
    const role = this.roles.get(roleName);
    if (role === undefined) throw badRequest(`invalid role name "${roleName}"`);
    // Vault answers a token that TokenReview rejects with 403.
    if (!role.jwts.includes(jwt)) throw permissionDenied();
    return grantOf(role, `kubernetes-${role.serviceAccountNamespace ?? 'default'}`, {
      role: roleName,
      service_account_name: role.serviceAccountName ?? '',
      service_account_namespace: role.serviceAccountNamespace ?? '',
    });
  }
}

/** A JWT auth role: which audiences and subject it binds. */
export interface JwtRole extends RoleTokenSettings {
  boundAudiences: string[];
  /** Exact `sub` required; any when absent. */
  boundSubject?: string;
}

/** How a JWT mount verifies tokens: a local key set, as `jwt_validation_pubkeys` does. */
export interface JwtAuthConfig {
  jwks: JSONWebKeySet;
  boundIssuer?: string;
  defaultRole?: string;
}

/** `jwt`: login with a role and a JWT verified against the mount's keys. */
export class JwtAuth implements AuthMount {
  readonly type = 'jwt';
  readonly roles = new Map<string, JwtRole>();
  readonly #keys: ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly config: JwtAuthConfig) {
    this.#keys = createLocalJWKSet(config.jwks);
  }

  async login(body: Record<string, unknown>): Promise<LoginGrant> {
    const roleName = stringField(body, 'role', false) ?? this.config.defaultRole;
    const jwt = stringField(body, 'jwt', true)!;
    if (roleName === undefined) throw badRequest('missing role');
    const role = this.roles.get(roleName);
    if (role === undefined) throw badRequest(`role "${roleName}" could not be found`);
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(jwt, this.#keys, {
        issuer: this.config.boundIssuer,
        audience: role.boundAudiences,
      });
      subject = payload.sub;
    } catch {
      throw badRequest('error validating token: invalid signature or claims');
    }
    if (role.boundSubject !== undefined && subject !== role.boundSubject) {
      throw badRequest('error validating claims: sub claim does not match bound subject');
    }
    return grantOf(role, `jwt-${subject ?? ''}`, { role: roleName });
  }
}
