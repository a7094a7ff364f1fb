{{/* The chart name, or nameOverride. */}}
{{- define "federation-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-<name>, cut to 63 characters: the name of every namespaced object. */}}
{{- define "federation-server.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that select the pods; they never change after the first install. */}}
{{- define "federation-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "federation-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "federation-server.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 }}
{{ include "federation-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: federation-server
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "federation-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "federation-server.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* http or https: how the probes and the Service reach the API. */}}
{{- define "federation-server.scheme" -}}
{{- if .Values.tls.enabled }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/*
The kubernetes.io/tls Secret the pods mount: tls.secretName, or <fullname>-tls. A pod waits
in ContainerCreating until that Secret exists, so a missing certificate never turns into
plain HTTP.
*/}}
{{- define "federation-server.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "federation-server.fullname" .)) .Values.tls.secretName }}
{{- end }}

{{/* The arguments of `federation-server serve`; refuses settings that cannot work. */}}
{{- define "federation-server.args" -}}
{{- if and (not .Values.tls.enabled) (not .Values.tls.insecureHttpBehindProxy) }}
{{- fail "tls.enabled is false: set tls.insecureHttpBehindProxy to serve plain HTTP behind a TLS-terminating proxy" }}
{{- end }}
{{- if and .Values.tls.enabled .Values.tls.insecureHttpBehindProxy }}
{{- fail "tls.insecureHttpBehindProxy is set: it needs tls.enabled false" }}
{{- end }}
{{- if and (not .Values.tls.enabled) .Values.tls.clientCaKey }}
{{- fail "tls.clientCaKey is set: client certificates need tls.enabled" }}
{{- end -}}
- serve
- --listen
- {{ printf "0.0.0.0:%d" (int .Values.containerPort) | quote }}
{{- if .Values.tls.enabled }}
- --tls-cert
- /etc/federation-server/tls/tls.crt
- --tls-key
- /etc/federation-server/tls/tls.key
{{- if .Values.tls.clientCaKey }}
- --tls-client-ca
- {{ printf "/etc/federation-server/tls/%s" .Values.tls.clientCaKey | quote }}
{{- end }}
{{- else }}
- --insecure-http
{{- end }}
- --data-dir
- /var/lib/federation-server
- --audit-log
- {{ .Values.auditLog | quote }}
- --log-level
- {{ .Values.logLevel | quote }}
{{- if .Values.metrics.enabled }}
- --metrics-listen
- {{ printf "0.0.0.0:%d" (int .Values.metrics.port) | quote }}
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}
