import { join } from 'node:path';

import { serverApiAccess, type ApiAccess } from './api-access.js';

/** The chart's RBAC template, generated from `serverApiAccess()`. */
export const chartRbacPath = join('deploy', 'helm', 'federation-server', 'templates', 'rbac.yaml');

const fullname = '{{ include "federation-server.fullname" . }}';
const labels = '    {{- include "federation-server.labels" . | nindent 4 }}';
const isSecrets = (access: ApiAccess) => access.group === '' && access.resources[0] === 'secrets';

function list(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
}

function rule(access: ApiAccess, indent = '  '): string {
  return [
    `${indent}# ${access.why}`,
    `${indent}- apiGroups: ${list([access.group])}`,
    `${indent}  resources: ${list(access.resources)}`,
    `${indent}  verbs: ${list(access.verbs)}`,
  ].join('\n');
}

function metadata(name: string, namespace?: string): string {
  const lines = ['metadata:', `  name: ${name}`];
  if (namespace !== undefined) lines.push(`  namespace: ${namespace}`);
  lines.push('  labels:', labels);
  return lines.join('\n');
}

function binding(roleKind: 'ClusterRole' | 'Role', name: string, namespace?: string) {
  const kind = roleKind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding';
  return [
    'apiVersion: rbac.authorization.k8s.io/v1',
    `kind: ${kind}`,
    metadata(name, namespace),
    'roleRef:',
    '  apiGroup: rbac.authorization.k8s.io',
    `  kind: ${roleKind}`,
    `  name: ${name}`,
    'subjects:',
    '  - kind: ServiceAccount',
    '    name: {{ include "federation-server.serviceAccountName" . }}',
    '    namespace: {{ .Release.Namespace }}',
  ].join('\n');
}

// With rbac.secretNamespaces set, Secrets are readable in those namespaces only, through
// one Role each, instead of in every namespace.
function secretRoles(secrets: ApiAccess): string {
  const name = `${fullname}-secrets`;
  return [
    '{{- range $namespace := .Values.rbac.secretNamespaces }}',
    '{{- with $ }}',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    metadata(name, '{{ $namespace }}'),
    'rules:',
    rule(secrets),
    '---',
    binding('Role', name, '{{ $namespace }}'),
    '{{- end }}',
    '{{- end }}',
  ].join('\n');
}

/** The text of `templates/rbac.yaml`. */
export function chartRbacTemplate(header: string): string {
  const access = serverApiAccess();
  const cluster = access.filter((item) => item.scope === 'cluster' && !isSecrets(item));
  const secrets = access.find(isSecrets);
  const release = access.filter((item) => item.scope === 'release');
  if (secrets === undefined) throw new Error('the server reads Secrets; no rule says so');
  return [
    header.trimEnd(),
    '{{- if .Values.rbac.create }}',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    metadata(fullname),
    'rules:',
    ...cluster.map((item) => rule(item)),
    '{{- if not .Values.rbac.secretNamespaces }}',
    rule(secrets),
    '{{- end }}',
    '---',
    binding('ClusterRole', fullname),
    ...(release.length === 0
      ? []
      : [
          '---',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: Role',
          metadata(fullname, '{{ .Release.Namespace }}'),
          'rules:',
          ...release.map((item) => rule(item)),
          '---',
          binding('Role', fullname, '{{ .Release.Namespace }}'),
        ]),
    secretRoles(secrets),
    '{{- end }}',
    '',
  ].join('\n');
}
