import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPath, formatProblem, formatProblems, joinPaths, sortProblems } from './problem.js';
import type { Problem } from './problem.js';

describe('formatPath', () => {
  it('joins keys with dots and list positions with brackets', () => {
    assert.equal(
      formatPath(['spec', 'allowedGenerators', 0, 'name']),
      'spec.allowedGenerators[0].name',
    );
  });

  it('quotes keys that contain dots or spaces', () => {
    assert.equal(formatPath(['data', 'tls.crt']), 'data["tls.crt"]');
    assert.equal(formatPath(['stringData', 'a b']), 'stringData["a b"]');
  });

  it('renders the document root as the empty path', () => {
    assert.equal(formatPath([]), '');
  });
});

describe('joinPaths', () => {
  it('joins a List item path and a field path', () => {
    assert.equal(joinPaths('items[2]', 'spec.url'), 'items[2].spec.url');
    assert.equal(joinPaths('', 'spec'), 'spec');
    assert.equal(joinPaths('items[2]', ''), 'items[2]');
    assert.equal(joinPaths('[1]', '[0]'), '[1][0]');
  });
});

describe('formatProblem', () => {
  it('prints file, document, object, path and message on one line', () => {
    const problem: Problem = {
      file: 'config/federation.yaml',
      documentIndex: 2,
      kind: 'KubernetesFederation',
      name: 'client-a',
      path: 'spec.url',
      message: 'must be an https URL',
    };
    assert.equal(
      formatProblem(problem),
      'config/federation.yaml: document 2 (KubernetesFederation/client-a): spec.url: must be an https URL',
    );
  });

  it('puts line and column after the file when they are known', () => {
    const problem: Problem = {
      file: 'a.yaml',
      documentIndex: 1,
      kind: 'Password',
      name: 'db',
      namespace: 'gen',
      path: 'spec.length',
      message: 'expected number, got string',
      line: 7,
      column: 11,
    };
    assert.equal(
      formatProblem(problem),
      'a.yaml:7:11: document 1 (Password/db, namespace gen): spec.length: expected number, got string',
    );
  });

  it('leaves out what a file-level problem does not have', () => {
    assert.equal(
      formatProblem({
        file: 'a.yaml',
        path: '',
        message: 'cannot read the file: permission denied',
      }),
      'a.yaml: cannot read the file: permission denied',
    );
  });
});

describe('sortProblems', () => {
  it('orders by file, document, path and message whatever the input order', () => {
    const problems: Problem[] = [
      { file: 'b.yaml', documentIndex: 1, path: 'spec', message: 'x' },
      { file: 'a.yaml', documentIndex: 2, path: 'spec.url', message: 'x' },
      { file: 'a.yaml', documentIndex: 2, path: 'metadata.name', message: 'x' },
      { file: 'a.yaml', documentIndex: 10, path: 'spec', message: 'x' },
      { file: 'a.yaml', documentIndex: 1, path: 'spec.b', message: 'y' },
      { file: 'a.yaml', documentIndex: 1, path: 'spec.b', message: 'x' },
    ];
    const expected = [
      'a.yaml: document 1: spec.b: x',
      'a.yaml: document 1: spec.b: y',
      'a.yaml: document 2: metadata.name: x',
      'a.yaml: document 2: spec.url: x',
      'a.yaml: document 10: spec: x',
      'b.yaml: document 1: spec: x',
    ];
    assert.deepEqual(sortProblems(problems).map(formatProblem), expected);
    assert.deepEqual(formatProblems([...problems].reverse()), expected);
  });

  it('orders list positions numerically', () => {
    const paths = ['spec.a[10]', 'spec.a[2]'].map((path) => ({ file: 'f', path, message: 'm' }));
    assert.deepEqual(
      sortProblems(paths).map((problem) => problem.path),
      ['spec.a[2]', 'spec.a[10]'],
    );
  });
});
