import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { seedMoto } from '../support/aws-seed.js';
import {
  appToken,
  baseManifests,
  call,
  caBody,
  eventually,
  issuerA,
  reasonOf,
  startTestHub,
  type TestHub,
} from '../support/hub.js';
import { startMoto, startSilentEndpoint, type Moto, type StandIn } from '../support/moto.js';
import { WebhookServer } from '../support/webhook-server.js';

const hookToken = 'e2e-hook-token-93b1c';
const staleHookToken = 'e2e-stale-hook-token-51d0e';

/** A refusal that echoes the token it was sent, as some webhooks do. */
function refusalOf(sent: string | string[] | undefined): string {
  return JSON.stringify({ error: `token ${String(sent)} is not valid`, trace: 'hook-refusal-7f2' });
}

function manifest(
  apiVersion: string,
  kind: string,
  name: string,
  body: object,
  namespace = kind === 'Secret' ? 'hub' : 'gen',
): string {
  const namespaced = kind !== 'ClusterSecretStore' && kind !== 'Authorization';
  const metadata = namespaced ? { name, namespace } : { name };
  return JSON.stringify({ apiVersion, kind, metadata, ...body });
}

const store = (name: string, provider: object) =>
  manifest('external-secrets.io/v1', 'ClusterSecretStore', name, { spec: { provider } });
const generator = (kind: string, name: string, spec: object) =>
  manifest('generators.external-secrets.io/v1alpha1', kind, name, { spec });

const keyRefs = (secretName: string, namespace = 'hub') => ({
  secretRef: {
    accessKeyIDSecretRef: { name: secretName, key: 'id', namespace },
    secretAccessKeySecretRef: { name: secretName, key: 'secret', namespace },
  },
});

