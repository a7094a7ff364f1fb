import fc from 'fast-check';

/** The body size limit of SPEC §3, in bytes. */
export const bodyLimitBytes = 64 * 1024;

export const methods = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'] as const;
export type Method = (typeof methods)[number];

/** Names that lead into the real routes and resources, mixed into random paths. */
const knownSegments = [
  'secretstore',
  'secrets',
  'generators',
  'revoke',
  'healthz',
  'readyz',
  'main-store',
  'ungranted-store',
  'hello',
  'db%2Fcredentials',
  'gen',
  'Password',
  'ClusterGenerator',
  'db-password',
  'shared-password',
];

/** Encodings that path parsers have tripped over: traversal, NUL, bad and overlong escapes. */
const trickySegments = [
  '',
  '.',
  '..',
  '%2E%2E',
  '%2e',
  '%2F',
  '%2f',
  '%5C',
  '%00',
  '%0A',
  '%0D%0A',
  '%',
  '%%',
  '%zz',
  '%4',
  '%E2%82',
  '%C0%AF',
  '%C0%AE%C0%AE',
  '%FF%FE',
  '%EF%BF%BD',
  '%F0%9F%92%A9',
  '%u002e',
  ';',
  ';a=b',
  '~',
  '*',
  ':id',
];

const percentGarbage = fc
  .array(fc.constantFrom('%', '2', 'F', '0', 'e', 'E', 'z', 'C', '/', 'a', '.', '5', 'c'), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

/** One path segment, already in the form it takes in a URL (possibly malformed). */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...knownSegments),
  fc.constantFrom(...trickySegments),
  percentGarbage,
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => encodeURIComponent(text)),
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/),
  // Around the router's 2048-character limit for a parameter.
  fc.integer({ min: 1020, max: 4200 }).map((length) => 'k'.repeat(length)),
);

const querySuffix = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  fc.string({ maxLength: 20 }).map((text) => `?${encodeURIComponent(text)}`),
  fc.constantFrom('?', '?a=1&a=2', '?__proto__=x', '#frag', '?%zz'),
);

/** A path that is shaped like one of the routes, or like nothing at all. */
export const requestPath: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc
        .tuple(pathSegment, pathSegment)
        .map(([store, key]) => `/secretstore/${store}/secrets/${key}`),
      fc
        .tuple(pathSegment, pathSegment, pathSegment)
        .map(([namespace, kind, name]) => `/generators/${namespace}/${kind}/${name}`),
      pathSegment.map((namespace) => `/generators/${namespace}/revoke`),
      fc.array(pathSegment, { maxLength: 7 }).map((segments) => `/${segments.join('/')}`),
      fc.constantFrom('/', '//', '/healthz', '/healthz/', '/readyz', '/secretstore//secrets/'),
    ),
    querySuffix,
  )
  .map(([path, query]) => `${path}${query}`);

/** A route that takes a body, with path parameters that pass the path checks. */
export const bodyRoute = fc.constantFrom(
  { method: 'POST', path: '/secretstore/main-store/secrets/hello' },
  { method: 'POST', path: '/secretstore/main-store/secrets/db%2Fcredentials' },
  { method: 'POST', path: '/generators/gen/UUID/request-id' },
  { method: 'DELETE', path: '/generators/gen/Password/db-password' },
  { method: 'POST', path: '/generators/gen/revoke' },
);

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Three dot-separated parts with random JSON in the first two: shaped like a JWT, unsigned. */
const jwtShaped = fc
  .tuple(fc.jsonValue(), fc.jsonValue(), fc.base64String({ maxLength: 40 }))
  .map(([header, payload, signature]) =>
    [base64url(JSON.stringify(header)), base64url(JSON.stringify(payload)), signature].join('.'),
  );

const tokenGarbage = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.base64String({ maxLength: 80 }),
  jwtShaped,
  fc.array(fc.base64String({ maxLength: 20 }), { maxLength: 6 }).map((parts) => parts.join('.')),
  fc.constantFrom('', '.', '..', '...', 'a.b.c', 'null', '{}', 'eyJ.eyJ.'),
  // Below and above the 16 KiB header limit of Node.
  fc.integer({ min: 8_000, max: 20_000 }).map((length) => `eyJ${'A'.repeat(length)}`),
);

const scheme = fc.oneof(
  fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr', 'Basic', 'Token', 'Negotiate', 'Bearer:'),
  fc.constantFrom('', 'Bearer Bearer', 'Bearer,'),
  fc.string({ maxLength: 10 }),
);

/** An Authorization header with a random scheme, separator and token; absent sometimes. */
export const authorization = fc.option(
  fc
    .tuple(
      scheme,
      fc.constantFrom(' ', '  ', '', ' \t'),
      tokenGarbage,
      fc.constantFrom('', ' ', ', x'),
    )
    .map(([name, separator, token, tail]) => `${name}${separator}${token}${tail}`),
  { nil: undefined },
);

