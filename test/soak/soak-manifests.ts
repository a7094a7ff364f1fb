import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { federationManifest } from '../support/hub.js';

/** A service account of a client cluster that the soak configuration grants access to. */
export interface SoakAccount {
  federation: 'cluster-a' | 'cluster-b';
  namespace: string;
  serviceAccount: string;
}

/**
 * The service accounts of the run: several per cluster, so that everything kept per
 * identity (rate-limit buckets, verifications, generator states) holds several entries.
 */
export const soakAccounts: readonly SoakAccount[] = [
  ...['team-0', 'team-1', 'team-2'].flatMap((namespace) =>
    ['api', 'worker'].map((serviceAccount) => ({
      federation: 'cluster-a' as const,
      namespace,
      serviceAccount,
    })),
  ),
  ...['team-0', 'team-1'].map((namespace) => ({
    federation: 'cluster-b' as const,
    namespace,
    serviceAccount: 'batch',
  })),
];

export const grantedStore = 'soak-store';
export const ungrantedStore = 'closed-store';
export const generatorPath = '/generators/gen/Password/soak-password';

/** `plain` and the `password` property of `json` are what a granted read gets back. */
export const storedValues = { plain: 'soak-value', password: 'soak-json-password' } as const;

function authorization(account: SoakAccount, issuer: string): string {
  const name = `${account.federation}-${account.namespace}-${account.serviceAccount}`;
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: ${name}
spec:
  federationRef: { kind: KubernetesFederation, name: ${account.federation} }
  subject:
    issuer: ${issuer}
    subject: system:serviceaccount:${account.namespace}:${account.serviceAccount}
  allowedClusterSecretStores: [${grantedStore}]
  allowedGenerators:
    - { name: soak-password, kind: Password, namespace: gen }
  allowedGeneratorStates:
    - namespace: gen
`;
}

/**
 * The configuration of the soak hub: cluster A trusted through the `ca.crt` callers send,
 * cluster B pinned with `caBundle`, one granted and one closed `fake` store, and a
 * `Password` generator.
 */
export function soakManifests(a: ClientCluster, b: ClientCluster): Record<string, string> {
  const issuers = { 'cluster-a': a.issuer, 'cluster-b': b.issuer };
  const json = JSON.stringify({ username: 'soak', password: storedValues.password });
  return {
    'federations.yaml': `${federationManifest('cluster-a', a)}---\n${federationManifest(
      'cluster-b',
      b,
      { pinned: true },
    )}`,
    'authorizations.yaml': soakAccounts
      .map((account) => authorization(account, issuers[account.federation]))
      .join('---\n'),
    'stores.yaml': `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: ${grantedStore}
spec:
  provider:
    fake:
      data:
        - { key: plain, value: ${storedValues.plain} }
        - { key: json, value: '${json}' }
---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: ${ungrantedStore}
spec:
  provider:
    fake:
      data:
        - { key: plain, value: never-served }
`,
    'generators.yaml': `apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: { name: soak-password, namespace: gen }
spec: { length: 24, digits: 4, symbols: 2 }
`,
  };
}
