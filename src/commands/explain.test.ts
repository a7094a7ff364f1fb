import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { explainConfigDir, explanationText } from './explain.js';
import { packageRoot } from '../../test/support/repo.js';

const issuerA = 'https://oidc.cluster-a.example.com';
const issuerShared = 'https://kubernetes.default.svc.cluster.local';
const appSubject = 'system:serviceaccount:app:app-sa';

function federation(name: string, extra = ''): string {
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: ${name}
spec:
  url: https://api.${name}.example.com
${extra}`;
}

function authorization(name: string, federationName: string, spec: string): string {
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: ${name}
spec:
  federationRef: { kind: KubernetesFederation, name: ${federationName} }
${spec}`;
}

const manifests: Record<string, string> = {
  'federations.yaml': [
    federation('cluster-a', '  audiences: [federation-hub]\n'),
    federation('cluster-b'),
    federation('cluster-c'),
  ].join('---\n'),
  'authorizations.yaml': [
    authorization(
      'app-a',
      'cluster-a',
      `  subject: { issuer: "${issuerA}", subject: "${appSubject}" }
  allowedClusterSecretStores: [main-store, ghost-store]
  allowedGenerators:
    - { name: db-password, kind: Password, namespace: gen }
    - { name: shared-key, kind: ClusterGenerator, namespace: team }
  allowedGeneratorStates: [{ namespace: gen }]
`,
    ),
    authorization(
      'app-b',
      'cluster-b',
      `  subject: { oidc: { issuer: "${issuerShared}", subject: "${appSubject}" } }
  allowedClusterSecretStores: [main-store]
`,
    ),
    authorization(
      'app-c',
      'cluster-c',
      `  subject: { issuer: "${issuerShared}", subject: "${appSubject}" }
  allowedClusterSecretStores: [other-store]
`,
    ),
    authorization(
      'typo',
      'cluster-a',
      `  subject: { issuer: "${issuerA}", subject: "system:serviceaccount:app:App-sa" }
  allowedClusterSecretStores: [main-store]
`,
    ),
  ].join('---\n'),
  'stores.yaml': ['main-store', 'other-store']
    .map(
      (name) => `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: ${name}
spec:
  provider:
    fake:
      data: [{ key: hello, value: world }]
`,
    )
    .join('---\n'),
  'generators.yaml': `apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: { name: db-password, namespace: gen }
spec: { length: 32 }
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: ClusterGenerator
metadata: { name: shared-key }
spec:
  kind: SSHKey
  generator:
    sshKeySpec: { keyType: ed25519 }
`,
};

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

const mainUrl = new URL('./main.js', import.meta.url).href;

