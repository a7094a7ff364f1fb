import { FederationError } from '../../errors.js';
import { resolveCaPem, type ClientTrust } from '../backend-tls/index.js';
import type { BackendHttpClient } from '../http/index.js';
import type { BackendContext, RemoteRef } from '../provider.js';
import { readSecretText } from '../secret-reader.js';
import { bodyEncodingOf, type BodyEncoding } from './body-encoding.js';
import { followJsonPath, parseJsonPath, type JsonPath } from './json-path.js';
import type { WebhookCallSpec } from './schema.js';
import {
  parseTemplate,
  renderTemplate,
  type TemplatePart,
  type TemplateValues,
  type ValueSource,
} from './template.js';

/** Whether `value` holds a C0 control character or DEL, which could end a header line. */
function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function partsOf(text: string): TemplatePart[] {
  const parsed = parseTemplate(text);
  // The schema refused unparsable templates when the manifest loaded.
  if ('error' in parsed) throw new FederationError('StoreNotReady', undefined, parsed.error);
  return parsed.parts;
}

/** JSON string content without the quotes, so a value cannot end the string it sits in. */
function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * The escaping of values in a body. Without a JSON or form Content-Type only Secret values
 * are inserted, as they are: the schema refuses `remoteRef` in such a body.
 */
const bodyEscapes: Record<BodyEncoding, (value: string) => string> = {
  json: jsonEscape,
  form: encodeURIComponent,
  none: (value) => value,
};

/**
 * A value for a header line. A Secret's trailing line break (as `kubectl create secret
 * --from-file` keeps it) is dropped; any other control character is refused, since it
 * would end the line and start a forged header.
 */
function headerValue(value: string, source: ValueSource): string {
  const trimmed = source === 'secret' ? value.replace(/\r?\n$/, '') : value;
  if (!hasControlCharacter(trimmed)) return trimmed;
  throw source === 'secret'
    ? new FederationError('StoreNotReady', undefined, 'a Secret value for a header is not one line')
    : new FederationError('InvalidRemoteRef', 'a value for a header holds a control character');
}

/**
 * The rendered URL, refused when its path has `.` or `..` segments: the URL parser would
 * resolve them (even percent-encoded), letting a key climb out of the templated path to
 * other endpoints of the host, with the same headers.
 */
function checkedUrl(rendered: string): string {
  let parsed: URL;
  try {
    parsed = new URL(rendered);
  } catch {
    throw new FederationError('InvalidRemoteRef', 'the webhook URL cannot be built from remoteRef');
  }
  const authorityStart = rendered.indexOf('//') + 2;
  const afterAuthority = rendered.slice(authorityStart);
  const pathStart = afterAuthority.search(/[/?#]/);
  const rawPath = pathStart < 0 ? '' : (afterAuthority.slice(pathStart).split(/[?#]/, 1)[0] ?? '');
  if ((rawPath || '/') !== parsed.pathname) {
    throw new FederationError(
      'InvalidRemoteRef',
      'remoteRef values must not form . or .. path segments',
    );
  }
  return rendered;
}

/** The parsed templates of one spec, ready to render for each call. */
export interface WebhookTemplates {
  url: TemplatePart[];
  body: TemplatePart[] | undefined;
  headers: [string, TemplatePart[]][];
  jsonPath: JsonPath | undefined;
  /** How values are escaped in the body, by its literal Content-Type header. */
  bodyEncoding: BodyEncoding;
}

/** Parses the templates of a validated spec once, when the store or generator is built. */
export function prepareTemplates(spec: WebhookCallSpec): WebhookTemplates {
  const headers = Object.entries(spec.headers ?? {}).map(
    ([name, value]): [string, TemplatePart[]] => [name, partsOf(value)],
  );
  const jsonPath =
    spec.result?.jsonPath === undefined ? undefined : parseJsonPath(spec.result.jsonPath);
  if (jsonPath !== undefined && 'error' in jsonPath) {
    throw new FederationError('StoreNotReady', undefined, jsonPath.error);
  }
  return {
    url: partsOf(spec.url),
    body: spec.body === undefined ? undefined : partsOf(spec.body),
    headers,
    jsonPath,
    bodyEncoding: bodyEncodingOf(spec.headers),
  };
}

/** Reads the keys templates name from the declared Secrets, each once per call. */
function secretValues(spec: WebhookCallSpec, context: BackendContext, signal?: AbortSignal) {
  const cache = new Map<string, Promise<string>>();
  return (name: string, key: string): Promise<string> => {
    const ref = spec.secrets?.find((secret) => secret.name === name)?.secretRef;
    if (ref === undefined) {
      return Promise.reject(new FederationError('StoreNotReady', undefined, `no secret ${name}`));
    }
    const cacheKey = `${name}\u0000${key}`;
    let value = cache.get(cacheKey);
    if (value === undefined) {
      value = readSecretText({ name: ref.name, key, namespace: ref.namespace }, context, {
        signal,
      });
      cache.set(cacheKey, value);
    }
    return value;
  };
}

/** One rendered and sent webhook request. */
export interface WebhookCallInput {
  remoteRef?: RemoteRef;
  signal?: AbortSignal;
}

/**
 * Renders the templates and calls the webhook: values are URL-encoded in the URL,
 * JSON-escaped in a JSON body, form-encoded in a form body, and refused in a header when
 * they hold control characters.
 * A 404 is `NotFound`; any other status outside 2xx is `BackendError`. Returns the body.
 */
export async function callWebhook(
  spec: WebhookCallSpec,
  templates: WebhookTemplates,
  context: BackendContext,
  clientFor: (trust: ClientTrust) => BackendHttpClient,
  input: WebhookCallInput,
): Promise<string> {
  const { signal } = input;
  const values: TemplateValues = {
    remoteRef: input.remoteRef,
    secret: secretValues(spec, context, signal),
  };
  const url = checkedUrl(await renderTemplate(templates.url, values, encodeURIComponent));
  const headers: Record<string, string> = {};
  for (const [name, parts] of templates.headers) {
    headers[name] = await renderTemplate(parts, values, headerValue);
  }
  const body =
    templates.body === undefined
      ? undefined
      : await renderTemplate(templates.body, values, bodyEscapes[templates.bodyEncoding]);

  const caPem = await resolveCaPem(spec, context, signal);
  const response = await clientFor({ caPem }).send({
    method: spec.method,
    url,
    headers,
    body,
    signal,
  });
  if (response.status === 404) {
    throw new FederationError('NotFound', undefined, 'the webhook answered 404');
  }
  if (response.status < 200 || response.status > 299) {
    throw new FederationError('BackendError', undefined, `the webhook answered ${response.status}`);
  }
  return response.text;
}

/**
 * The value `jsonPath` selects from a JSON answer; undefined when the path leads nowhere.
 * An answer that is not JSON is a `BackendError`.
 */
export function selectResult(text: string, jsonPath: JsonPath): { value: unknown } | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    throw new FederationError('BackendError', undefined, 'the webhook answer is not JSON');
  }
  const selected = followJsonPath(root, jsonPath);
  return selected.found ? { value: selected.value } : undefined;
}
