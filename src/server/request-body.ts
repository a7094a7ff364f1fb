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
  kind: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/)
    .optional(),
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

/** Says what is wrong with one value, without repeating the value itself. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_big':
      return 'too long';
    case 'too_small':
      return 'must not be empty';
    case 'invalid_format':
      return 'not a valid name';
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    default:
      return 'value not accepted';
  }
}

/** A request without a body (no Content-Type, no length) arrives as `undefined`. */
function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new FederationError('InvalidBody');
  const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `\`${key}\``).join(', ');
    throw new FederationError('InvalidBody', `unknown field ${keys} in ${where}`);
  }
  const reason = where.startsWith('remoteRef') ? 'InvalidRemoteRef' : 'InvalidBody';
  throw new FederationError(reason, `${where}: ${describeIssue(issue)}`);
}

export function parseSecretBody(body: unknown): SecretBody {
  return parseWith(secretBody, body);
}

export function parseGeneratorBody(body: unknown): GeneratorBody {
  return parseWith(generatorBody, body);
}

export function parseRevokeBody(body: unknown): RevokeBody {
  return parseWith(revokeBody, body);
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
