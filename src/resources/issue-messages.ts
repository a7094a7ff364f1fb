import type { z } from 'zod';
import { closestMatch, quoteList } from './suggest.js';

/** The message of a missing required field, shared by schemas that check it by hand. */
export const missingFieldMessage = 'required field is missing';

/** The JSON-ish type of a value as a manifest author thinks of it. */
export function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

const expectedNames: Record<string, string> = {
  int: 'integer',
  array: 'list',
  record: 'object',
  map: 'object',
  tuple: 'list',
};

function invalidType(issue: z.core.$ZodIssueInvalidType): string {
  if (issue.input === undefined) return missingFieldMessage;
  if (issue.expected === 'never') return 'must not be set';
  if (issue.expected === 'int' && typeof issue.input === 'number') return 'must be a whole number';
  const expected = expectedNames[issue.expected] ?? issue.expected;
  return `expected ${expected}, got ${typeOfValue(issue.input)}`;
}

function invalidValue(issue: z.core.$ZodIssueInvalidValue): string {
  if (issue.input === undefined) return missingFieldMessage;
  const values = issue.values.map((value) =>
    typeof value === 'string' ? value : JSON.stringify(value),
  );
  if (values.length === 1) return `must be ${quoteList(values)}`;
  const text = `must be one of ${quoteList(values)}`;
  if (typeof issue.input !== 'string') return text;
  const suggestion = closestMatch(issue.input, values);
  return suggestion === undefined ? text : `${text}; did you mean \`${suggestion}\`?`;
}

function plural(count: number | bigint, noun: string): string {
  return `${count} ${noun}${count === 1 || count === 1n ? '' : 's'}`;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const { minimum, origin } = issue;
  if (origin === 'string') {
    return minimum === 1 ? 'must not be empty' : `must be at least ${plural(minimum, 'character')}`;
  }
  if (origin === 'array' || origin === 'set') {
    return minimum === 1 ? 'must not be empty' : `must have at least ${plural(minimum, 'item')}`;
  }
  return issue.inclusive === false
    ? `must be greater than ${minimum}`
    : `must be at least ${minimum}`;
}

function tooBig(issue: z.core.$ZodIssueTooBig): string {
  const { maximum, origin } = issue;
  if (origin === 'string') return `must be at most ${plural(maximum, 'character')}`;
  if (origin === 'array' || origin === 'set') return `must have at most ${plural(maximum, 'item')}`;
  return issue.inclusive === false ? `must be less than ${maximum}` : `must be at most ${maximum}`;
}

const formatNames: Record<string, string> = {
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
  guid: 'a UUID',
  base64: 'base64',
  base64url: 'base64url',
  datetime: 'an RFC 3339 date-time',
  date: 'a date (YYYY-MM-DD)',
  duration: 'an ISO 8601 duration',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 CIDR range',
  cidrv6: 'an IPv6 CIDR range',
  hostname: 'a host name',
};

function invalidFormat(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const detail = issue as { prefix?: string; suffix?: string; includes?: string };
  switch (issue.format) {
    case 'starts_with':
      return `must start with \`${detail.prefix}\``;
    case 'ends_with':
      return `must end with \`${detail.suffix}\``;
    case 'includes':
      return `must contain \`${detail.includes}\``;
    case 'regex':
      return 'has an invalid format';
    default:
      return `must be ${formatNames[issue.format] ?? `a valid ${issue.format}`}`;
  }
}

/**
 * Our wording for an issue whose schema gave no message of its own. Values from the input
 * are never echoed: a rejected field may hold a secret.
 */
export function defaultMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return invalidType(issue);
    case 'invalid_value':
      return invalidValue(issue);
    case 'too_small':
      return tooSmall(issue);
    case 'too_big':
      return tooBig(issue);
    case 'invalid_format':
      return invalidFormat(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'does not match any accepted form';
    case 'unrecognized_keys':
      return `unknown fields ${quoteList(issue.keys)}`;
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    default:
      return 'is not valid';
  }
}
