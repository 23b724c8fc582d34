{{/*
Helpers of the fedgate chart. The chart keeps to the Go-template subset that
scripts/render-chart.py implements (see its header), so that CI can render it without helm.
*/}}

{{/* Name of every object: fullnameOverride, else the release name. */}}
{{- define "fedgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{ .Values.fullnameOverride }}
{{- else -}}
{{ .Release.Name }}
{{- end -}}
{{- end }}

{{/* Labels that select the pods; never change them on upgrade (Deployment selectors are immutable). */}}
{{- define "fedgate.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "fedgate.labels" -}}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{ include "fedgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The pods' ServiceAccount. */}}
{{- define "fedgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.name -}}
{{ .Values.serviceAccount.name }}
{{- else -}}
{{- if .Values.serviceAccount.create -}}
{{ include "fedgate.fullname" . }}
{{- else -}}
default
{{- end -}}
{{- end -}}
{{- end }}

{{/* The Secret holding the files under /run/secrets/fedgate. */}}
{{- define "fedgate.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{ .Values.secrets.existingSecret }}
{{- else -}}
{{ include "fedgate.fullname" . }}
{{- end -}}
{{- end }}