describe('aws and webhook backends through the server', { timeout: 90_000 }, () => {
  let moto: Moto;
  let silent: StandIn;
  let webhook: WebhookServer;
  let hub: TestHub;
  let token: string;

  const read = (storeName: string, key: string, remoteRef?: object) =>
    call(hub, `/secretstore/${storeName}/secrets/${encodeURIComponent(key)}`, {
      token,
      body: caBody(hub.clusterA, remoteRef ? { remoteRef } : {}),
    });
  const generate = (kind: string, name: string) =>
    call(hub, `/generators/gen/${kind}/${name}`, { token, body: caBody(hub.clusterA) });

  before(async () => {
    moto = await startMoto();
    await seedMoto(moto);
    silent = await startSilentEndpoint();
    webhook = await WebhookServer.start();
    webhook.answer = (request) =>
      request.headers['x-token'] !== hookToken
        ? { status: 403, body: refusalOf(request.headers['x-token']) }
        : request.url.startsWith('/values/')
          ? { status: 200, body: JSON.stringify({ value: `value of ${request.url.slice(8)}` }) }
          : { status: 200, body: JSON.stringify({ credentials: { user: 'generated-user' } }) };
    // In-process server: SSM goes to an endpoint that never answers, the rest to moto.
    process.env.AWS_ENDPOINT_URL = moto.url;
    process.env.AWS_ENDPOINT_URL_SSM = silent.url;

    const hookFields = {
      caBundle: webhook.caBundle,
      headers: { 'X-Token': '{{ .hook.token }}' },
      secrets: [{ name: 'hook', secretRef: { name: 'hook-auth', namespace: 'hub' } }],
    };
    const staleHookFields = { ...hookFields, headers: { 'X-Token': '{{ .hook.stale }}' } };
    // Generators read Secrets of their own namespace only.
    const genHookFields = {
      ...hookFields,
      secrets: [{ name: 'hook', secretRef: { name: 'hook-auth', namespace: 'gen' } }],
    };
    const genStaleHookFields = { ...genHookFields, headers: staleHookFields.headers };
    const awsKeys = { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey };
    const hookAuth = { token: hookToken, stale: staleHookToken };
    const files = [
      manifest('v1', 'Secret', 'aws-keys', { stringData: awsKeys }),
      manifest('v1', 'Secret', 'aws-wrong-keys', {
        stringData: { id: moto.credentials.accessKeyId, secret: 'not-the-secret-key-value' },
      }),
      manifest('v1', 'Secret', 'hook-auth', { stringData: hookAuth }),
      manifest('v1', 'Secret', 'aws-keys', { stringData: awsKeys }, 'gen'),
      manifest('v1', 'Secret', 'hook-auth', { stringData: hookAuth }, 'gen'),
      store('aws-sm', {
        aws: { service: 'SecretsManager', region: 'us-east-1', auth: keyRefs('aws-keys') },
      }),
      store('aws-ssm', {
        aws: { service: 'ParameterStore', region: 'us-east-1', auth: keyRefs('aws-keys') },
      }),
      store('aws-wrong', {
        aws: { service: 'SecretsManager', region: 'us-east-1', auth: keyRefs('aws-wrong-keys') },
      }),
      store('aws-no-keys', {
        aws: { service: 'SecretsManager', region: 'us-east-1', auth: keyRefs('absent') },
      }),
      store('hook', {
        webhook: {
          url: `${webhook.url}/values/{{ .remoteRef.key }}`,
          result: { jsonPath: '$.value' },
          ...hookFields,
        },
      }),
      store('hook-stale', {
        webhook: {
          url: `${webhook.url}/values/{{ .remoteRef.key }}`,
          result: { jsonPath: '$.value' },
          ...staleHookFields,
        },
      }),
      generator('STSSessionToken', 'sts', {
        region: 'us-east-1',
        auth: keyRefs('aws-keys', 'gen'),
      }),
      generator('ECRAuthorizationToken', 'ecr', {
        region: 'us-east-1',
        auth: keyRefs('aws-keys', 'gen'),
      }),
      // Names the hub's keys from another namespace: refused when it loads.
      generator('STSSessionToken', 'sts-foreign', {
        region: 'us-east-1',
        auth: keyRefs('aws-keys', 'hub'),
      }),
      generator('Webhook', 'hook-user', {
        url: `${webhook.url}/users`,
        method: 'POST',
        result: { jsonPath: '$.credentials' },
        ...genHookFields,
      }),
      generator('Webhook', 'hook-user-stale', {
        url: `${webhook.url}/users`,
        method: 'POST',
        result: { jsonPath: '$.credentials' },
        ...genStaleHookFields,
      }),
      manifest('federation.external-secrets.io/v1alpha1', 'Authorization', 'backends', {
        spec: {
          federationRef: { kind: 'KubernetesFederation', name: 'cluster-a' },
          subject: { issuer: issuerA, subject: 'system:serviceaccount:app:app-sa' },
          allowedClusterSecretStores: [
            'aws-sm',
            'aws-ssm',
            'aws-wrong',
            'aws-no-keys',
            'hook',
            'hook-stale',
          ],
          allowedGenerators: [
            { name: 'sts', kind: 'STSSessionToken', namespace: 'gen' },
            { name: 'ecr', kind: 'ECRAuthorizationToken', namespace: 'gen' },
            { name: 'hook-user', kind: 'Webhook', namespace: 'gen' },
            { name: 'hook-user-stale', kind: 'Webhook', namespace: 'gen' },
            { name: 'sts-foreign', kind: 'STSSessionToken', namespace: 'gen' },
          ],
        },
      }),
    ];
    hub = await startTestHub({ backendTimeoutMs: 1500 }, (a, b) => ({
      ...baseManifests(a, b),
      'backends.yaml': files.join('\n---\n'),
    }));
    token = appToken(hub.clusterA);
  });

  after(async () => {
    await hub?.close();
    await webhook?.close();
    await silent?.close();
    await moto?.close();
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL_SSM;
  });

  it('serves a Secrets Manager version stage and property with keys from a Secret manifest', async () => {
    const result = await read('aws-sm', 'app/db', { property: 'password', version: 'AWSPREVIOUS' });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body, 'pw-first');
  });

  it('answers 404 NotFound for a missing AWS secret', async () => {
    const result = await read('aws-sm', 'app/missing');
    assert.equal(result.status, 404, result.text);
    assert.equal(reasonOf(result), 'NotFound');
  });

  it('answers 502 for wrong keys, 503 for a missing key Secret, 504 for a silent endpoint', async () => {
    const wrong = await read('aws-wrong', 'app/db');
    assert.equal(wrong.status, 502, wrong.text);
    assert.equal(reasonOf(wrong), 'BackendError');
    const noKeys = await read('aws-no-keys', 'app/db');
    assert.equal(noKeys.status, 503, noKeys.text);
    assert.equal(reasonOf(noKeys), 'StoreNotReady');
    const started = Date.now();
    const slow = await read('aws-ssm', '/app/plain');
    assert.equal(slow.status, 504, slow.text);
    assert.equal(reasonOf(slow), 'BackendTimeout');
    assert.ok(Date.now() - started < 5_000);
  });

  it('issues STS session credentials and an ECR login token', async () => {
    const sts = await generate('STSSessionToken', 'sts');
    assert.equal(sts.status, 200, sts.text);
    assert.deepEqual(Object.keys(sts.body as object).sort(), [
      'access_key_id',
      'expiration',
      'secret_access_key',
      'session_token',
    ]);
    const ecr = await generate('ECRAuthorizationToken', 'ecr');
    assert.equal(ecr.status, 200, ecr.text);
    assert.equal((ecr.body as { username?: string }).username, 'AWS');
  });

  it('refuses a generator that names a Secret of another namespace, and serves nothing of it', async () => {
    const foreign = await generate('STSSessionToken', 'sts-foreign');
    assert.equal(foreign.status, 404, foreign.text);
    const logs = hub.logs.lines.join('\n');
    assert.match(logs, /sts-foreign/);
    assert.match(logs, /may only reference Secrets of its own namespace/);
  });

  it('serves a webhook value and generates from a webhook, with the token from a Secret', async () => {
    const value = await read('hook', 'team/key');
    assert.equal(value.status, 200, value.text);
    assert.equal(value.body, 'value of team%2Fkey');
    const generated = await generate('Webhook', 'hook-user');
    assert.equal(generated.status, 200, generated.text);
    assert.deepEqual(generated.body, { user: 'generated-user' });
  });

  it('answers 502 BackendError when the webhook refuses the token, echoing nothing of it', async () => {
    const before = webhook.requests.length;
    const results = [
      await read('hook-stale', 'team/key'),
      await generate('Webhook', 'hook-user-stale'),
    ];
    for (const result of results) {
      assert.equal(result.status, 502, result.text);
      assert.deepEqual(result.body, {
        message: 'the secret backend failed',
        reason: 'BackendError',
      });
      assert.doesNotMatch(result.text, /hook-refusal|stale-hook-token/);
    }
    // Both calls reached the webhook once each: a 403 is not retried.
    assert.equal(webhook.requests.length - before, 2);
    const logs = hub.logs.lines.join('\n');
    assert.match(logs, /the webhook answered 403/);
    assert.doesNotMatch(logs, /hook-refusal|stale-hook-token/);
  });

  it('refuses to load a webhook store whose body takes remoteRef without a JSON Content-Type', async () => {
    const before = webhook.requests.length;
    const rawBody = store('hook-raw-body', {
      webhook: {
        url: `${webhook.url}/values/lookup`,
        method: 'POST',
        body: '{"key":"{{ .remoteRef.key }}"}',
        result: { jsonPath: '$.value' },
        caBundle: webhook.caBundle,
      },
    });
    const grant = manifest('federation.external-secrets.io/v1alpha1', 'Authorization', 'raw', {
      spec: {
        federationRef: { kind: 'KubernetesFederation', name: 'cluster-a' },
        subject: { issuer: issuerA, subject: 'system:serviceaccount:app:app-sa' },
        allowedClusterSecretStores: ['hook-raw-body'],
      },
    });
    await hub.writeManifest('raw-body.yaml', `${rawBody}\n---\n${grant}`);
    const refusal = /body: inserts \{\{ \.remoteRef\.\* \}\}, which is escaped only in a JSON/;
    await eventually(async () => hub.logs.lines.some((line) => refusal.test(line)), 5000);
    const result = await read('hook-raw-body', 'x","role":"admin');
    assert.equal(result.status, 404, result.text);
    assert.equal(webhook.requests.length, before, 'nothing reached the webhook');
  });

  it('never logs a backend credential', () => {
    const logs = hub.logs.lines.join('\n');
    for (const secret of [
      moto.credentials.secretAccessKey,
      hookToken,
      staleHookToken,
      'not-the-secret-key-value',
    ]) {
      assert.ok(!logs.includes(secret), 'a credential appears in the log');
    }
  });
});
