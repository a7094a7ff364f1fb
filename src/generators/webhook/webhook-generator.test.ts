import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { unreachableEndpoint } from '../../../test/support/moto.js';
import { TestCa } from '../../../test/support/test-certificates.js';
import { WebhookServer } from '../../../test/support/webhook-server.js';
import { FederationError, type Reason } from '../../errors.js';
import { MapSecretReader } from '../../providers/secret-reader.js';
import { outputsOf, webhookGenerator } from './index.js';

const secrets = new MapSecretReader();

function failsWith(reason: Reason) {
  return (error: unknown) => {
    assert.ok(error instanceof FederationError, String(error));
    assert.equal(error.reason, reason);
    return true;
  };
}

describe('Webhook generator against a local HTTPS server', () => {
  let server: WebhookServer;

  function generator(spec: Record<string, unknown> = {}) {
    const parsed = webhookGenerator.schema.parse({
      url: `${server.url}/generate`,
      method: 'POST',
      caBundle: server.caBundle,
      headers: { 'Content-Type': 'application/json' },
      body: '{"owner": "payments", "apiKey": "{{ .hook.apikey }}"}',
      result: { jsonPath: '$.credentials' },
      // No namespace: a namespaced generator reads Secrets of its own namespace.
      secrets: [{ name: 'hook', secretRef: { name: 'hook-auth' } }],
      ...spec,
    });
    return webhookGenerator.create(parsed, { secrets, namespace: 'payments' });
  }

  before(async () => {
    server = await WebhookServer.start();
  });
  beforeEach(() => {
    secrets.replace(new Map([['payments/hook-auth', { apikey: Buffer.from('key-42') }]]));
    let counter = 0;
    server.answer = () => {
      counter += 1;
      const credentials = { username: `user-${counter}`, password: `pw-${counter}`, port: 5432 };
      return {
        status: 200,
        body: JSON.stringify({ credentials, wrapped: JSON.stringify(credentials) }),
      };
    };
  });
  after(async () => {
    await server.close();
  });

  it('returns every member of the selected object, new on every call', async () => {
    const tokens = generator();
    const first = await tokens.generate();
    assert.deepEqual(first.values, { username: 'user-1', password: 'pw-1', port: '5432' });
    const second = await tokens.generate();
    assert.equal(second.values.username, 'user-2');
    assert.deepEqual(JSON.parse(server.requests.at(-1)?.body ?? ''), {
      owner: 'payments',
      apiKey: 'key-42',
    });
  });

  it('accepts an object held in a JSON string, and $ for the whole answer', async () => {
    const wrapped = await generator({ result: { jsonPath: '$.wrapped' } }).generate();
    assert.equal(wrapped.values.password, 'pw-1');
    const whole = await generator({ result: { jsonPath: '$' } }).generate();
    assert.deepEqual(Object.keys(whole.values), ['credentials', 'wrapped']);
  });

  it('answers BackendError when jsonPath selects nothing or no object, and for a 500', async () => {
    await assert.rejects(
      generator({ result: { jsonPath: '$.missing' } }).generate(),
      failsWith('BackendError'),
    );
    await assert.rejects(
      generator({ result: { jsonPath: '$.credentials.port' } }).generate(),
      failsWith('BackendError'),
    );
    server.answer = () => ({ status: 500, body: '{}' });
    const before = server.requests.length;
    await assert.rejects(generator().generate(), failsWith('BackendError'));
    // A POST may have had an effect: it is not sent again.
    assert.equal(server.requests.length - before, 1);
  });

  it('answers BackendError for a 401 or 403, without the answer or the API key', async () => {
    for (const status of [401, 403]) {
      // A webhook that echoes the key it refused, as some do.
      server.answer = (request) => ({
        status,
        body: JSON.stringify({
          error: `refused ${String(request.headers['x-api-key'])}`,
          hint: 'refusal-detail-q4',
        }),
      });
      const before = server.requests.length;
      const spec = {
        method: 'GET',
        body: undefined,
        headers: { 'X-Api-Key': '{{ .hook.apikey }}' },
      };
      await assert.rejects(generator(spec).generate(), (error: unknown) => {
        failsWith('BackendError')(error);
        const failure = error as FederationError;
        assert.equal(failure.detail, `the webhook answered ${status}`);
        const exposed = JSON.stringify({ ...failure, body: failure.toBody() });
        assert.doesNotMatch(`${exposed} ${failure.message}`, /refusal-detail|key-42/);
        return true;
      });
      // Even a GET is sent once: a refusal is no transient failure.
      assert.equal(server.requests.length - before, 1);
    }
  });

  it('answers BackendTimeout for a slow webhook and BackendError for an unreachable one', async () => {
    server.answer = () => ({ status: 200, body: '{}', delayMs: 3_000 });
    await assert.rejects(generator({ timeout: '200ms' }).generate(), failsWith('BackendTimeout'));
    const url = `${(await unreachableEndpoint()).replace('http:', 'https:')}/generate`;
    await assert.rejects(generator({ url }).generate(), failsWith('BackendError'));
  });

  it('answers BackendError for a certificate from another CA', async () => {
    const other = await TestCa.create('other-ca');
    const spec = { caBundle: Buffer.from(other.pem).toString('base64') };
    await assert.rejects(generator(spec).generate(), failsWith('BackendError'));
  });

  it('answers StoreNotReady when the referenced Secret is missing', async () => {
    secrets.replace(new Map());
    await assert.rejects(generator().generate(), failsWith('StoreNotReady'));
  });
});

describe('Webhook generator spec', () => {
  const messages = (spec: Record<string, unknown>) =>
    webhookGenerator.schema
      .safeParse({ url: 'https://hooks.example.com/new', ...spec })
      .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

  it('requires result.jsonPath', () => {
    assert.ok(messages({}).some((line) => line.startsWith('result:')));
    assert.ok(messages({ result: {} }).some((line) => line.startsWith('result.jsonPath:')));
    assert.deepEqual(messages({ result: { jsonPath: '$.data' } }), []);
  });

  it('refuses remoteRef in templates: a generator has none', () => {
    assert.deepEqual(
      messages({ url: 'https://h.example.com/{{ .remoteRef.key }}', result: { jsonPath: '$' } }),
      ['url: a generator has no remoteRef: {{ .remoteRef.* }} cannot be used here'],
    );
    // So no caller value can reach a generator's body, whatever its Content-Type.
    assert.deepEqual(
      messages({ body: '{"k":"{{ .remoteRef.key }}"}', result: { jsonPath: '$' } }),
      ['body: a generator has no remoteRef: {{ .remoteRef.* }} cannot be used here'],
    );
  });

  it('turns members into strings, and refuses anything but an object', () => {
    assert.deepEqual(outputsOf({ a: 'x', b: 1, c: { d: true } }), {
      a: 'x',
      b: '1',
      c: '{"d":true}',
    });
    assert.throws(() => outputsOf(['a']), failsWith('BackendError'));
    assert.throws(() => outputsOf('not json'), failsWith('BackendError'));
  });
});
