import { buildCrds } from './build-crds.js';

/** One permission the server needs from the API server in Kubernetes mode. */
export interface ApiAccess {
  /** API group; `''` is the core group. */
  group: string;
  /** Resource names, a subresource as `plural/status`. */
  resources: string[];
  verbs: string[];
  /** `cluster`: in every namespace or cluster-scoped; `release`: the server's own namespace. */
  scope: 'cluster' | 'release';
  /** Why the server makes these calls; printed above the rule in the chart. */
  why: string;
}

const readVerbs = ['get', 'list', 'watch'];
const stateKind = 'GeneratorState';
const statusKinds = new Set(['KubernetesFederation', 'Authorization']);

/**
 * Every call the server makes to the API server in Kubernetes mode, by group: the chart's
 * RBAC is generated from this list, and a test checks the chart grants nothing more.
 */
export function serverApiAccess(): ApiAccess[] {
  const crds = buildCrds();
  const groups = [...new Set(crds.map((crd) => crd.spec.group))];
  const access: ApiAccess[] = [];
  for (const group of groups) {
    const inGroup = crds.filter((crd) => crd.spec.group === group);
    const read = inGroup.filter((crd) => crd.spec.names.kind !== stateKind);
    if (read.length > 0) {
      access.push({
        group,
        resources: read.map((crd) => crd.spec.names.plural),
        verbs: readVerbs,
        scope: 'cluster',
        why: 'Every replica lists and watches these kinds to keep its own complete view.',
      });
    }
    const withStatus = inGroup.filter((crd) => statusKinds.has(crd.spec.names.kind));
    if (withStatus.length > 0) {
      access.push({
        group,
        resources: withStatus.map((crd) => `${crd.spec.names.plural}/status`),
        verbs: ['patch'],
        scope: 'cluster',
        why: 'Conditions for operators: keys fetched, references resolved.',
      });
    }
    const state = inGroup.find((crd) => crd.spec.names.kind === stateKind);
    if (state !== undefined) {
      access.push({
        group,
        resources: [state.spec.names.plural],
        verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
        scope: 'cluster',
        why:
          'Generator state: created on every generator call, claimed by an update at its ' +
          'resourceVersion before a revocation (so replicas never revoke one twice), deleted after.',
      });
    }
  }
  access.push({
    group: '',
    resources: ['secrets'],
    verbs: ['get'],
    scope: 'cluster',
    why: 'Store credentials named by a SecretKeySelector; read one by one, never listed.',
  });
  return access;
}
