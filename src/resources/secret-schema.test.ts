import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecretResource } from './resource.js';
import { validateDocument } from './validate-document.js';

function secret(fields: Record<string, unknown>, namespace: string | null = 'apps') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: namespace === null ? { name: 'db' } : { name: 'db', namespace },
    ...fields,
  };
}

function check(document: unknown) {
  return validateDocument(document, { file: 'secrets.yaml', documentIndex: 1 });
}

function problems(document: unknown): string[] {
  return check(document).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('v1 Secret', () => {
  it('decodes data and lays stringData over it', () => {
    const result = check(
      secret({
        type: 'kubernetes.io/basic-auth',
        data: { username: Buffer.from('admin').toString('base64'), password: 'b2xk' },
        stringData: { password: 'new' },
      }),
    );
    assert.deepEqual(result.problems, []);
    const entry = (result.resource as SecretResource).secret;
    assert.equal(entry.namespace, 'apps');
    assert.equal(entry.type, 'kubernetes.io/basic-auth');
    assert.equal(entry.data.username?.toString(), 'admin');
    assert.equal(entry.data.password?.toString(), 'new');
  });

  it('defaults the type to Opaque and accepts base64 split over lines', () => {
    const result = check(secret({ data: { 'tls.crt': 'aGVs\nbG8=' } }));
    assert.deepEqual(result.problems, []);
    const entry = (result.resource as SecretResource).secret;
    assert.equal(entry.type, 'Opaque');
    assert.equal(entry.data['tls.crt']?.toString(), 'hello');
  });

  it('rejects data that is not base64, without echoing the value', () => {
    const result = problems(secret({ data: { password: 'hunter2!' } }));
    assert.deepEqual(result, ['data.password: must be base64 (standard alphabet, padded)']);
    assert.ok(!result.join('').includes('hunter2'));
  });

  it('rejects stringData values that are not strings, and invalid keys', () => {
    assert.deepEqual(problems(secret({ stringData: { port: 5432 } })), [
      'stringData.port: expected string, got number',
    ]);
    assert.deepEqual(problems(secret({ stringData: { 'a b': 'x' } })), [
      'stringData["a b"]: invalid key: a Secret key may contain only letters, digits, `-`, `_` and `.`',
    ]);
  });

  it('requires a namespace and rejects unknown top-level fields', () => {
    assert.deepEqual(problems(secret({}, null)), ['metadata.namespace: required field is missing']);
    assert.deepEqual(problems(secret({ spec: {} })), ['spec: unknown field `spec`']);
  });
});
