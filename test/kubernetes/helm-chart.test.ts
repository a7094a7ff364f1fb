import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parse, parseAllDocuments } from 'yaml';

import { buildCrds, chartCrdDirectory, crdLayout } from '../../src/resources/crds/index.js';
import { repoPath } from '../support/repo.js';
import {
  blockProblems,
  staticYaml,
  templateActions,
  templateNames,
  valuesReferences,
} from './helm-template-text.js';

// Helm cannot be installed here (no Debian package, no npm package, no Go proxy), so these
// checks read the chart as text: they do not render it.
const chart = repoPath('deploy', 'helm', 'federation-server');
const templatesDirectory = join(chart, 'templates');

function templateFiles(directory = templatesDirectory, prefix = ''): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templateFiles(join(directory, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

const templates = new Map(
  templateFiles().map((name) => [name, readFileSync(join(templatesDirectory, name), 'utf8')]),
);
const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;

function valueAt(path: string): unknown {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function leafPaths(node: unknown, prefix = ''): string[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [prefix];
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

const allActions = [...templates.values()].flatMap((text) => templateActions(text));

describe('Helm chart deploy/helm/federation-server', () => {
  it('has a Chart.yaml of apiVersion v2 with a semantic version', () => {
    const meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    assert.equal(meta.apiVersion, 'v2');
    assert.equal(meta.name, 'federation-server');
    assert.match(String(meta.version), /^\d+\.\d+\.\d+$/);
    assert.equal(typeof meta.appVersion, 'string');
  });

  it('has values with the documented, secure defaults', () => {
    assert.equal(values.replicaCount, 2);
    assert.equal(valueAt('tls.enabled'), true);
    assert.equal(valueAt('crds.install'), true);
    assert.equal(valueAt('rbac.create'), true);
    assert.equal(valueAt('securityContext.runAsNonRoot'), true);
    assert.equal(valueAt('securityContext.readOnlyRootFilesystem'), true);
    assert.equal(valueAt('securityContext.allowPrivilegeEscalation'), false);
    assert.deepEqual(valueAt('securityContext.capabilities.drop'), ['ALL']);
    assert.equal(valueAt('securityContext.seccompProfile.type'), 'RuntimeDefault');
    assert.equal(valueAt('podSecurityContext.seccompProfile.type'), 'RuntimeDefault');
    assert.ok(valueAt('resources.requests'));
  });

  it('balances every {{ }} and every block with its end', () => {
    for (const [name, text] of templates) {
      assert.deepEqual(blockProblems(templateActions(text)), [], name);
    }
  });

  it('reads only values that values.yaml defines', () => {
    const missing = valuesReferences(allActions).filter((path) => valueAt(path) === undefined);
    assert.deepEqual(missing, []);
  });

  it('uses every value that values.yaml defines', () => {
    const referenced = valuesReferences(allActions);
    const unused = leafPaths(values).filter(
      (leaf) => !referenced.some((path) => leaf === path || leaf.startsWith(`${path}.`)),
    );
    assert.deepEqual(unused, []);
  });

  it('includes only templates that _helpers.tpl defines', () => {
    const defined = new Set(templateNames(allActions, 'define'));
    const unknown = templateNames(allActions, 'include').filter((name) => !defined.has(name));
    assert.deepEqual(unknown, []);
  });

  it('keeps valid YAML between the template actions', () => {
    for (const [name, text] of templates) {
      if (!name.endsWith('.yaml')) continue;
      for (const document of parseAllDocuments(staticYaml(text))) {
        assert.deepEqual(document.errors, [], name);
      }
    }
  });

  it('passes only flags that `serve` documents, and serves TLS or says why not', () => {
    const helpers = templates.get('_helpers.tpl') ?? '';
    const cli = readFileSync(repoPath('docs', 'cli.md'), 'utf8');
    const flags = [...helpers.matchAll(/^- (--[a-z-]+)$/gm)].map((match) => match[1] ?? '');
    assert.ok(flags.length > 5);
    for (const flag of flags) assert.ok(cli.includes(`\`${flag}`), `${flag} is not in docs/cli.md`);
    for (const flag of ['--listen', '--tls-cert', '--tls-key', '--insecure-http']) {
      assert.ok(flags.includes(flag), flag);
    }
    assert.match(helpers, /fail "tls\.enabled is false: set tls\.insecureHttpBehindProxy/);
  });

  it('probes /healthz and /readyz and mounts the TLS Secret read-only', () => {
    const deployment = parse(staticYaml(templates.get('deployment.yaml') ?? ''));
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    const tls = container.volumeMounts.find((mount: { name: string }) => mount.name === 'tls');
    assert.equal(tls.readOnly, true);
  });

  it('gates each CRD on crds.install, and the kinds ESO defines on installSharedWithEso', () => {
    for (const crd of buildCrds()) {
      const name = `crds/${crd.spec.group}_${crd.spec.names.plural}.yaml`;
      const text = templates.get(name);
      assert.ok(text, `${name} is missing from ${chartCrdDirectory}`);
      const shared = crdLayout(crd.spec.group, crd.spec.names.kind).sharedWithEso;
      const gate = shared
        ? '{{- if and .Values.crds.install .Values.crds.installSharedWithEso }}'
        : '{{- if .Values.crds.install }}';
      assert.ok(text.includes(gate), name);
      assert.ok(text.includes('helm.sh/resource-policy: keep'), name);
    }
  });
});
