import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { parseAllDocuments } from 'yaml';

import { buildCrds, chartRbacPath, serverApiAccess } from '../../src/resources/crds/index.js';
import { repoPath } from '../support/repo.js';
import { staticYaml } from './helm-template-text.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

interface RbacObject {
  kind: string;
  metadata: { namespace?: string };
  rules?: Rule[];
}

// The template read as text, its actions stood in for (Helm cannot run here). The Roles
// inside the rbac.secretNamespaces loop are left out: they repeat the Secret rule.
const text = readFileSync(repoPath(chartRbacPath), 'utf8');
const outsideLoop = text.slice(0, text.indexOf('{{- range'));
const objects = parseAllDocuments(staticYaml(outsideLoop)).map(
  (document) => document.toJSON() as RbacObject,
);
const clusterRules = objects.find((object) => object.kind === 'ClusterRole')?.rules ?? [];
const releaseRules = objects.find((object) => object.kind === 'Role')?.rules ?? [];

/** Verbs the rules grant on `group`/`resource`. */
function granted(rules: readonly Rule[], group: string, resource: string): Set<string> {
  const verbs = rules
    .filter((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource))
    .flatMap((rule) => rule.verbs);
  return new Set(verbs);
}

describe("the chart's RBAC", () => {
  it('lets the server read every kind it has a CRD for', () => {
    for (const crd of buildCrds()) {
      const verbs = granted(clusterRules, crd.spec.group, crd.spec.names.plural);
      // GeneratorStates are listed when a revocation or a sweep needs them, never watched.
      const reads =
        crd.spec.names.kind === 'GeneratorState' ? ['get', 'list'] : ['get', 'list', 'watch'];
      for (const verb of reads) {
        assert.ok(verbs.has(verb), `${verb} ${crd.metadata.name}`);
      }
    }
  });

  it('grants exactly the calls the server makes, and nothing else', () => {
    const wanted = new Map<string, Set<string>>();
    for (const access of serverApiAccess()) {
      for (const resource of access.resources) {
        wanted.set(`${access.scope} ${access.group}/${resource}`, new Set(access.verbs));
      }
    }
    const given = new Map<string, Set<string>>();
    for (const [scope, rules] of [
      ['cluster', clusterRules],
      ['release', releaseRules],
    ] as const) {
      for (const rule of rules) {
        for (const group of rule.apiGroups) {
          for (const resource of rule.resources) {
            given.set(`${scope} ${group}/${resource}`, granted(rules, group, resource));
          }
        }
      }
    }
    assert.deepEqual(given, wanted);
  });

  it('grants writes only on generator state and on the two status subresources', () => {
    const writes = clusterRules
      .filter((rule) => rule.verbs.some((verb) => !['get', 'list', 'watch'].includes(verb)))
      .flatMap((rule) => rule.resources);
    assert.deepEqual(writes.sort(), [
      'authorizations/status',
      'generatorstates',
      'kubernetesfederations/status',
      'kubernetesfederations/status',
    ]);
  });

  it('reads Secrets one by one, never lists or watches them, and uses no wildcard', () => {
    assert.deepEqual([...granted(clusterRules, '', 'secrets')], ['get']);
    for (const rule of [...clusterRules, ...releaseRules]) {
      assert.ok(![...rule.apiGroups, ...rule.resources, ...rule.verbs].includes('*'));
    }
  });

  it('grants no Lease and no status read: claims are updates at a resourceVersion', () => {
    assert.equal(
      granted([...clusterRules, ...releaseRules], 'coordination.k8s.io', 'leases').size,
      0,
    );
    assert.deepEqual(
      [...granted(clusterRules, 'federation.external-secrets.io', 'authorizations/status')],
      ['patch'],
    );
  });

  it('moves the Secret rule into per-namespace Roles when rbac.secretNamespaces is set', () => {
    assert.match(text, /\{\{- if not \.Values\.rbac\.secretNamespaces \}\}\n {2}# Store/);
    const loop = text.slice(text.indexOf('{{- range $namespace := .Values.rbac.secretNamespaces'));
    assert.match(loop, /kind: Role\n[^]*resources: \["secrets"\]\n\s+verbs: \["get"\]/);
    assert.match(loop, /namespace: \{\{ \$namespace \}\}/);
  });
});
