import type { TemplatePart } from './template.js';

/** How values inserted into a body are escaped: by the body's declared Content-Type. */
export type BodyEncoding = 'json' | 'form' | 'none';

// `type/subtype` or `type/x+json` (RFC 6839), after parameters are cut off.
const jsonMediaType = /^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.+-]+\+)?json$/;
const formMediaType = 'application/x-www-form-urlencoded';

/**
 * The encoding the `Content-Type` header declares: `json` for `application/json` and other
 * JSON media types, `form` for `application/x-www-form-urlencoded`, else `none`. Only a
 * literal header value counts: a templated one is not known before the call, and a
 * header set twice (names ignore case) is refused when the manifest loads.
 */
export function bodyEncodingOf(headers: Record<string, string> | undefined): BodyEncoding {
  const values = Object.entries(headers ?? {})
    .filter(([name]) => name.toLowerCase() === 'content-type')
    .map(([, value]) => value);
  const [value] = values;
  if (values.length !== 1 || value === undefined || value.includes('{{')) return 'none';
  const mediaType = (value.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (mediaType === formMediaType) return 'form';
  return jsonMediaType.test(mediaType) ? 'json' : 'none';
}

type RemoteRefPart = Extract<TemplatePart, { type: 'remoteRef' }>;

/** The first `{{ .remoteRef.* }}` action outside a JSON string or right after a `\`. */
function remoteRefOutsideString(parts: readonly TemplatePart[]): RemoteRefPart | undefined {
  let isInString = false;
  let isEscaped = false;
  for (const part of parts) {
    if (part.type === 'remoteRef' && (!isInString || isEscaped)) return part;
    if (part.type !== 'text') continue;
    for (const char of part.text) {
      if (isEscaped) isEscaped = false;
      else if (isInString && char === '\\') isEscaped = true;
      else if (char === '"') isInString = !isInString;
    }
  }
  return undefined;
}

/**
 * Why a body template cannot carry the caller's `remoteRef` values safely, if it cannot.
 * Those values are escaped only for a JSON body (inside a string, where escaping keeps
 * them) or a form body (percent-encoded); anywhere else, `x","role":"admin` would
 * rewrite the request. Secret values are the hub's own and not checked.
 */
export function bodyTemplateProblem(
  parts: readonly TemplatePart[],
  encoding: BodyEncoding,
): string | undefined {
  if (!parts.some((part) => part.type === 'remoteRef')) return undefined;
  if (encoding === 'none') {
    return (
      'inserts {{ .remoteRef.* }}, which is escaped only in a JSON or form body; set a ' +
      'literal Content-Type header: application/json or application/x-www-form-urlencoded'
    );
  }
  if (encoding === 'form') return undefined;
  const outside = remoteRefOutsideString(parts);
  return outside !== undefined
    ? `{{ .remoteRef.${outside.field} }} must sit inside a JSON string, between quotes and ` +
        'not after a backslash'
    : undefined;
}
