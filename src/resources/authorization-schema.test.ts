import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizationResource } from './resource.js';
import { validateDocument } from './validate-document.js';

const issuer = 'https://oidc.client-a.example.com';
const subject = 'system:serviceaccount:app-ns:app-sa';

function authorization(spec: Record<string, unknown>) {
  return {
    apiVersion: 'federation.external-secrets.io/v1alpha1',
    kind: 'Authorization',
    metadata: { name: 'allow-app' },
    spec: {
      federationRef: { kind: 'KubernetesFederation', name: 'client-a' },
      subject: { issuer, subject },
      ...spec,
    },
  };
}

function check(document: unknown) {
  return validateDocument(document, { file: 'authorization.yaml', documentIndex: 3 });
}

function problems(document: unknown): string[] {
  return check(document).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

function rule(document: unknown) {
  const result = check(document);
  assert.deepEqual(result.problems, []);
  return (result.resource as AuthorizationResource).rule;
}

describe('Authorization', () => {
  it('normalises the flat subject form into a rule with defaults for absent lists', () => {
    assert.deepEqual(rule(authorization({})), {
      name: 'allow-app',
      federation: 'client-a',
      issuer,
      subject,
      clusterSecretStores: [],
      generators: [],
      generatorStateNamespaces: [],
    });
  });

  it('accepts the nested oidc subject form', () => {
    const result = rule(authorization({ subject: { oidc: { issuer, subject } } }));
    assert.equal(result.issuer, issuer);
    assert.equal(result.subject, subject);
  });

  it('rejects a subject that mixes both forms', () => {
    assert.deepEqual(problems(authorization({ subject: { issuer, oidc: { issuer, subject } } })), [
      'spec.subject: use either `issuer` and `subject`, or `oidc`, not both',
    ]);
  });

  it('names each missing part of a subject in neither form', () => {
    assert.deepEqual(problems(authorization({ subject: {} })), [
      'spec.subject.issuer: required field is missing',
      'spec.subject.subject: required field is missing',
    ]);
    assert.deepEqual(problems(authorization({ subject: { oidc: { issuer } } })), [
      'spec.subject.oidc.subject: required field is missing',
    ]);
  });

  it('defaults the apiVersion of allowed generators and keeps the other grants', () => {
    const result = rule(
      authorization({
        allowedClusterSecretStores: ['central-store'],
        allowedGenerators: [{ name: 'db-password', kind: 'Password', namespace: 'generators' }],
        allowedGeneratorStates: [{ namespace: 'generators' }],
      }),
    );
    assert.deepEqual(result.clusterSecretStores, ['central-store']);
    assert.deepEqual(result.generators, [
      {
        namespace: 'generators',
        kind: 'Password',
        name: 'db-password',
        apiVersion: 'generators.external-secrets.io/v1alpha1',
      },
    ]);
    assert.deepEqual(result.generatorStateNamespaces, ['generators']);
  });

  it('reports missing, mistyped and unknown fields with their paths', () => {
    assert.deepEqual(problems(authorization({ federationRef: { name: 'client-a' } })), [
      'spec.federationRef.kind: required field is missing',
    ]);
    assert.deepEqual(
      problems(authorization({ federationRef: { kind: 'Federation', name: 'client-a' } })),
      ['spec.federationRef.kind: must be `KubernetesFederation`'],
    );
    assert.deepEqual(problems(authorization({ allowedClusterSecretStores: 'central-store' })), [
      'spec.allowedClusterSecretStores: expected list, got string',
    ]);
    assert.deepEqual(
      problems(
        authorization({ allowedGenerators: [{ name: 'x', kind: 'Password', namespce: 'g' }] }),
      ),
      ['spec.allowedGenerators[0].namespce: unknown field `namespce`; did you mean `namespace`?'],
    );
    assert.deepEqual(problems(authorization({ allowedGeneratorStates: [{ namespace: 7 }] })), [
      'spec.allowedGeneratorStates[0].namespace: expected string, got number',
    ]);
    assert.deepEqual(
      problems(
        authorization({
          allowedGenerators: [{ name: 'x', kind: 'Password', namespace: 'g', apiVersion: 'v2' }],
        }),
      ),
      ['spec.allowedGenerators[0].apiVersion: must be `generators.external-secrets.io/v1alpha1`'],
    );
  });

  it('rejects a namespace, because the kind is cluster-scoped', () => {
    const document = authorization({});
    Object.assign(document.metadata, { namespace: 'default' });
    assert.deepEqual(problems(document), [
      'metadata.namespace: must not be set: Authorization is cluster-scoped',
    ]);
  });

  it('reports `_spec` as a typo of `spec`, without also calling spec missing', () => {
    const { spec, ...rest } = authorization({});
    const result = check({ ...rest, _spec: spec });
    assert.deepEqual(
      result.problems.map((problem) => [problem.documentIndex, problem.path, problem.message]),
      [[3, '_spec', 'unknown field `_spec`; did you mean `spec`?']],
    );
    assert.equal(result.problems[0]?.file, 'authorization.yaml');
    assert.equal(result.problems[0]?.kind, 'Authorization');
    assert.equal(result.problems[0]?.name, 'allow-app');
  });
});
