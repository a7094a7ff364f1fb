import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { providerDefinitions } from '../providers/registry.js';
import type { StoreResource } from './resource.js';
import { validateDocument } from './validate-document.js';

function store(spec: unknown) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'central-store' },
    spec,
  };
}

const fake = { fake: { data: [{ key: 'db', value: 'hunter2' }] } };

function check(document: unknown) {
  return validateDocument(document, { file: 'store.yaml', documentIndex: 1 });
}

function problems(document: unknown): string[] {
  return check(document).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('ClusterSecretStore', () => {
  it('accepts a fake provider and keeps its validated block', () => {
    const result = check(store({ provider: fake }));
    assert.deepEqual(result.problems, []);
    const resource = result.resource as StoreResource;
    assert.equal(resource.providerKey, 'fake');
    assert.deepEqual(resource.providerSpec, fake.fake);
    assert.equal(resource.definition.key, 'fake');
  });

  it('validates the provider block with that provider schema', () => {
    assert.deepEqual(problems(store({ provider: { fake: { data: [{ value: 'x' }] } } })), [
      'spec.provider.fake.data[0].key: required field is missing',
    ]);
    assert.deepEqual(problems(store({ provider: { fake: { data: 'x' } } })), [
      'spec.provider.fake.data: expected list, got string',
    ]);
  });

  it('names the supported providers when the provider key is unknown', () => {
    const supported = providerDefinitions.map((definition) => `\`${definition.key}\``).join(', ');
    assert.deepEqual(problems(store({ provider: { gitlab: {} } })), [
      `spec.provider.gitlab: unknown provider \`gitlab\`; supported providers: ${supported}`,
    ]);
    assert.match(problems(store({ provider: { fak: {} } }))[0] ?? '', /did you mean `fake`\?$/);
  });

  it('requires exactly one provider', () => {
    assert.deepEqual(problems(store({ provider: {} })), [
      'spec.provider: must name one provider: ' +
        providerDefinitions.map((definition) => `\`${definition.key}\``).join(', '),
    ]);
    assert.deepEqual(problems(store({})), ['spec.provider: required field is missing']);
  });

  it('accepts the other External Secrets Operator fields and ignores them', () => {
    const result = check(
      store({
        provider: fake,
        controller: 'dev',
        refreshInterval: 60,
        retrySettings: { maxRetries: 3, retryInterval: '10s' },
      }),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, []);
  });

  it('warns that conditions have no effect', () => {
    const result = check(store({ provider: fake, conditions: [{ namespaces: ['team-a'] }] }));
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.warnings.map((warning) => warning.path),
      ['spec.conditions'],
    );
  });

  it('reports wrong types and unknown fields of the store spec', () => {
    assert.deepEqual(problems(store({ provider: fake, refreshInterval: '1h' })), [
      'spec.refreshInterval: expected number, got string',
    ]);
    assert.deepEqual(problems(store({ provder: fake })), [
      'spec.provder: unknown field `provder`; did you mean `provider`?',
    ]);
    assert.deepEqual(problems(store({ provider: fake, providers: {} })), [
      'spec.providers: unknown field `providers`',
    ]);
  });
});
