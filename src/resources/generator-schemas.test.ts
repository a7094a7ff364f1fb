import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatorDefinitions } from '../generators/registry.js';
import type { GeneratorResource } from './resource.js';
import { validateDocument } from './validate-document.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';

function generator(kind: string, spec?: unknown, namespace: string | null = 'generators') {
  return {
    apiVersion,
    kind,
    metadata: namespace === null ? { name: 'gen-a' } : { name: 'gen-a', namespace },
    ...(spec === undefined ? {} : { spec }),
  };
}

function clusterGenerator(spec: unknown) {
  return { apiVersion, kind: 'ClusterGenerator', metadata: { name: 'shared' }, spec };
}

/** The smallest valid spec of kinds with required fields; `{}` for the others. */
const minimalSpecs: Record<string, object> = {
  STSSessionToken: { region: 'us-east-1' },
  ECRAuthorizationToken: { region: 'us-east-1' },
  Webhook: { url: 'https://hooks.example.com/new', result: { jsonPath: '$' } },
  VaultDynamicSecret: {
    path: 'database/creds/app',
    provider: {
      server: 'https://vault.example.com',
      auth: { tokenSecretRef: { name: 'vault', key: 'token' } },
    },
  },
};

function minimalSpec(kind: string): object {
  return minimalSpecs[kind] ?? {};
}

function check(document: unknown) {
  return validateDocument(document, { file: 'generators.yaml', documentIndex: 1 });
}

function problems(document: unknown): string[] {
  return check(document).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('generator kinds', () => {
  it('accepts every registered kind, with a spec checked by its own schema', () => {
    assert.ok(generatorDefinitions.length > 0);
    for (const definition of generatorDefinitions) {
      const result = check(generator(definition.kind, minimalSpec(definition.kind)));
      assert.deepEqual(result.problems, [], definition.kind);
      const resource = result.resource as GeneratorResource;
      assert.equal(resource.generatorKind, definition.kind);
      assert.equal(resource.ref.namespace, 'generators');
      assert.equal(resource.definition, definition);
    }
  });

  it('checks an absent spec as an empty one, applying the defaults', () => {
    const result = check(generator('UUID'));
    assert.deepEqual(result.problems, []);
    const password = check(generator('Password')).resource as GeneratorResource;
    assert.equal((password.spec as { length: number }).length, 24);
  });

  it('reports wrong types and unknown fields of a generator spec', () => {
    assert.deepEqual(problems(generator('Password', { length: 'long' })), [
      'spec.length: expected number, got string',
    ]);
    assert.deepEqual(problems(generator('Password', { lenght: 8 })), [
      'spec.lenght: unknown field `lenght`; did you mean `length`?',
    ]);
    assert.deepEqual(problems(generator('SSHKey', { keyType: 'dsa' })), [
      'spec.keyType: must be one of `rsa`, `ecdsa`, `ed25519`; did you mean `rsa`?',
    ]);
  });

  it('requires a namespace', () => {
    assert.deepEqual(problems(generator('Password', {}, null)), [
      'metadata.namespace: required field is missing',
    ]);
  });
});

describe('ClusterGenerator', () => {
  it('accepts the generator key that matches spec.kind and validates it with that schema', () => {
    for (const definition of generatorDefinitions) {
      const result = check(
        clusterGenerator({
          kind: definition.kind,
          generator: { [definition.clusterGeneratorKey]: minimalSpec(definition.kind) },
        }),
      );
      assert.deepEqual(result.problems, [], definition.kind);
      const resource = result.resource as GeneratorResource;
      assert.equal(resource.ref.kind, 'ClusterGenerator');
      assert.equal(resource.ref.namespace, '');
      assert.equal(resource.generatorKind, definition.kind);
    }
  });

  it('validates the wrapped spec with the wrapped kind schema', () => {
    assert.deepEqual(
      problems(
        clusterGenerator({ kind: 'Password', generator: { passwordSpec: { length: 'x' } } }),
      ),
      ['spec.generator.passwordSpec.length: expected number, got string'],
    );
  });

  it('rejects a generator key that does not match spec.kind', () => {
    assert.deepEqual(
      problems(clusterGenerator({ kind: 'UUID', generator: { passwordSpec: {} } })),
      ['spec.generator: must hold exactly `uuidSpec` for kind UUID, found `passwordSpec`'],
    );
    assert.deepEqual(
      problems(clusterGenerator({ kind: 'UUID', generator: { uuidSpec: {}, passwordSpec: {} } })),
      [
        'spec.generator: must hold exactly `uuidSpec` for kind UUID, found `passwordSpec`, `uuidSpec`',
      ],
    );
    assert.deepEqual(problems(clusterGenerator({ kind: 'UUID', generator: {} })), [
      'spec.generator: must hold exactly `uuidSpec` for kind UUID, found none',
    ]);
  });

  it('suggests the right key and kind for typos', () => {
    assert.match(
      problems(clusterGenerator({ kind: 'Password', generator: { passwordSpc: {} } })).join('\n'),
      /^spec\.generator\.passwordSpc: unknown generator `passwordSpc`; supported: .*; did you mean `passwordSpec`\?$/,
    );
    assert.match(
      problems(clusterGenerator({ kind: 'Pasword', generator: { passwordSpec: {} } })).join('\n'),
      /^spec\.kind: must be one of .*; did you mean `Password`\?$/,
    );
  });

  it('rejects a namespace, because the kind is cluster-scoped', () => {
    const document = clusterGenerator({ kind: 'UUID', generator: { uuidSpec: {} } });
    Object.assign(document.metadata, { namespace: 'generators' });
    assert.deepEqual(problems(document), [
      'metadata.namespace: must not be set: ClusterGenerator is cluster-scoped',
    ]);
  });
});
