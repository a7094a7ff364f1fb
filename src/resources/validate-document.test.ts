import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { resourceKinds } from './resource-kinds.js';
import { validateDocument } from './validate-document.js';

const federation = {
  apiVersion: 'federation.external-secrets.io/v1alpha1',
  kind: 'KubernetesFederation',
  metadata: { name: 'client-a' },
  spec: { url: 'https://api.client.example.com' },
};

function problems(document: unknown): string[] {
  return validateDocument(document, { file: 'f.yaml', documentIndex: 1 }).problems.map(
    (problem) => `${problem.path}: ${problem.message}`,
  );
}

describe('validateDocument envelope', () => {
  it('rejects a document that is not an object', () => {
    assert.deepEqual(problems('hello'), [
      ': expected object with apiVersion, kind, metadata and spec, got string',
    ]);
    assert.deepEqual(problems([1]), [
      ': expected object with apiVersion, kind, metadata and spec, got list',
    ]);
  });

  it('requires apiVersion and kind as strings', () => {
    assert.deepEqual(problems({ metadata: { name: 'a' } }), [
      'apiVersion: required field is missing',
      'kind: required field is missing',
    ]);
    assert.deepEqual(problems({ ...federation, kind: 3 }), ['kind: expected string, got number']);
  });

  it('reports an unsupported kind with the supported ones and a suggestion', () => {
    const [message] = problems({ ...federation, kind: 'KubernetesFederaton' });
    assert.match(message ?? '', /^kind: unsupported kind `KubernetesFederaton`; supported kinds: /);
    assert.match(message ?? '', /did you mean `KubernetesFederation`\?$/);
    assert.match(
      problems({ ...federation, apiVersion: 'apps/v1', kind: 'Deployment' })[0] ?? '',
      /^kind: unsupported kind `Deployment`; supported kinds: `KubernetesFederation`, [^;]*$/,
    );
  });

  it('reports an apiVersion that does not belong to the kind', () => {
    assert.deepEqual(problems({ ...federation, apiVersion: 'external-secrets.io/v1' }), [
      'apiVersion: `external-secrets.io/v1` is not an apiVersion of KubernetesFederation; ' +
        'expected `federation.external-secrets.io/v1alpha1` or ' +
        '`identity.federation.external-secrets.io/v1alpha1`',
    ]);
  });

  it('requires a DNS-1123 name', () => {
    assert.deepEqual(problems({ ...federation, metadata: {} }), [
      'metadata.name: required field is missing',
    ]);
    assert.deepEqual(problems({ ...federation, metadata: { name: 'Client_A' } }), [
      'metadata.name: must be a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, ' +
        'starting and ending with a letter or digit',
    ]);
    assert.deepEqual(problems({ ...federation, metadata: { name: '' } }), [
      'metadata.name: must not be empty',
    ]);
  });

  it('accepts what kubectl adds to an exported object, and ignores status', () => {
    const exported = {
      ...federation,
      metadata: {
        name: 'client-a',
        labels: { team: 'platform' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        uid: '0b6c5a36-1111-4222-8333-944455556666',
        resourceVersion: '4711',
        generation: 2,
        creationTimestamp: '2025-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
        finalizers: ['example.com/cleanup'],
        ownerReferences: [],
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    assert.deepEqual(problems(exported), []);
    assert.deepEqual(
      problems({ ...federation, metadata: { name: 'a', creationTimestamp: null } }),
      [],
    );
  });

  it('rejects unknown metadata fields and non-string labels', () => {
    assert.deepEqual(problems({ ...federation, metadata: { name: 'a', lables: {} } }), [
      'metadata.lables: unknown field `lables`; did you mean `labels`?',
    ]);
    assert.deepEqual(problems({ ...federation, metadata: { name: 'a', labels: { tier: 1 } } }), [
      'metadata.labels.tier: expected string, got number',
    ]);
  });

  it('places problems of a List item under its path inside the document', () => {
    const result = validateDocument(
      { ...federation, spec: {} },
      { file: 'list.json', documentIndex: 1, path: ['items', 4] },
    );
    assert.deepEqual(
      result.problems.map((problem) => problem.path),
      ['items[4].spec.url'],
    );
  });

  it('never lets a zod default message through', () => {
    const documents = [
      { ...federation, spec: { url: 1, caBundle: [], issuer: {}, audiences: [3] } },
      { ...federation, metadata: { name: 5, namespace: true, labels: [] } },
      { ...federation, kind: 'Authorization', spec: { subject: 3, federationRef: null } },
      {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'Password',
        metadata: { name: 'p', namespace: 'g' },
        spec: { length: -1, digits: 1.5, encoding: 'rot13', secretKeys: [1] },
      },
    ];
    for (const document of documents) {
      for (const message of problems(document)) {
        assert.doesNotMatch(
          message,
          /Invalid input|Expected |Unrecognized key|Too small|Too big/,
          message,
        );
      }
    }
  });

  it('gives the same problems in the same order on every run', () => {
    const document = { ...federation, metadata: { name: 'A', x: 1 }, spec: { url: 1, y: 2 } };
    const first = problems(document);
    for (let run = 0; run < 5; run++) assert.deepEqual(problems(document), first);
  });
});

describe('resource kind schemas', () => {
  it('convert to JSON Schema, so that CRD schemas can be generated from them', () => {
    for (const kind of resourceKinds()) {
      const schema = kind.specSchema ?? kind.schema;
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' });
      assert.equal(typeof json, 'object', kind.kind);
    }
  });
});
