import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadConfigDir } from './load-config-dir.js';
import { formatProblem } from './problem.js';

// The two examples of the seed document, as a user would paste them into one file.
const seedExample = `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: my-client-cluster # A descriptive name for the client cluster
spec:
  url: https://api.my-client-cluster.example.com
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: allow-app-x-access-vault
_spec:
  federationRef:
    kind: KubernetesFederation
    name: my-client-cluster
  subject:
    issuer: https://oidc.my-client-cluster.example.com # Client cluster's OIDC issuer URL
    subject: system:serviceaccount:app-ns:app-x-sa
  allowedClusterSecretStores:
    - central-vault-store
  allowedGenerators:
    - name: app-x-dynamic-db-creds
      kind: VaultDynamicSecret
      namespace: federation-generators
`;

const federation = (name: string) => `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: ${name}
spec:
  url: https://${name}.example.com
`;

const authorization = (name: string, federationName: string, store = 'central-store') => ({
  apiVersion: 'federation.external-secrets.io/v1alpha1',
  kind: 'Authorization',
  metadata: { name },
  spec: {
    federationRef: { kind: 'KubernetesFederation', name: federationName },
    subject: {
      oidc: { issuer: 'https://issuer.example.com', subject: 'system:serviceaccount:a:b' },
    },
    allowedClusterSecretStores: [store],
  },
});

const store = (name: string) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  metadata: { name },
  spec: { provider: { fake: { data: [{ key: 'k', value: 'v' }] } } },
});

describe('loadConfigDir', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'resources-load-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the seed example except its Authorization, whose `_spec` is a typo', async () => {
    await writeFile(join(dir, 'seed.yaml'), seedExample);
    const result = await loadConfigDir(dir);
    assert.deepEqual(
      result.documents.map((document) => `${document.ref.kind}/${document.ref.name}`),
      ['KubernetesFederation/my-client-cluster'],
    );
    assert.deepEqual(result.problems.map(formatProblem), [
      `${join(dir, 'seed.yaml')}:12:1: document 2 (Authorization/allow-app-x-access-vault): ` +
        '_spec: unknown field `_spec`; did you mean `spec`?',
    ]);
    assert.equal(result.problems[0]?.documentIndex, 2);
  });

  it('reads YAML, YML and JSON files in sorted order, recursively, skipping dot entries', async () => {
    await mkdir(join(dir, 'team-b'));
    await mkdir(join(dir, '.hidden'));
    await writeFile(join(dir, 'b.yml'), federation('b'));
    await writeFile(join(dir, 'a.yaml'), `${federation('a1')}---\n---\n${federation('a2')}`);
    await writeFile(join(dir, 'c.json'), JSON.stringify([store('s1'), store('s2')]));
    await writeFile(join(dir, 'team-b', 'd.yaml'), federation('d'));
    await writeFile(join(dir, '.hidden', 'e.yaml'), federation('e'));
    await writeFile(join(dir, '.dotfile.yaml'), federation('f'));
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    const result = await loadConfigDir(dir);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.documents.map((document) => document.ref.name),
      ['a1', 'a2', 'b', 's1', 's2', 'd'],
    );
    assert.deepEqual(result.files, [
      join(dir, 'a.yaml'),
      join(dir, 'b.yml'),
      join(dir, 'c.json'),
      join(dir, 'team-b', 'd.yaml'),
    ]);
  });

  it('follows the symlinks of a ConfigMap mount and reads each file once', async () => {
    await mkdir(join(dir, '..2025_01_01_00_00_00.000000001'));
    await writeFile(
      join(dir, '..2025_01_01_00_00_00.000000001', 'federation.yaml'),
      federation('cm'),
    );
    await symlink('..2025_01_01_00_00_00.000000001', join(dir, '..data'));
    await symlink(join('..data', 'federation.yaml'), join(dir, 'federation.yaml'));
    const result = await loadConfigDir(dir);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.documents.map((document) => document.ref.name),
      ['cm'],
    );
  });

  it('reports a duplicate object naming both places and keeps the first', async () => {
    await writeFile(join(dir, 'a.yaml'), federation('same'));
    await writeFile(join(dir, 'b.yaml'), `${federation('other')}---\n${federation('same')}`);
    const result = await loadConfigDir(dir);
    assert.deepEqual(
      result.documents.map((document) => document.ref.origin.file),
      [join(dir, 'a.yaml'), join(dir, 'b.yaml')],
    );
    assert.deepEqual(result.problems.map(formatProblem), [
      `${join(dir, 'b.yaml')}:8:1: document 2 (KubernetesFederation/same): ` +
        `duplicate KubernetesFederation: also defined in ${join(dir, 'a.yaml')}:1 (document 1); ` +
        'this definition is ignored',
    ]);
  });

  it('treats the same name in two namespaces, or under two kinds, as different objects', async () => {
    const secret = (namespace: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace } });
    await writeFile(
      join(dir, 'a.json'),
      `[${secret('one')}, ${secret('two')}, ${JSON.stringify(store('x'))}]`,
    );
    const result = await loadConfigDir(dir);
    assert.deepEqual(result.problems, []);
    assert.equal(result.documents.length, 3);
  });

  it('warns about references to missing objects without rejecting the rule', async () => {
    await writeFile(
      join(dir, 'rules.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [authorization('r', 'nowhere', 'missing-store')],
      }),
    );
    const result = await loadConfigDir(dir);
    assert.deepEqual(result.problems, []);
    assert.equal(result.documents.length, 1);
    assert.deepEqual(
      result.warnings.map((warning) => `${warning.path}: ${warning.message}`),
      [
        'items[0].spec.allowedClusterSecretStores[0]: ClusterSecretStore `missing-store` does not exist',
        'items[0].spec.federationRef.name: KubernetesFederation `nowhere` does not exist; ' +
          'this rule grants nothing until it does',
      ],
    );
  });

  it('warns when an Authorization issuer can never match its federation issuer', async () => {
    const pinned = `${federation('pinned')}  issuer: https://other-issuer.example.com\n`;
    await writeFile(join(dir, 'a.yaml'), pinned);
    await writeFile(
      join(dir, 'b.json'),
      JSON.stringify([authorization('r', 'pinned', 's'), store('s')]),
    );
    const result = await loadConfigDir(dir);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.warnings.map((warning) => warning.path),
      ['[0].spec.subject'],
    );
  });

  it('reports a directory that cannot be read as a problem', async () => {
    const missing = join(dir, 'missing');
    const result = await loadConfigDir(missing);
    assert.deepEqual(result.documents, []);
    assert.deepEqual(result.problems.map(formatProblem), [
      `${missing}: cannot read the directory: does not exist`,
    ]);
  });

  it('reports the same problems in the same order on every load', async () => {
    await writeFile(join(dir, 'b.yaml'), `${federation('Bad')}---\nkind: Nope\n`);
    await writeFile(join(dir, 'a.yaml'), 'spec: [\n');
    const first = (await loadConfigDir(dir)).problems.map(formatProblem);
    assert.equal(first.length, 3);
    for (let run = 0; run < 3; run++) {
      assert.deepEqual((await loadConfigDir(dir)).problems.map(formatProblem), first);
    }
  });
});
