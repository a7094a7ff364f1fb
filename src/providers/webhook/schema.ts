import { z } from 'zod';

import { parseDuration } from '../../duration.js';
import { caBundleSchema, caProviderSchema } from '../backend-tls/index.js';
import { bodyEncodingOf, bodyTemplateProblem } from './body-encoding.js';
import { parseJsonPath } from './json-path.js';
import { parseTemplate, type TemplatePart } from './template.js';

/** Longest accepted `timeout`: milliseconds. */
const maxTimeoutMs = 60_000;

// RFC 9110 token characters; the listed names are framing the HTTP client owns.
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const reservedHeaders = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
const templateName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const webhookSecretSchema = z.strictObject({
  name: z
    .string()
    .regex(templateName, { error: 'must be a template name: letters, digits and _' })
    .describe('The name templates use for this Secret: `{{ .<name>.<key> }}`.'),
  secretRef: z
    .strictObject({
      name: z.string().min(1).describe('Name of the Secret.'),
      key: z
        .string()
        .min(1)
        .optional()
        .describe('When set, the only key of the Secret that templates may use.'),
      namespace: z
        .string()
        .min(1)
        .optional()
        .describe('Namespace of the Secret; required in a ClusterSecretStore.'),
    })
    .describe('The Secret whose keys templates may insert.'),
});

const refusedAuth = z
  .unknown()
  .refine((value) => value === undefined, {
    error: 'auth (NTLM) is not supported; send credentials in headers from secrets instead',
  })
  .optional()
  .describe('Not supported; refused when set.');

/** The fields the webhook provider and the Webhook generator share. */
export const webhookFields = {
  url: z
    .string()
    .min(1)
    .describe('The URL template, e.g. `https://hooks.example.com/secrets/{{ .remoteRef.key }}`.'),
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], {
      error: 'method must be one of GET, POST, PUT, PATCH, DELETE',
    })
    .default('GET')
    .describe('The HTTP method; default `GET`.'),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe('Request headers; values are templates.'),
  body: z.string().optional().describe('The request body template.'),
  timeout: z
    .string()
    .optional()
    .describe('Bound on one attempt, a duration such as `5s`; default 5s, at most 60s.'),
  caBundle: caBundleSchema.optional(),
  caProvider: caProviderSchema
    .optional()
    .describe('The CA bundle read from a Secret key at call time.'),
  secrets: z
    .array(webhookSecretSchema)
    .optional()
    .describe('Secrets whose keys the templates may insert.'),
  auth: refusedAuth,
};

type WebhookBase = z.infer<z.ZodObject<typeof webhookFields>>;

/** How the templates of one spec may be written. */
interface TemplateRules {
  /** False for the generator: there is no remoteRef to insert. */
  allowsRemoteRef: boolean;
}

function checkParts(
  parts: readonly TemplatePart[],
  spec: WebhookBase,
  rules: TemplateRules,
): string | undefined {
  for (const part of parts) {
    if (part.type === 'remoteRef' && !rules.allowsRemoteRef) {
      return 'a generator has no remoteRef: {{ .remoteRef.* }} cannot be used here';
    }
    if (part.type !== 'secret') continue;
    const declared = spec.secrets?.find((secret) => secret.name === part.name);
    if (declared === undefined) return `{{ .${part.name}.${part.key} }} names no entry of secrets`;
    const onlyKey = declared.secretRef.key;
    if (onlyKey !== undefined && onlyKey !== part.key) {
      return `{{ .${part.name}.${part.key} }}: secrets entry ${part.name} allows only key ${onlyKey}`;
    }
  }
  return undefined;
}

/** The problem with the URL template, if any. */
function urlProblem(url: string, parts: readonly TemplatePart[]): string | undefined {
  const first = parts.findIndex((part) => part.type !== 'text');
  const prefix = parts
    .slice(0, first < 0 ? parts.length : first)
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('');
  // Scheme and host must be literal: an inserted value must never choose where the
  // request, and the credentials in its headers, go.
  const isLiteralOrigin = first < 0 || /^https?:\/\/[^/?#]+[/?#]/i.test(prefix);
  if (!isLiteralOrigin) return 'url: scheme and host must be literal text before any {{ }}';
  try {
    const parsed = new URL(url.replace(/\{\{[^}]*\}\}/g, 'x'));
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'url: must be http(s)';
  } catch {
    return 'url: not a valid URL';
  }
  return undefined;
}

type Issue = { path: PropertyKey[]; message: string };

type PartsCheck = (parts: readonly TemplatePart[]) => string | undefined;

