import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A Vault error answer: the status and the `errors` list. `body` replaces the whole
 * `{"errors": [...]}` answer where Vault sends more (KV v2 sends the version's metadata
 * with the 404 of a deleted version).
 */
export class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[] = [],
    readonly body?: unknown,
  ) {
    super(errors.join('; ') || `status ${status}`);
  }
}

/** Vault's one answer to a missing, unknown, expired or under-privileged token. */
export function permissionDenied(): VaultHttpError {
  return new VaultHttpError(403, ['permission denied']);
}

/** The answer to a path no mount serves. */
export function noHandler(path: string): VaultHttpError {
  return new VaultHttpError(404, [`no handler for route "${path}". route entry not found.`]);
}

/** The answer to a method a path does not support. */
export function unsupportedOperation(): VaultHttpError {
  return new VaultHttpError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
}

/** A bad request, with Vault's habit of a single message. */
export function badRequest(message: string): VaultHttpError {
  return new VaultHttpError(400, [message]);
}

/** What a handler answers: a status and, unless 204, a JSON body. */
export interface VaultReply {
  status: number;
  body?: unknown;
}

/** The fields of Vault's response envelope that a handler sets. */
export interface EnvelopeFields {
  data?: unknown;
  auth?: unknown;
  leaseId?: string;
  leaseDuration?: number;
  renewable?: boolean;
  mountType?: string;
  warnings?: string[];
}

/** Vault's response envelope: every member present, with Vault's empty values. */
export function envelope(fields: EnvelopeFields): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: fields.leaseId ?? '',
    renewable: fields.renewable ?? false,
    lease_duration: fields.leaseDuration ?? 0,
    data: fields.data ?? null,
    wrap_info: null,
    warnings: fields.warnings ?? null,
    auth: fields.auth ?? null,
    mount_type: fields.mountType ?? '',
  };
}

/** 200 with an envelope. */
export function ok(fields: EnvelopeFields): VaultReply {
  return { status: 200, body: envelope(fields) };
}

/** 204, Vault's answer to a write that returns nothing. */
export const noContent: VaultReply = { status: 204 };

const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random letters and digits, as Vault uses in token ids, accessors and lease suffixes. */
export function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += base62[byte % base62.length];
  return text;
}

/** RFC 3339 time as Vault prints it. */
export function vaultTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The JSON body as an object; Vault refuses anything else with 400. */
export function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('failed to parse JSON input: invalid character');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('failed to parse JSON input: not an object');
  }
  return parsed as Record<string, unknown>;
}

/** A string field of a body, or a 400 naming it when it is required and missing. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined {
  const value = body[name];
  if (value === undefined || value === '') {
    if (required) throw badRequest(`missing ${name}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    throw badRequest(`error converting input for field "${name}": expected a string`);
  }
  return value;
}
