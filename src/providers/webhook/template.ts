import type { RemoteRef } from '../provider.js';

/** One piece of a parsed `url`, `body` or header template. */
export type TemplatePart =
  | { type: 'text'; text: string }
  | { type: 'remoteRef'; field: 'key' | 'property' | 'version' }
  | { type: 'secret'; name: string; key: string };

/** A parsed template, or why it cannot be used. */
export type ParsedTemplate = { parts: TemplatePart[] } | { error: string };

// `{{ .a.b }}` with optional spaces: the only Go template action that is supported.
const action = /\{\{ *\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z0-9_]+) *\}\}/y;
const remoteRefFields = new Set(['key', 'property', 'version']);

/** What the templates may name, checked when the manifest loads. */
export const supportedActions =
  '{{ .remoteRef.key }}, {{ .remoteRef.property }}, {{ .remoteRef.version }} and ' +
  '{{ .<secret name>.<key> }}';

function quoteAction(text: string, start: number): string {
  const end = text.indexOf('}}', start);
  const shown =
    end < 0 || end - start > 60
      ? `${text.slice(start, start + 40)}...`
      : text.slice(start, end + 2);
  return JSON.stringify(shown);
}

/**
 * Parses the small part of Go's text/template that webhook templates need: literal text
 * and `{{ .remoteRef.<field> }}` or `{{ .<secret>.<key> }}` actions. Anything else (pipes,
 * functions, `{{-`, conditionals) is refused rather than sent out half-rendered.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let position = 0;
  while (position < text.length) {
    const start = text.indexOf('{{', position);
    if (start < 0) {
      parts.push({ type: 'text', text: text.slice(position) });
      break;
    }
    if (start > position) parts.push({ type: 'text', text: text.slice(position, start) });
    action.lastIndex = start;
    const match = action.exec(text);
    const [head, field] = [match?.[1] ?? '', match?.[2] ?? ''];
    if (match === null || (head === 'remoteRef' && !remoteRefFields.has(field))) {
      return {
        error: `unsupported template action ${quoteAction(text, start)}; only ${supportedActions} are supported`,
      };
    }
    parts.push(
      head === 'remoteRef'
        ? { type: 'remoteRef', field: field as 'key' | 'property' | 'version' }
        : { type: 'secret', name: head, key: field },
    );
    position = action.lastIndex;
  }
  return { parts };
}

/** Whether any part names that `remoteRef` field. */
export function usesRemoteRefField(parts: readonly TemplatePart[], field: string): boolean {
  return parts.some((part) => part.type === 'remoteRef' && part.field === field);
}

/** Where the values of a rendering come from. */
export interface TemplateValues {
  remoteRef?: RemoteRef;
  /** The text of one key of the Secret declared under that name in `secrets`. */
  secret(name: string, key: string): Promise<string>;
}

/** Where an inserted value came from: the caller's remoteRef, or a Secret of the hub. */
export type ValueSource = 'remoteRef' | 'secret';

/**
 * Renders parsed parts. `escape` is applied to every inserted value (never to the literal
 * text): URL encoding in a URL, JSON string escaping in a JSON body.
 */
export async function renderTemplate(
  parts: readonly TemplatePart[],
  values: TemplateValues,
  escape: (value: string, source: ValueSource) => string,
): Promise<string> {
  let rendered = '';
  for (const part of parts) {
    if (part.type === 'text') rendered += part.text;
    else if (part.type === 'remoteRef') {
      rendered += escape(values.remoteRef?.[part.field] ?? '', 'remoteRef');
    } else rendered += escape(await values.secret(part.name, part.key), 'secret');
  }
  return rendered;
}
