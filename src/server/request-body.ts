import { z } from 'zod';

import { FederationError } from '../errors.js';
import type { RemoteRef } from '../providers/provider.js';

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const caCert = z.string().max(60_000);

const remoteRef = z.strictObject({
  property: z.string().min(1).max(1024).optional(),
  version: z.string().min(1).max(256).optional(),
  decodingStrategy: z.enum(['None', 'Base64', 'Base64URL', 'Auto']).optional(),
  metadataPolicy: z.enum(['None', 'Fetch']).optional(),
});

const secretBody = z.strictObject({ 'ca.crt': caCert.optional(), remoteRef: remoteRef.optional() });
const generatorBody = z.strictObject({ 'ca.crt': caCert.optional() });
const revokeBody = z.strictObject({
  'ca.crt': caCert.optional(),
  owner: z.string().regex(dnsSubdomain).optional(),
  namespace: z.string().regex(dnsLabel).optional(),
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/).optional(),
  name: z.string().regex(dnsSubdomain).optional(),
});

export type SecretBody = z.infer<typeof secretBody>;
export type GeneratorBody = z.infer<typeof generatorBody>;
export type RevokeBody = z.infer<typeof revokeBody>;

/**
 * Parses a raw request body: empty means `{}`, anything else must be one JSON object.
 * Accepted whatever the Content-Type, since clients differ in what they send.
 */
export function parseJsonObject(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new FederationError('InvalidBody', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FederationError('InvalidBody');
  }
  return value as Record<string, unknown>;
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown, reason: 'InvalidBody'): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  if (issue?.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `\`${key}\``).join(', ');
    throw new FederationError(reason, `unknown field ${keys} in ${where}`);
  }
  if (where.startsWith('remoteRef')) {
    throw new FederationError('InvalidRemoteRef', `${where}: value not accepted`);
  }
  throw new FederationError(reason, `${where}: value not accepted`);
}

export function parseSecretBody(body: unknown): SecretBody {
  return parseWith(secretBody, body, 'InvalidBody');
}

export function parseGeneratorBody(body: unknown): GeneratorBody {
  return parseWith(generatorBody, body, 'InvalidBody');
}

export function parseRevokeBody(body: unknown): RevokeBody {
  return parseWith(revokeBody, body, 'InvalidBody');
}

/** The RemoteRef for a store read: the path's key plus the body's optional fields. */
export function remoteRefOf(key: string, body: SecretBody): RemoteRef {
  return { key, ...body.remoteRef };
}

/** Path parameters are checked before authentication: a bad one is a 400, never a lookup. */
export const pathRules = {
  storeName: dnsSubdomain,
  namespace: dnsLabel,
  kind: /^[A-Za-z][A-Za-z0-9]{0,62}$/,
  name: dnsSubdomain,
} as const;

export function checkPathParameter(value: string, rule: RegExp, label: string): string {
  if (!rule.test(value)) {
    throw new FederationError('InvalidPathParameter', `${label} is not a valid name`);
  }
  return value;
}

/** A remote key: any printable text up to 1024 characters (`/` arrives as `%2F`). */
export function checkSecretName(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length === 0 || value.length > 1024 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new FederationError('InvalidPathParameter', 'secret name is not valid');
  }
  return value;
}
