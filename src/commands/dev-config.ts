/** What the `dev` command's example configuration needs from its demo client cluster. */
export interface DevClusterFacts {
  url: string;
  caPem: string;
  issuer: string;
}

/** The demo workload's identity in the demo client cluster. */
export const devWorkload = {
  namespace: 'demo',
  serviceAccount: 'demo-app',
  pod: 'demo-app-7d9f8',
} as const;

export const devStore = 'demo-store';
export const devGeneratorNamespace = 'demo-generators';
export const devGenerator = 'demo-password';

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

/**
 * The built-in example configuration: one client cluster with a pinned CA, one grant,
 * a fake store with two secrets and a Password generator. Written as plain manifests so
 * a newcomer can edit them and watch the server reload.
 */
export function devManifests(cluster: DevClusterFacts): string {
  const subject = `system:serviceaccount:${devWorkload.namespace}:${devWorkload.serviceAccount}`;
  return `# Written by \`federation-server dev\`; edit freely: the server reloads within a second.
apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: demo-cluster
spec:
  url: ${cluster.url}
  caBundle: |
${indent(cluster.caPem, 4)}
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: demo-app
spec:
  federationRef:
    kind: KubernetesFederation
    name: demo-cluster
  subject:
    issuer: ${cluster.issuer}
    subject: ${subject}
  allowedClusterSecretStores:
    - ${devStore}
  allowedGenerators:
    - name: ${devGenerator}
      kind: Password
      namespace: ${devGeneratorNamespace}
  allowedGeneratorStates:
    - namespace: ${devGeneratorNamespace}
---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: ${devStore}
spec:
  provider:
    fake:
      data:
        - key: hello
          value: world
        - key: db-credentials
          value: '{"username":"app","password":"s3cr3t-demo"}'
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata:
  name: ${devGenerator}
  namespace: ${devGeneratorNamespace}
spec:
  length: 32
  digits: 6
  symbols: 4
`;
}
