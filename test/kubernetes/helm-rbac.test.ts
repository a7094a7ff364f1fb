import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildCrds, serverApiAccess, type ApiAccess } from '../../src/resources/crds/index.js';
import {
  helmUnavailable,
  renderChart,
  ruleGrants,
  type Manifest,
  type Rule,
} from '../support/helm.js';

interface Role extends Manifest {
  rules: Rule[];
}

interface Binding extends Manifest {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace: string }[];
}

const release = 'federation';
const namespace = 'secrets-hub';
const fullname = `${release}-federation-server`;

function accessGrants(access: readonly ApiAccess[]): string[] {
  return ruleGrants(access.map((item) => ({ ...item, apiGroups: [item.group] })));
}

function ofKind<T extends Manifest>(manifests: Manifest[], kind: string): T[] {
  return manifests.filter((manifest) => manifest.kind === kind) as T[];
}

function clusterRole(manifests: Manifest[]): Role {
  const roles = ofKind<Role>(manifests, 'ClusterRole');
  assert.equal(roles.length, 1);
  return roles[0] as Role;
}

const isSecrets = (access: ApiAccess) =>
  access.group === '' && access.resources.includes('secrets');

describe("the chart's RBAC, rendered", { skip: helmUnavailable }, () => {
  it('grants in a ClusterRole exactly the cluster-wide calls the server makes', async () => {
    const role = clusterRole(await renderChart({}, release, namespace));
    const wanted = serverApiAccess().filter((access) => access.scope === 'cluster');
    assert.deepEqual(ruleGrants(role.rules), accessGrants(wanted));
  });

  it('grants the release-scoped calls in the release namespace, if the server makes any', async () => {
    const manifests = await renderChart({}, release, namespace);
    const wanted = accessGrants(serverApiAccess().filter((access) => access.scope === 'release'));
    const roles = ofKind<Role>(manifests, 'Role');
    assert.deepEqual(ruleGrants(roles.flatMap((role) => role.rules)), wanted);
    for (const role of roles) assert.equal(role.metadata.namespace, namespace);
  });

  it('lets the server read every kind it has a CRD for', async () => {
    const granted = ruleGrants(clusterRole(await renderChart()).rules);
    for (const crd of buildCrds()) {
      // GeneratorStates are listed when a revocation needs them, never watched.
      const reads =
        crd.spec.names.kind === 'GeneratorState' ? ['get', 'list'] : ['get', 'list', 'watch'];
      for (const verb of reads) {
        assert.ok(granted.includes(`${crd.spec.group}/${crd.spec.names.plural} ${verb}`), verb);
      }
    }
  });

  it('writes only generator state and the two status subresources', async () => {
    const writes = clusterRole(await renderChart())
      .rules.filter((rule) => rule.verbs.some((verb) => !['get', 'list', 'watch'].includes(verb)))
      .flatMap((rule) => rule.resources);
    assert.deepEqual(writes.sort(), [
      'authorizations/status',
      'generatorstates',
      'kubernetesfederations/status',
      'kubernetesfederations/status',
    ]);
  });

  it('gets Secrets by name, never lists or watches them, and uses no wildcard', async () => {
    const rules = clusterRole(await renderChart()).rules;
    assert.deepEqual(
      ruleGrants(rules).filter((grant) => grant.startsWith('/secrets ')),
      ['/secrets get'],
    );
    for (const rule of rules) {
      assert.ok(![...rule.apiGroups, ...rule.resources, ...rule.verbs].includes('*'));
    }
  });

  it('grants no Lease and no status read: a claim is an update at a resourceVersion', async () => {
    const manifests = await renderChart();
    const rules = [...ofKind<Role>(manifests, 'ClusterRole'), ...ofKind<Role>(manifests, 'Role')];
    const granted = ruleGrants(rules.flatMap((role) => role.rules));
    assert.deepEqual(
      granted.filter((grant) => grant.startsWith('coordination.k8s.io/')),
      [],
    );
    assert.deepEqual(
      granted.filter((grant) => grant.includes('/status ')),
      [
        'federation.external-secrets.io/authorizations/status patch',
        'federation.external-secrets.io/kubernetesfederations/status patch',
        'identity.federation.external-secrets.io/kubernetesfederations/status patch',
      ],
    );
  });

  it('binds the ClusterRole to the ServiceAccount of the pods', async () => {
    const manifests = await renderChart({}, release, namespace);
    const [binding] = ofKind<Binding>(manifests, 'ClusterRoleBinding');
    assert.deepEqual(binding?.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: fullname,
    });
    assert.deepEqual(binding?.subjects, [{ kind: 'ServiceAccount', name: fullname, namespace }]);
  });

  it('with rbac.secretNamespaces, gets Secrets through one Role per namespace only', async () => {
    const secretNamespaces = ['team-a', 'team-b'];
    const manifests = await renderChart({ rbac: { secretNamespaces } }, release, namespace);
    const cluster = ruleGrants(clusterRole(manifests).rules);
    const others = serverApiAccess().filter((access) => access.scope === 'cluster');
    assert.deepEqual(cluster, accessGrants(others.filter((access) => !isSecrets(access))));
    const roles = ofKind<Role>(manifests, 'Role');
    const bindings = ofKind<Binding>(manifests, 'RoleBinding');
    assert.deepEqual(roles.map((role) => role.metadata.namespace).sort(), secretNamespaces);
    for (const role of roles) assert.deepEqual(ruleGrants(role.rules), ['/secrets get']);
    assert.deepEqual(
      bindings.map((binding) => binding.metadata.namespace).sort(),
      secretNamespaces,
    );
    for (const binding of bindings) {
      assert.equal(binding.roleRef.name, `${fullname}-secrets`);
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: fullname, namespace }]);
    }
  });

  it('renders no role and no binding with rbac.create false', async () => {
    const kinds = (await renderChart({ rbac: { create: false } })).map((manifest) => manifest.kind);
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']) {
      assert.ok(!kinds.includes(kind), kind);
    }
  });
});