/** The problems of one template: unparsable, a name it may not use, or `more`. */
function templateProblem(
  text: string,
  spec: WebhookBase,
  rules: TemplateRules,
  more?: PartsCheck,
): string | undefined {
  const parsed = parseTemplate(text);
  if ('error' in parsed) return parsed.error;
  return checkParts(parsed.parts, spec, rules) ?? more?.(parsed.parts);
}

function headerProblem(
  name: string,
  value: string,
  isRepeated: boolean,
  spec: WebhookBase,
  rules: TemplateRules,
): string | undefined {
  if (!headerName.test(name) || reservedHeaders.has(name.toLowerCase())) {
    return 'not a header name the webhook may set';
  }
  if (isRepeated) return 'set twice; header names ignore case';
  if (/[\r\n\0]/.test(value)) return 'a header value must be one line';
  return templateProblem(value, spec, rules);
}

function templateIssues(spec: WebhookBase, rules: TemplateRules): Issue[] {
  const problems: [PropertyKey[], string | undefined][] = [
    [['url'], templateProblem(spec.url, spec, rules, (parts) => urlProblem(spec.url, parts))],
  ];
  if (spec.body !== undefined) {
    const encoding = bodyEncodingOf(spec.headers);
    const bodyCheck: PartsCheck = (parts) => bodyTemplateProblem(parts, encoding);
    problems.push([['body'], templateProblem(spec.body, spec, rules, bodyCheck)]);
  }
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    const isRepeated = seen.has(name.toLowerCase());
    seen.add(name.toLowerCase());
    problems.push([['headers', name], headerProblem(name, value, isRepeated, spec, rules)]);
  }
  return problems.flatMap(([path, message]) =>
    message === undefined ? [] : [{ path, message: message.replace(/^url: /, '') }],
  );
}

function otherIssues(spec: WebhookBase, jsonPath: string | undefined): Issue[] {
  const issues: Issue[] = [];
  if (spec.caBundle !== undefined && spec.caProvider !== undefined) {
    issues.push({ path: ['caProvider'], message: 'set caBundle or caProvider, not both' });
  }
  if (spec.timeout !== undefined) {
    let ms = Number.NaN;
    try {
      ms = parseDuration(spec.timeout);
    } catch {
      // Reported below.
    }
    if (!(ms >= 1 && ms <= maxTimeoutMs)) {
      issues.push({ path: ['timeout'], message: 'must be a duration from 1ms to 60s, e.g. 5s' });
    }
  }
  const names = (spec.secrets ?? []).map((secret) => secret.name);
  if (new Set(names).size !== names.length) {
    issues.push({ path: ['secrets'], message: 'each secrets entry needs its own name' });
  }
  if (jsonPath !== undefined) {
    const parsed = parseJsonPath(jsonPath);
    if ('error' in parsed) issues.push({ path: ['result', 'jsonPath'], message: parsed.error });
  }
  return issues;
}

/** Adds the cross-field checks of a webhook spec to its schema. */
export function checkWebhookSpec(
  spec: WebhookBase & { result?: { jsonPath?: string } },
  context: z.RefinementCtx,
  rules: TemplateRules,
): void {
  const issues = [...templateIssues(spec, rules), ...otherIssues(spec, spec.result?.jsonPath)];
  for (const issue of issues) context.addIssue({ code: 'custom', ...issue });
}

/**
 * `spec.provider.webhook` of a ClusterSecretStore, with the External Secrets Operator's
 * names: every read renders the templates with the `remoteRef` and calls the URL.
 */
export const webhookProviderSchema = z
  .strictObject({
    ...webhookFields,
    result: z
      .strictObject({
        jsonPath: z
          .string()
          .optional()
          .describe('Selects the value from a JSON answer, e.g. `$.data.value`.'),
      })
      .optional()
      .describe('How the value is taken from the answer; the whole body when absent.'),
  })
  .superRefine((spec, context) => checkWebhookSpec(spec, context, { allowsRemoteRef: true }))
  .describe('A store that calls an HTTP endpoint for every read.');

/** The validated `spec.provider.webhook` block. */
export type WebhookProviderSpec = z.infer<typeof webhookProviderSchema>;

/** What a call needs from a provider or generator spec. */
export type WebhookCallSpec = WebhookBase & { result?: { jsonPath?: string } };

/** Milliseconds of `timeout`, or the default of 5 s. */
export function timeoutMsOf(spec: WebhookCallSpec): number {
  return spec.timeout === undefined ? 5_000 : parseDuration(spec.timeout);
}
