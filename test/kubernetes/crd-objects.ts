/**
 * Objects the CRD tests send to the API server: the seed's examples and one of every other
 * kind, each as a user would write it.
 */

/** The seed's KubernetesFederation, in `apiVersion`'s group. */
export function seedFederation(apiVersion: string, name = 'my-client-cluster') {
  return {
    apiVersion,
    kind: 'KubernetesFederation',
    metadata: { name },
    spec: { url: 'https://api.my-client-cluster.example.com' },
  };
}

const seedAuthorizationSpec = {
  federationRef: { kind: 'KubernetesFederation', name: 'my-client-cluster' },
  subject: {
    issuer: 'https://oidc.my-client-cluster.example.com',
    subject: 'system:serviceaccount:app-ns:app-x-sa',
  },
  allowedClusterSecretStores: ['central-vault-store'],
  allowedGenerators: [
    {
      name: 'app-x-dynamic-db-creds',
      kind: 'VaultDynamicSecret',
      namespace: 'federation-generators',
    },
  ],
};

/** The seed's Authorization exactly as printed, with its `_spec` typo. */
export const seedAuthorizationWithTypo = {
  apiVersion: 'federation.external-secrets.io/v1alpha1',
  kind: 'Authorization',
  metadata: { name: 'allow-app-x-access-vault' },
  _spec: seedAuthorizationSpec,
};

/** The seed's Authorization with `spec` spelt right. */
export const seedAuthorization = {
  apiVersion: 'federation.external-secrets.io/v1alpha1',
  kind: 'Authorization',
  metadata: { name: 'allow-app-x-access-vault' },
  spec: seedAuthorizationSpec,
};

export const passwordGenerator = {
  apiVersion: 'generators.external-secrets.io/v1alpha1',
  kind: 'Password',
  metadata: { name: 'db-password', namespace: 'federation-generators' },
  spec: { length: 32, digits: 5, symbols: 5, noUpper: false, allowRepeat: true },
};

export const fakeStore = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  metadata: { name: 'central-vault-store' },
  spec: {
    provider: {
      fake: {
        data: [
          { key: 'db/password', value: 'not-a-real-secret' },
          { key: 'db/password', value: 'older', version: 'v1' },
        ],
      },
    },
  },
};

export const clusterGenerator = {
  apiVersion: 'generators.external-secrets.io/v1alpha1',
  kind: 'ClusterGenerator',
  metadata: { name: 'shared-password' },
  spec: { kind: 'Password', generator: { passwordSpec: { length: 20, noUpper: true } } },
};

export const generatorState = {
  apiVersion: 'generators.external-secrets.io/v1alpha1',
  kind: 'GeneratorState',
  metadata: {
    name: 'db-password-0001',
    namespace: 'federation-generators',
    labels: {
      'federation.externalsecrets.com/owner': 'app-x-7d9f',
      'federation.externalsecrets.com/generator': 'db-password',
      'federation.externalsecrets.com/generator-kind': 'Password',
    },
  },
  spec: {
    garbageCollectionDeadline: '2030-01-01T00:00:00Z',
    resource: passwordGenerator,
    state: { leaseId: 'stand-in-lease', nested: [1, 'two', { three: true }] },
  },
};

/** One object of each remaining generator kind of the registry. */
export const otherGenerators = [
  { kind: 'UUID', spec: {} },
  { kind: 'Fake', spec: { data: { username: 'app', password: 'static' } } },
  { kind: 'SSHKey', spec: { keyType: 'ed25519', comment: 'deploy key' } },
].map(({ kind, spec }) => ({
  apiVersion: 'generators.external-secrets.io/v1alpha1',
  kind,
  metadata: { name: `example-${kind.toLowerCase()}`, namespace: 'federation-generators' },
  spec,
}));
