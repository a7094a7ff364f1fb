import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { unreachableEndpoint } from '../../../test/support/moto.js';
import { TestCa } from '../../../test/support/test-certificates.js';
import { WebhookServer } from '../../../test/support/webhook-server.js';
import { FederationError, type Reason } from '../../errors.js';
import type { BackendLogger, RemoteRef, SecretProvider } from '../provider.js';
import { MapSecretReader, type SecretValues } from '../secret-reader.js';
import { webhookProvider } from './index.js';

const secrets = new MapSecretReader();
const token = 'hook-token-0123456789';

/** Every line logged through the backend context, as JSON text. */
const logged: string[] = [];
const logger: BackendLogger = {
  info: (object, message) => logged.push(JSON.stringify({ ...object, message })),
  warn: (object, message) => logged.push(JSON.stringify({ ...object, message })),
  error: (object, message) => logged.push(JSON.stringify({ ...object, message })),
};

function failsWith(reason: Reason) {
  return (error: unknown) => {
    assert.ok(error instanceof FederationError, String(error));
    assert.equal(error.reason, reason);
    return true;
  };
}

describe('webhook provider against a local HTTPS server', () => {
  let server: WebhookServer;
  const opened: SecretProvider[] = [];

  function store(spec: Record<string, unknown>): SecretProvider {
    const parsed = webhookProvider.schema.parse({
      url: `${server.url}/secrets/{{ .remoteRef.key }}`,
      caBundle: server.caBundle,
      headers: { Authorization: 'Bearer {{ .hook.token }}' },
      secrets: [{ name: 'hook', secretRef: { name: 'hook-auth', namespace: 'hub' } }],
      ...spec,
    });
    const provider = webhookProvider.create(parsed, { secrets, logger });
    opened.push(provider);
    return provider;
  }
  const read = (ref: RemoteRef, spec: Record<string, unknown> = {}) => store(spec).getSecret(ref);

  before(async () => {
    server = await WebhookServer.start();
  });
  beforeEach(() => {
    const values: SecretValues = new Map<string, Record<string, Buffer>>([
      // A trailing line break, as `kubectl create secret --from-file` keeps it.
      ['hub/hook-auth', { token: Buffer.from(`${token}\n`), bad: Buffer.from('a\nb') }],
      ['hub/hook-ca', { 'ca.crt': Buffer.from(server.caPem) }],
    ]);
    secrets.replace(values);
    server.answer = (request) => ({
      status: 200,
      body: JSON.stringify({ data: { value: `for ${request.url}`, port: 5432 }, list: ['a', 'b'] }),
    });
  });
  after(async () => {
    await Promise.all(opened.map((provider) => provider.close?.()));
    await server.close();
  });

  it('renders the URL with the encoded key and a header from a Secret', async () => {
    const body = await read({ key: 'db/creds name' });
    assert.equal(JSON.parse(body).data.value, 'for /secrets/db%2Fcreds%20name');
    const request = server.requests.at(-1);
    assert.equal(request?.method, 'GET');
    assert.equal(request?.headers.authorization, `Bearer ${token}`);
  });

  it('selects with result.jsonPath: a string as is, anything else as JSON', async () => {
    assert.equal(
      await read({ key: 'k' }, { result: { jsonPath: '$.data.value' } }),
      'for /secrets/k',
    );
    assert.equal(await read({ key: 'k' }, { result: { jsonPath: "$['data'].port" } }), '5432');
    assert.equal(await read({ key: 'k' }, { result: { jsonPath: '$.list[1]' } }), 'b');
    await assert.rejects(
      read({ key: 'k' }, { result: { jsonPath: '$.data.missing' } }),
      failsWith('NotFound'),
    );
  });

  it('sends a JSON body with each value escaped so it stays in its string', async () => {
    const spec = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      url: `${server.url}/lookup`,
      body: '{"key": "{{ .remoteRef.key }}", "version": "{{ .remoteRef.version }}"}',
      secrets: [],
    };
    await read({ key: 'a", "admin": true, "x": "', version: 'v2' }, spec);
    const sent = JSON.parse(server.requests.at(-1)?.body ?? '');
    assert.deepEqual(sent, { key: 'a", "admin": true, "x": "', version: 'v2' });
    assert.equal(server.requests.at(-1)?.method, 'POST');
  });

  it('sends a form body with each value form-encoded so it stays one field', async () => {
    const spec = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      url: `${server.url}/lookup`,
      body: 'key={{ .remoteRef.key }}&role=reader',
      secrets: [],
    };
    await read({ key: 'a&role=admin b' }, spec);
    const sent = new URLSearchParams(server.requests.at(-1)?.body ?? '');
    assert.deepEqual(
      [...sent],
      [
        ['key', 'a&role=admin b'],
        ['role', 'reader'],
      ],
    );
  });

  it('sends property when a template uses it, and otherwise selects it from the answer', async () => {
    const sending = { url: `${server.url}/p/{{ .remoteRef.key }}/{{ .remoteRef.property }}` };
    const body = await read({ key: 'k', property: 'user' }, sending);
    assert.equal(JSON.parse(body).data.value, 'for /p/k/user');
    assert.equal(await read({ key: 'k', property: 'data.port' }), '5432');
  });

  it('refuses a key that would climb out of the templated path', async () => {
    const before = server.requests.length;
    for (const key of ['..', '.']) {
      await assert.rejects(read({ key }), failsWith('InvalidRemoteRef'), key);
    }
    const query = { url: `${server.url}/lookup?name={{ .remoteRef.key }}` };
    assert.equal(JSON.parse(await read({ key: '..' }, query)).data.value, 'for /lookup?name=..');
    // An encoded-looking key is encoded once more, so it stays one literal segment.
    assert.equal(JSON.parse(await read({ key: '%2e%2e' })).data.value, 'for /secrets/%252e%252e');
    assert.equal(server.requests.length, before + 2);
  });

  it('refuses a header value with a line break inside, before sending anything', async () => {
    const before = server.requests.length;
    const spec = { headers: { 'X-Key': '{{ .remoteRef.key }}' }, secrets: [] };
    await assert.rejects(read({ key: 'k\r\nX-Injected: 1' }, spec), failsWith('InvalidRemoteRef'));
    const fromSecret = { headers: { 'X-Key': '{{ .hook.bad }}' } };
    await assert.rejects(read({ key: 'k' }, fromSecret), failsWith('StoreNotReady'));
    assert.equal(server.requests.length, before);
  });

  it('refuses a version the templates do not use, and metadataPolicy Fetch', async () => {
    const before = server.requests.length;
    await assert.rejects(read({ key: 'k', version: '2' }), failsWith('InvalidRemoteRef'));
    await assert.rejects(
      read({ key: 'k', metadataPolicy: 'Fetch' }),
      failsWith('InvalidRemoteRef'),
    );
    assert.equal(server.requests.length, before);
  });

  it('answers NotFound for a 404, BackendError for a redirect and a 5xx, retrying a GET', async () => {
    server.answer = () => ({ status: 404, body: '{"error":"no such key"}' });
    await assert.rejects(read({ key: 'k' }), failsWith('NotFound'));
    server.answer = () => ({ status: 302, body: '{}' });
    await assert.rejects(read({ key: 'k' }), failsWith('BackendError'));
    server.answer = () => ({ status: 503, body: '{"error":"backend-detail-must-not-leak"}' });
    const before = server.requests.length;
    await assert.rejects(read({ key: 'k' }), (error: unknown) => {
      failsWith('BackendError')(error);
      assert.doesNotMatch(String((error as FederationError).detail), /must-not-leak/);
      return true;
    });
    assert.equal(server.requests.length - before, 3);
  });

  it('answers BackendError for a 401 or 403, sent once, without the answer or the token', async () => {
    // A webhook that echoes the credential it refused, as some do.
    const refusal = (status: number) => () => ({
      status,
      body: JSON.stringify({ error: `token ${token} refused`, hint: 'refusal-detail-x7' }),
    });
    for (const status of [401, 403]) {
      server.answer = refusal(status);
      const before = server.requests.length;
      await assert.rejects(read({ key: 'k' }), (error: unknown) => {
        failsWith('BackendError')(error);
        const failure = error as FederationError;
        assert.equal(failure.detail, `the webhook answered ${status}`);
        const exposed = JSON.stringify({ ...failure, body: failure.toBody() });
        assert.doesNotMatch(`${exposed} ${failure.message}`, /refusal-detail|hook-token/);
        return true;
      });
      assert.equal(server.requests.length - before, 1, 'a refusal is not retried');
    }
    assert.doesNotMatch(logged.join('\n'), /refusal-detail|hook-token/);
  });

  it('answers BackendTimeout when the webhook is slower than timeout', async () => {
    server.answer = () => ({ status: 200, body: '{}', delayMs: 3_000 });
    const started = Date.now();
    await assert.rejects(read({ key: 'k' }, { timeout: '300ms' }), failsWith('BackendTimeout'));
    assert.ok(Date.now() - started < 2_000);
  });

  it('answers BackendError when the webhook is unreachable', async () => {
    const url = `${await unreachableEndpoint()}/x/{{ .remoteRef.key }}`.replace('http:', 'https:');
    await assert.rejects(read({ key: 'k' }, { url }), failsWith('BackendError'));
  });

  it('answers BackendError for a certificate from another CA, before sending anything', async () => {
    const other = await TestCa.create('not-the-webhook-ca');
    const before = server.requests.length;
    const wrongCa = { caBundle: Buffer.from(other.pem).toString('base64') };
    await assert.rejects(read({ key: 'k' }, wrongCa), failsWith('BackendError'));
    await assert.rejects(read({ key: 'k' }, { caBundle: undefined }), failsWith('BackendError'));
    assert.equal(server.requests.length, before);
  });

  it('reads the CA from a Secret with caProvider', async () => {
    const caProvider = { type: 'Secret', name: 'hook-ca', key: 'ca.crt', namespace: 'hub' };
    const spec = { caBundle: undefined, caProvider, result: { jsonPath: '$.data.port' } };
    assert.equal(await read({ key: 'k' }, spec), '5432');
  });

  it('answers StoreNotReady when a Secret the templates need is missing', async () => {
    secrets.replace(new Map());
    await assert.rejects(read({ key: 'k' }), failsWith('StoreNotReady'));
  });
});