/** Runs `federation-server` from this build as its own process, as the `bin` script does. */
function runCommand(args: string[]): Promise<Finished> {
  const script = `import { main } from ${JSON.stringify(mainUrl)};
main(['node', 'federation-server', ...process.argv.slice(1)]).then((code) => {
  process.exitCode = code;
});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('federation-server explain', () => {
  let configDir: string;

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'fed-explain-'));
    for (const [file, text] of Object.entries(manifests)) {
      await writeFile(join(configDir, file), text);
    }
  });
  after(() => rm(configDir, { recursive: true, force: true }));

  const explain = (issuer: string, subject: string, federationName?: string) =>
    explainConfigDir({ configDir, issuer, subject, federation: federationName });

  it('explains an identity with grants through one federation', async () => {
    const result = await explain(issuerA, appSubject);
    const text = explanationText(result);

    assert.equal(result.explanation.allowed, true);
    assert.match(text, /^ {2}cluster-a$/m);
    assert.match(text, /^ {4}audiences +aud must hold one of federation-hub$/m);
    assert.match(text, /^ {4}caBundle +not pinned/m);
    assert.match(text, /^ {2}app-a +matches through cluster-a$/m);
    assert.match(text, /^Grants through cluster-a$/m);
    assert.match(text, /^ {2}ClusterSecretStore +main-store +provider fake +app-a$/m);
    assert.match(text, /^ {2}generator +gen\/Password\/db-password +exists +app-a$/m);
    assert.match(text, /^ {2}generator state +gen +app-a$/m);
    assert.match(text, /^Result: allowed: 2 ClusterSecretStores, 2 generators/m);
  });

  it('flags a grant to a store that does not exist, and warns about it', async () => {
    const result = await explain(issuerA, appSubject);
    const text = explanationText(result);

    assert.match(text, /^ {2}ClusterSecretStore +ghost-store +does not exist +app-a$/m);
    assert.match(text, /^ +1 grant names an object that does not exist$/m);
    assert.ok(
      result.problems.some((problem) => problem.message.includes('`ghost-store` does not exist')),
    );
  });

  it('resolves a ClusterGenerator to the generator kind it runs', async () => {
    const result = await explain(issuerA, appSubject);
    const shared = result.explanation.grants.generators.find((g) => g.name === 'shared-key');

    assert.deepEqual(shared && [shared.namespace, shared.exists, shared.generatorKind], [
      'team',
      true,
      'SSHKey',
    ]);
    assert.match(
      explanationText(result),
      /^ {2}generator +team\/ClusterGenerator\/shared-key +runs SSHKey +app-a$/m,
    );
  });

  it('shows the grants of each candidate federation apart', async () => {
    const result = await explain(issuerShared, appSubject);
    const text = explanationText(result);

    assert.deepEqual(
      result.explanation.federations.map((check) => check.name),
      ['cluster-b', 'cluster-c'],
    );
    assert.match(text, /^Grants through cluster-b \(only for tokens that cluster-b verifies\)$/m);
    assert.match(text, /^Grants through cluster-c \(only for tokens that cluster-c verifies\)$/m);
    const sectionB = text.slice(text.indexOf('Grants through cluster-b'));
    assert.match(sectionB.split('\n\n')[0] ?? '', /main-store/);
    assert.doesNotMatch(sectionB.split('\n\n')[0] ?? '', /other-store/);

    const narrowed = await explain(issuerShared, appSubject, 'cluster-c');
    assert.deepEqual(
      narrowed.explanation.grants.clusterSecretStores.map((store) => store.name),
      ['other-store'],
    );
    assert.match(explanationText(narrowed), /app-b +does not match because it trusts/);
  });

  it('shows a mistyped subject as a near miss and exits 1', async () => {
    const subject = 'system:serviceaccount:app:App-SA';
    const result = await runCommand([
      'explain',
      '--config-dir',
      configDir,
      '--issuer',
      issuerA,
      '--subject',
      subject,
    ]);

    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /^ {2}app-a +does not match because subject "system:serviceaccount:app:app-sa" differs only in letter case$/m,
    );
    assert.match(result.stdout, /^ {2}typo +does not match because .* only in letter case$/m);
    assert.match(result.stdout, /^Result: denied by default: no Authorization matches$/m);
    assert.match(
      result.stderr,
      /^warning: .*authorizations\.yaml: .*`ghost-store` does not exist$/m,
    );
  });

  it('prints a stable JSON document and exits 0 when the identity holds a grant', async () => {
    const result = await runCommand([
      'explain',
      '--config-dir',
      configDir,
      '--issuer',
      issuerA,
      '--subject',
      appSubject,
      '--output',
      'json',
    ]);

    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(document), [
      'version',
      'issuer',
      'subject',
      'federation',
      'allowed',
      'verdict',
      'problems',
      'federations',
      'authorizations',
      'grants',
    ]);
    assert.equal(document.version, 1);
    assert.equal(document.allowed, true);
    const [check] = document.federations as Record<string, unknown>[];
    assert.deepEqual(Object.keys(check ?? {}), [
      'name',
      'isCandidate',
      'exists',
      'url',
      'jwksURL',
      'isCaBundlePinned',
      'issuer',
      'issuerMatches',
      'audiences',
      'canVerify',
      'authorizations',
      'grants',
    ]);
    const grants = document.grants as Record<string, Record<string, unknown>[]>;
    assert.deepEqual(Object.keys(grants), ['clusterSecretStores', 'generators', 'generatorStates']);
    assert.deepEqual(grants.clusterSecretStores?.[1], {
      name: 'main-store',
      exists: true,
      provider: 'fake',
      grantedBy: [{ federation: 'cluster-a', authorization: 'app-a' }],
    });
    assert.deepEqual(Object.keys(grants.generators?.[0] ?? {}), [
      'namespace',
      'kind',
      'name',
      'exists',
      'generatorKind',
      'grantedBy',
    ]);
  });

  it('exits 2 on usage errors', async () => {
    const missing = await runCommand(['explain', '--config-dir', configDir, '--issuer', issuerA]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--subject/);

    const format = ['--issuer', issuerA, '--subject', appSubject];
    const badOutput = await runCommand([
      'explain',
      '--config-dir',
      configDir,
      ...format,
      '--output',
      'xml',
    ]);
    assert.equal(badOutput.code, 2);

    const noDir = await runCommand([
      'explain',
      '--config-dir',
      join(configDir, 'absent'),
      ...format,
    ]);
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /is not a readable directory/);
  });

  it('documents every flag in --help and in docs/cli.md', async () => {
    const help = await runCommand(['explain', '--help']);
    const docs = await readFile(join(packageRoot(), 'docs', 'cli.md'), 'utf8');

    assert.equal(help.code, 0);
    assert.match(docs, /^## `federation-server explain`$/m);
    for (const flag of ['--config-dir', '--issuer', '--subject', '--federation', '--output']) {
      assert.ok(help.stdout.includes(flag), `explain --help lacks ${flag}`);
      assert.ok(docs.includes(`\`${flag}`), `docs/cli.md lacks ${flag}`);
    }
  });
});
