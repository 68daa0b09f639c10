{{- define "safe-deploy.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "safe-deploy.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "safe-deploy.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "safe-deploy.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "safe-deploy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "safe-deploy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "safe-deploy.labels" -}}
{{ include "safe-deploy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels of one component (web, worker, all): call with (dict "root" $ "component" "web"). */}}
{{- define "safe-deploy.componentSelector" -}}
{{ include "safe-deploy.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "safe-deploy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "safe-deploy.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "safe-deploy.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- with .Values.image.digest }}@{{ . }}{{ end -}}
{{- end -}}

{{/* Durable mode: a Redis, bundled or external. Empty when off. */}}
{{- define "safe-deploy.durable" -}}
{{- if and .Values.redis.enabled (or .Values.externalRedis.url .Values.externalRedis.existingSecret) -}}
{{- fail "redis.enabled and externalRedis are both set: turn the bundled Redis off (redis.enabled=false) to use your own" -}}
{{- end -}}
{{- if or .Values.redis.enabled .Values.externalRedis.url .Values.externalRedis.existingSecret }}true{{ end -}}
{{- end -}}

{{/* The bundled Redis: the names charts/redis gives its Service and Secret. */}}
{{- define "safe-deploy.redisHost" -}}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Live mode is on when some cluster may be asked: egress to API servers. */}}
{{- define "safe-deploy.live" -}}
{{- if or .Values.live.inCluster.enabled .Values.live.kubeconfigSecret }}true{{ end -}}
{{- end -}}