describe('webhook provider schema', () => {
  const messages = (spec: Record<string, unknown>) =>
    webhookProvider.schema
      .safeParse({ url: 'https://hooks.example.com/{{ .remoteRef.key }}', ...spec })
      .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

  it('loads an External Secrets Operator manifest', () => {
    const spec = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Token': '{{ .creds.token }}' },
      body: '{"name": "{{ .remoteRef.key }}"}',
      timeout: '10s',
      result: { jsonPath: '$.value' },
      secrets: [
        { name: 'creds', secretRef: { name: 'hook-creds', key: 'token', namespace: 'hub' } },
      ],
    };
    assert.deepEqual(messages(spec), []);
  });

  it('refuses template actions it cannot render, naming what is supported', () => {
    const lines = messages({ url: 'https://h.example.com/{{ .remoteRef.key | upper }}' });
    assert.match(
      lines[0] ?? '',
      /^url: unsupported template action "\{\{ \.remoteRef\.key \| upper \}\}"; only/,
    );
    assert.match(messages({ body: '{{- .remoteRef.key }}' })[0] ?? '', /^body: unsupported/);
    assert.match(messages({ body: '{{ .remoteRef.name }}' })[0] ?? '', /^body: unsupported/);
  });

  it('refuses a body inserting remoteRef unless a literal JSON or form Content-Type is set', () => {
    const body = '{"k":"{{ .remoteRef.key }}"}';
    const refusal =
      'body: inserts {{ .remoteRef.* }}, which is escaped only in a JSON or form body; ' +
      'set a literal Content-Type header: application/json or application/x-www-form-urlencoded';
    assert.deepEqual(messages({ body }), [refusal]);
    assert.deepEqual(messages({ body, headers: { 'Content-Type': 'text/plain' } }), [refusal]);
    assert.deepEqual(messages({ body, headers: { 'Content-Type': 'text/x-notjson' } }), [refusal]);
    const chosenByCaller = { 'Content-Type': 'application/{{ .remoteRef.property }}' };
    assert.deepEqual(messages({ body, headers: chosenByCaller }), [refusal]);
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json']) {
      assert.deepEqual(messages({ body, headers: { 'content-type': type } }), [], type);
    }
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    assert.deepEqual(messages({ body: 'k={{ .remoteRef.key }}', headers: form }), []);
    // A Secret's value is the hub's own, not the caller's.
    const secrets = [{ name: 'creds', secretRef: { name: 's', key: 'token' } }];
    assert.deepEqual(messages({ body: 'token={{ .creds.token }}', secrets }), []);
  });

  it('refuses a remoteRef action outside a JSON string, and a Content-Type set twice', () => {
    const json = { 'Content-Type': 'application/json' };
    assert.deepEqual(messages({ body: '{"k": {{ .remoteRef.key }}}', headers: json }), [
      'body: {{ .remoteRef.key }} must sit inside a JSON string, between quotes and not after a backslash',
    ]);
    assert.deepEqual(messages({ body: '{"k": "\\{{ .remoteRef.key }}"}', headers: json }), [
      'body: {{ .remoteRef.key }} must sit inside a JSON string, between quotes and not after a backslash',
    ]);
    assert.deepEqual(messages({ body: '{"k": "a\\\\{{ .remoteRef.key }}"}', headers: json }), []);
    const twice = { 'Content-Type': 'application/json', 'content-type': 'text/plain' };
    assert.deepEqual(messages({ headers: twice }), [
      'headers.content-type: set twice; header names ignore case',
    ]);
  });

  it('refuses a value in the scheme or host of the URL', () => {
    assert.deepEqual(messages({ url: 'https://{{ .remoteRef.key }}/x' }), [
      'url: scheme and host must be literal text before any {{ }}',
    ]);
    assert.equal(messages({ url: 'https://hooks.example.com{{ .remoteRef.key }}' }).length, 1);
  });

  it('refuses undeclared secrets, a key other than secretRef.key, and duplicate names', () => {
    assert.deepEqual(messages({ body: '{{ .creds.token }}' }), [
      'body: {{ .creds.token }} names no entry of secrets',
    ]);
    const only = [{ name: 'creds', secretRef: { name: 's', key: 'token' } }];
    assert.deepEqual(messages({ body: '{{ .creds.other }}', secrets: only }), [
      'body: {{ .creds.other }}: secrets entry creds allows only key token',
    ]);
    assert.deepEqual(messages({ secrets: [...only, ...only] }), [
      'secrets: each secrets entry needs its own name',
    ]);
  });

  it('refuses NTLM auth, unknown methods, framing headers, bad timeouts and jsonPaths', () => {
    assert.match(messages({ auth: { ntlm: {} } }).join(), /auth \(NTLM\) is not supported/);
    assert.match(messages({ method: 'TRACE' }).join(), /method must be one of/);
    assert.match(messages({ headers: { Host: 'x' } }).join(), /headers.Host: not a header name/);
    assert.match(messages({ headers: { 'X-A': 'a\nB: c' } }).join(), /must be one line/);
    assert.match(messages({ timeout: '5' }).join(), /timeout: must be a duration/);
    assert.match(messages({ timeout: '2m' }).join(), /timeout: must be a duration/);
    assert.match(messages({ result: { jsonPath: '$..value' } }).join(), /jsonPath must select one/);
    assert.match(messages({ result: { jsonPath: '$.items[*]' } }).join(), /jsonPath must select/);
    assert.match(messages({ url: 'ftp://h.example.com/x' }).join(), /url: must be http\(s\)/);
  });
});
