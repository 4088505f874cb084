{{/* Names and labels. */}}
{{- define "invalidator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "invalidator.fullname" -}}
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

{{- define "invalidator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "invalidator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "invalidator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "invalidator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "invalidator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "invalidator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "invalidator.rulesConfigMap" -}}
{{- default (printf "%s-rules" (include "invalidator.fullname" .)) .Values.rules.existingConfigMap }}
{{- end }}

{{/*
Credentials: refused in `config` and as plain `extraEnv` values, so a secret never sits in values
(or in a ConfigMap) in clear. URL variables are refused only when they carry a password.
*/}}
{{- define "invalidator.secretVariables" -}}
INVALIDATOR_REDIS_PASSWORD INVALIDATOR_KAFKA_SASL_PASSWORD INVALIDATOR_ADMIN_TOKEN
{{- end }}
{{- define "invalidator.urlVariables" -}}
INVALIDATOR_REDIS_URL INVALIDATOR_DATABASE_URL
{{- end }}

{{/* Whether variable `name` with `value` would put a credential in clear: "true" or "". */}}
{{- define "invalidator.isCredential" -}}
{{- $secret := splitList " " (include "invalidator.secretVariables" .root) }}
{{- $url := splitList " " (include "invalidator.urlVariables" .root) }}
{{- if has .name $secret }}true
{{- else if and (has .name $url) (regexMatch "://[^/@]*:[^/@]+@" (toString .value)) }}true
{{- end }}
{{- end }}

{{/* Variables the chart sets from its own values. */}}
{{- define "invalidator.ownedVariables" -}}
INVALIDATOR_HTTP_HOST INVALIDATOR_HTTP_PORT INVALIDATOR_RULES_PATH INVALIDATOR_SHUTDOWN_GRACE_MS
{{- end }}

{{/* Fails on a configuration the chart refuses, with what to do instead. */}}
{{- define "invalidator.validate" -}}
{{- $owned := splitList " " (include "invalidator.ownedVariables" .) }}
{{- range $name, $value := .Values.config }}
{{- if not (hasPrefix "INVALIDATOR_" $name) }}
{{- fail (printf "config.%s: expected an INVALIDATOR_* variable name" $name) }}
{{- end }}
{{- if include "invalidator.isCredential" (dict "root" $ "name" $name "value" $value) }}
{{- fail (printf "config.%s holds a credential: put it in an existing Secret and reference it as secretFiles.%s: {secretName, key}" $name $name) }}
{{- end }}
{{- if has $name $owned }}
{{- fail (printf "config.%s is set by the chart; use http.port, rules.mountPath or shutdownGraceMs" $name) }}
{{- end }}
{{- if hasSuffix "_FILE" $name }}
{{- fail (printf "config.%s: use secretFiles.%s to mount a Secret as a file" $name (trimSuffix "_FILE" $name)) }}
{{- end }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if and (hasKey . "value") (include "invalidator.isCredential" (dict "root" $ "name" .name "value" .value)) }}
{{- fail (printf "extraEnv %s has a plain value: reference an existing Secret in secretFiles.%s instead" .name .name) }}
{{- end }}
{{- end }}
{{- range $name, $ref := .Values.secretFiles }}
{{- if not (hasPrefix "INVALIDATOR_" $name) }}
{{- fail (printf "secretFiles.%s: expected an INVALIDATOR_* variable name" $name) }}
{{- end }}
{{- if or (not (kindIs "map" $ref)) (not $ref.secretName) (not $ref.key) }}
{{- fail (printf "secretFiles.%s: expected {secretName: <existing Secret>, key: <key in it>}" $name) }}
{{- end }}
{{- if hasKey $.Values.config $name }}
{{- fail (printf "secretFiles.%s and config.%s are both set: keep one" $name $name) }}
{{- end }}
{{- end }}
{{- if le (mul (int .Values.terminationGracePeriodSeconds) 1000) (int .Values.shutdownGraceMs) }}
{{- fail (printf "terminationGracePeriodSeconds (%v s) must exceed shutdownGraceMs (%v ms), or Kubernetes kills the pod before it commits" .Values.terminationGracePeriodSeconds .Values.shutdownGraceMs) }}
{{- end }}
{{- if and (not .Values.rules.existingConfigMap) (empty .Values.rules.files) }}
{{- fail "rules: set rules.files (a list of {name, content}) or rules.existingConfigMap" }}
{{- end }}
{{- range $i, $file := .Values.rules.files }}
{{- if or (not (kindIs "map" $file)) (not $file.name) (not $file.content) }}
{{- fail (printf "rules.files[%d]: expected {name: <file>.yaml, content: <rules YAML>}" $i) }}
{{- end }}
{{- if not (regexMatch "^[A-Za-z0-9._-]+\\.ya?ml$" $file.name) }}
{{- fail (printf "rules.files[%d].name=%s: expected a file name ending in .yaml or .yml" $i $file.name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The distinct Secrets named in secretFiles, sorted, as a JSON array. */}}
{{- define "invalidator.secretNames" -}}
{{- $names := list }}
{{- range $name, $ref := .Values.secretFiles }}
{{- $names = append $names $ref.secretName }}
{{- end }}
{{- $names | uniq | sortAlpha | toJson }}
{{- end }}