export const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      '*/*',
      'json',
      ';;;',
    ),
    fc.string({ maxLength: 40 }),
  ),
  { nil: undefined },
);

/** Headers that fetch refuses to set or that would change the framing of the request. */
const reservedHeaders = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'authorization',
  'content-type',
]);

const headerName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,24}$/)
  .filter((name) => !reservedHeaders.has(name));

/** A few more headers: request ids of every shape, and random names and values. */
export const extraHeaders = fc.record(
  {
    'x-request-id': fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^[\w.:-]{1,140}$/)),
    random: fc.dictionary(headerName, fc.string({ maxLength: 60 }), { maxKeys: 4 }),
  },
  { requiredKeys: [] },
);

/** Text bodies: anything at all, JSON of any shape, and sizes around the limit. */
export const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }).map((value) => JSON.stringify(value)),
  fc.integer({ min: bodyLimitBytes - 8, max: bodyLimitBytes + 8 }).map((size) => 'x'.repeat(size)),
);

/** `{"ca.crt": "..."}` padded to exactly `size` bytes. */
export function caBodyOfSize(size: number): string {
  const frame = '{"ca.crt":""}';
  return `{"ca.crt":"${'A'.repeat(Math.max(0, size - frame.length))}"}`;
}

/** JSON nested `depth` levels deep, closed or left open, at most 64 KiB. */
export const deeplyNested = fc
  .record({
    depth: fc.integer({ min: 1, max: 30_000 }),
    opener: fc.constantFrom('[', '{"a":', '{"remoteRef":', '[{"x":'),
    isClosed: fc.boolean(),
    member: fc.constantFrom('remoteRef', 'ca.crt', 'unknown', 'owner'),
  })
  .map(({ depth, opener, isClosed, member }) => {
    const closer = opener === '[' ? ']' : opener === '[{"x":' ? '}]' : '}';
    const levels = Math.min(
      depth,
      Math.floor((bodyLimitBytes - 64) / (opener.length + closer.length)),
    );
    const inner = `${opener.repeat(levels)}1${isClosed ? closer.repeat(levels) : ''}`;
    return `{"${member}":${inner}}`;
  });

/** Values for `remoteRef`: the right members with random values, and anything else. */
export const remoteRef: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      property: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          'nested.port',
          'username',
          '',
          '.',
          '..',
          'a..b',
          '__proto__',
          'constructor',
        ),
        fc.integer({ min: 1020, max: 1030 }).map((n) => 'p'.repeat(n)),
        fc.jsonValue(),
      ),
      version: fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('v1', 'v2', ''),
        fc.jsonValue(),
      ),
      decodingStrategy: fc.oneof(
        fc.constantFrom('None', 'Base64', 'Base64URL', 'Auto', 'none', 'base64', ''),
        fc.jsonValue(),
      ),
      metadataPolicy: fc.oneof(fc.constantFrom('None', 'Fetch', 'fetch'), fc.jsonValue()),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

/** `ca.crt` values built from a real PEM: whole, truncated, corrupted, or random. */
export function caCertificate(realPems: readonly string[]): fc.Arbitrary<unknown> {
  const pem = fc.constantFrom(...realPems);
  const asBase64 = (text: string) => Buffer.from(text).toString('base64');
  const truncated = fc
    .tuple(pem, fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([text, share]) => text.slice(0, Math.floor(text.length * share)));
  const flipped = fc.tuple(pem, fc.nat(), fc.char()).map(([text, at, char]) => {
    const index = at % text.length;
    return `${text.slice(0, index)}${char}${text.slice(index + 1)}`;
  });
  const randomBody = fc
    .base64String({ maxLength: 400 })
    .map((body) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  return fc.oneof(
    pem,
    pem.map(asBase64),
    truncated,
    truncated.map(asBase64),
    flipped,
    flipped.map(asBase64),
    randomBody,
    randomBody.map(asBase64),
    fc.string({ maxLength: 100 }),
    fc.base64String({ maxLength: 200 }),
    fc.constantFrom('', '-----BEGIN CERTIFICATE-----', '-----BEGIN PRIVATE KEY-----\nAA==\n'),
    fc.integer({ min: 59_990, max: 60_010 }).map((n) => 'Q'.repeat(n)),
    fc.jsonValue(),
  );
}

/** Objects with the members the routes know, with random values, plus unknown ones. */
export function knownMembers(realPems: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const name = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[a-z0-9-]{1,20}$/));
  return fc
    .tuple(
      fc.record(
        {
          'ca.crt': caCertificate(realPems),
          remoteRef,
          owner: fc.oneof(name, fc.jsonValue()),
          namespace: fc.oneof(name, fc.jsonValue()),
          kind: fc.oneof(fc.constantFrom('Password', 'UUID', 'password'), fc.jsonValue()),
          name: fc.oneof(name, fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
      fc.option(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 2 }), {
        nil: undefined,
      }),
    )
    .map(([members, unknown]) => ({ ...members, ...unknown }));
}
