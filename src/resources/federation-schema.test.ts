import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FederationResource } from './resource.js';
import { validateDocument } from './validate-document.js';

const testCa = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUWVC6yFqqCu0XuujznJAD+t1fev8wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRcmVzb3VyY2VzLXRlc3QtY2EwIBcNMjYxMjAzMTczNjE5WhgP
MjEyNjExMDkxNzM2MTlaMBwxGjAYBgNVBAMMEXJlc291cmNlcy10ZXN0LWNhMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJa4od/GJKw1xWvd4wYKSfRwkstTzBkMH
q+27AQgfKZt+S2dN1sl7Ckie5kOQI6CTVBbgP4Ctwkix0WJG2x8cFaNTMFEwHQYD
VR0OBBYEFNOS+YoYKhsF8ShAuyS/si2kEluVMB8GA1UdIwQYMBaAFNOS+YoYKhsF
8ShAuyS/si2kEluVMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIh
AOFtDRvSttb9TpBLecW/WH3lOZ8zvoKYD1Dy+smeovNkAiBLMYPHJhUp652yV+3k
qjEl5doPhaS1Ey2w83LEH8ADww==
-----END CERTIFICATE-----
`;

function federation(spec: unknown, apiVersion = 'federation.external-secrets.io/v1alpha1') {
  return { apiVersion, kind: 'KubernetesFederation', metadata: { name: 'client-a' }, spec };
}

function check(document: unknown) {
  return validateDocument(document, { file: 'federation.yaml', documentIndex: 1 });
}

function problems(document: unknown): string[] {
  return check(document).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

function normalised(spec: unknown) {
  const result = check(federation(spec));
  assert.deepEqual(result.problems, []);
  return (result.resource as FederationResource).federation;
}

describe('KubernetesFederation', () => {
  it('accepts both API groups', () => {
    for (const apiVersion of [
      'federation.external-secrets.io/v1alpha1',
      'identity.federation.external-secrets.io/v1alpha1',
    ]) {
      const result = check(federation({ url: 'https://api.client.example.com' }, apiVersion));
      assert.deepEqual(result.problems, [], apiVersion);
      assert.equal(result.resource?.type, 'federation');
    }
  });

  it('normalises the url by removing a trailing slash', () => {
    assert.deepEqual(normalised({ url: 'https://api.client.example.com:6443/' }), {
      name: 'client-a',
      url: 'https://api.client.example.com:6443',
    });
  });

  it('keeps the optional fields', () => {
    const result = normalised({
      url: 'https://api.client.example.com',
      issuer: 'https://kubernetes.default.svc.cluster.local',
      jwksURL: 'https://oidc.example.com/keys',
      audiences: ['federation'],
    });
    assert.equal(result.issuer, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(result.jwksURL, 'https://oidc.example.com/keys');
    assert.deepEqual(result.audiences, ['federation']);
  });

  it('accepts a PEM caBundle and one given as base64 of PEM, both normalised to PEM', () => {
    const fromPem = normalised({ url: 'https://a.example.com', caBundle: testCa });
    const encoded = Buffer.from(testCa).toString('base64');
    const fromBase64 = normalised({ url: 'https://a.example.com', caBundle: encoded });
    assert.match(fromPem.caBundle ?? '', /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(fromBase64.caBundle, fromPem.caBundle);
  });

  it('rejects a caBundle without a parseable certificate', () => {
    const broken = testCa.replace('MIIBjzCCATWg', 'MIIBjzCCATWh');
    assert.deepEqual(problems(federation({ url: 'https://a.example.com', caBundle: 'hello' })), [
      'spec.caBundle: must be PEM certificates, or base64 of PEM certificates',
    ]);
    assert.deepEqual(problems(federation({ url: 'https://a.example.com', caBundle: broken })), [
      'spec.caBundle: certificate 1 cannot be parsed',
    ]);
  });

  it('rejects a caBundle holding a private key without echoing it', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n';
    const result = problems(federation({ url: 'https://a.example.com', caBundle: testCa + key }));
    assert.deepEqual(result, [
      'spec.caBundle: must hold only CERTIFICATE blocks, found a `PRIVATE KEY` block',
    ]);
  });

  it('rejects an http url, a url with a query or fragment, and one with credentials', () => {
    const cases: [string, string][] = [
      ['http://api.client.example.com', 'must be an https URL'],
      ['api.client.example.com', 'must be an https URL'],
      ['https://api.client.example.com/?x=1', 'must not have a query string'],
      ['https://api.client.example.com/#top', 'must not have a fragment'],
      ['https://user:pw@api.client.example.com', 'must not contain a user name or password'],
    ];
    for (const [url, message] of cases) {
      assert.deepEqual(problems(federation({ url })), [`spec.url: ${message}`], url);
    }
  });

  it('rejects an http jwksURL', () => {
    assert.deepEqual(
      problems(federation({ url: 'https://a.example.com', jwksURL: 'http://a.example.com/keys' })),
      ['spec.jwksURL: must be an https URL'],
    );
  });

  it('reports a missing url, wrong types and an empty audience list', () => {
    assert.deepEqual(problems(federation({})), ['spec.url: required field is missing']);
    assert.deepEqual(problems(federation({ url: 42 })), ['spec.url: expected string, got number']);
    assert.deepEqual(problems(federation({ url: 'https://a.example.com', audiences: [] })), [
      'spec.audiences: must not be empty',
    ]);
    assert.deepEqual(problems(federation({ url: 'https://a.example.com', audiences: 'x' })), [
      'spec.audiences: expected list, got string',
    ]);
    assert.deepEqual(problems(federation({ url: 'https://a.example.com', issuer: '' })), [
      'spec.issuer: must not be empty',
    ]);
  });

  it('reports a missing spec and an unknown field with a suggestion', () => {
    const withoutSpec: Record<string, unknown> = federation({});
    delete withoutSpec.spec;
    assert.deepEqual(problems(withoutSpec), ['spec: required field is missing']);
    assert.deepEqual(
      problems(federation({ url: 'https://a.example.com', jwksUrl: 'https://a.example.com/k' })),
      ['spec.jwksUrl: unknown field `jwksUrl`; did you mean `jwksURL`?'],
    );
  });

  it('rejects a namespace because the kind is cluster-scoped', () => {
    const document = federation({ url: 'https://a.example.com' });
    document.metadata = { name: 'client-a', namespace: 'default' } as typeof document.metadata;
    assert.deepEqual(problems(document), [
      'metadata.namespace: must not be set: KubernetesFederation is cluster-scoped',
    ]);
  });
});
