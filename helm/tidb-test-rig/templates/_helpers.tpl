{{/*
Named templates of the tidb-test-rig chart.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "rig.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The prefix of every resource name: fullnameOverride, else the release name
when it already contains the chart name, else "<release>-<chart>". Short
enough that "<prefix>-coordinator-<revision>" stays a valid label value.
*/}}
{{- define "rig.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rig.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every resource. */}}
{{- define "rig.labels" -}}
helm.sh/chart: {{ include "rig.chart" . }}
app.kubernetes.io/name: {{ include "rig.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tidb-test-rig
{{- end -}}

{{/* Selector labels of the agent pods (the StatefulSet's and the Service's). */}}
{{- define "rig.agentSelectorLabels" -}}
app.kubernetes.io/name: {{ include "rig.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{/* Selector labels of the coordinator pods. */}}
{{- define "rig.coordinatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "rig.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: coordinator
{{- end -}}

{{/* Names of the resources. */}}
{{- define "rig.agentName" -}}
{{- printf "%s-agent" (include "rig.fullname" .) -}}
{{- end -}}

{{- define "rig.coordinatorName" -}}
{{- printf "%s-coordinator-%d" (include "rig.fullname" .) (int .Release.Revision) -}}
{{- end -}}

{{- define "rig.planConfigMapName" -}}
{{- if .Values.coordinator.existingPlanConfigMap -}}
{{- .Values.coordinator.existingPlanConfigMap -}}
{{- else -}}
{{- printf "%s-plan" (include "rig.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "rig.secretName" -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else -}}
{{- include "rig.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "rig.reportsClaimName" -}}
{{- if .Values.reports.persistence.existingClaim -}}
{{- .Values.reports.persistence.existingClaim -}}
{{- else -}}
{{- printf "%s-reports" (include "rig.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The image reference. */}}
{{- define "rig.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) -}}
{{- end -}}

{{/* DNS name of the headless agent Service, without and with the port. */}}
{{- define "rig.agentServiceHost" -}}
{{- printf "%s.%s.svc.%s" (include "rig.agentName" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{- define "rig.agentsDns" -}}
{{- printf "%s:%d" (include "rig.agentServiceHost" .) (int .Values.agents.port) -}}
{{- end -}}

{{/* The name the agents' certificates must carry (--tls-server-name). */}}
{{- define "rig.tlsServerName" -}}
{{- default (printf "%s.%s.svc" (include "rig.agentName" .) .Release.Namespace) .Values.tls.serverName -}}
{{- end -}}

{{/* The agents' terminationGracePeriodSeconds: longer than the shutdown grace. */}}
{{- define "rig.agentTerminationGrace" -}}
{{- $grace := int .Values.agents.shutdownGraceSeconds -}}
{{- if .Values.agents.terminationGracePeriodSeconds -}}
{{- $t := int .Values.agents.terminationGracePeriodSeconds -}}
{{- if le $t $grace -}}
{{- fail (printf "agents.terminationGracePeriodSeconds (%d) must be larger than agents.shutdownGraceSeconds (%d): the kubelet would kill the agent before its run reports" $t $grace) -}}
{{- end -}}
{{- $t -}}
{{- else -}}
{{- add $grace 15 -}}
{{- end -}}
{{- end -}}

{{/* Checks of values that would otherwise fail only inside the cluster. */}}
{{- define "rig.validate" -}}
{{- if lt (int .Values.agents.replicas) 1 -}}
{{- fail "agents.replicas must be at least 1" -}}
{{- end -}}
{{- if not (has .Values.agents.kind (list "StatefulSet" "Deployment")) -}}
{{- fail (printf "agents.kind must be StatefulSet or Deployment, not %q" (toString .Values.agents.kind)) -}}
{{- end -}}
{{- if not (has .Values.agents.antiAffinity (list "soft" "hard" "none")) -}}
{{- fail (printf "agents.antiAffinity must be soft, hard or none, not %q" (toString .Values.agents.antiAffinity)) -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) -}}
{{- fail "tls.enabled needs tls.secretName: a Secret with tls.crt, tls.key and ca.crt" -}}
{{- end -}}
{{- if and .Values.auth.enabled .Values.existingSecret -}}
{{- /* Found only by helm install/upgrade (helm template sees no cluster). */ -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace .Values.existingSecret -}}
{{- if and $existing (not (hasKey (default dict $existing.data) .Values.authTokenKey)) -}}
{{- fail (printf "existingSecret %s has no key %s: auth.enabled (the default) needs the agents' bearer token there (e.g. kubectl create secret generic %s --from-literal=%s=\"$(openssl rand -hex 24)\" ...), or set auth.enabled=false (unsafe: agents then accept any coordinator)" .Values.existingSecret .Values.authTokenKey .Values.existingSecret .Values.authTokenKey) -}}
{{- end -}}
{{- end -}}
{{- if not (or (kindIs "invalid" .Values.target.tls) (eq (toString .Values.target.tls) "") (kindIs "bool" .Values.target.tls)) -}}
{{- fail (printf "target.tls must be true, false or empty (= the plan's), not %q" (toString .Values.target.tls)) -}}
{{- end -}}
{{- if and .Values.coordinator.enabled (not .Values.coordinator.existingPlanConfigMap) (not .Values.coordinator.plan) -}}
{{- fail "coordinator.plan is empty: --set-file coordinator.plan=my-plan.yaml, or coordinator.existingPlanConfigMap" -}}
{{- end -}}
{{- end -}}

{{/* Volumes and mounts of the TLS and token Secrets; "agent" or "coordinator" as .role. */}}
{{- define "rig.securityVolumes" -}}
{{- $ctx := .ctx -}}
{{- if $ctx.Values.tls.enabled }}
{{- /* Only the keys each side needs: the coordinator never sees the agents' key. */}}
{{- $keys := list "tls.crt" "tls.key" -}}
{{- $secret := $ctx.Values.tls.secretName -}}
{{- if eq .role "coordinator" -}}
{{- if $ctx.Values.tls.requireClientCert -}}
{{- $keys = list "tls.crt" "tls.key" "ca.crt" -}}
{{- $secret = default $ctx.Values.tls.secretName $ctx.Values.tls.clientSecretName -}}
{{- else -}}
{{- $keys = list "ca.crt" -}}
{{- end -}}
{{- else if $ctx.Values.tls.requireClientCert -}}
{{- $keys = list "tls.crt" "tls.key" "ca.crt" -}}
{{- end }}
- name: tls
  secret:
    secretName: {{ $secret }}
    {{- /* false is Kubernetes' default; podman 4.3's kube play crashes
    without it (containers/podman#16636). */}}
    optional: false
    defaultMode: 0440
    items:
      {{- range $keys }}
      - key: {{ . }}
        path: {{ . }}
      {{- end }}
{{- end }}
{{- if $ctx.Values.auth.enabled }}
- name: auth
  secret:
    secretName: {{ include "rig.secretName" $ctx }}
    optional: false
    defaultMode: 0440
    {{- /* The file is named after its key, as podman 4.3's kube play
    names it (it ignores items); the same in Kubernetes. */}}
    items:
      - key: {{ $ctx.Values.authTokenKey }}
        path: {{ $ctx.Values.authTokenKey }}
{{- end }}
{{- end -}}

{{- define "rig.securityMounts" -}}
{{- if .Values.tls.enabled }}
- name: tls
  mountPath: /etc/rig/tls
  readOnly: true
{{- end }}
{{- if .Values.auth.enabled }}
- name: auth
  mountPath: /etc/rig/auth
  readOnly: true
{{- end }}
{{- end -}}

{{/*
The Secret's bearer token, base64: auth.token if given; else the token the
release's Secret already holds (helm install/upgrade look it up, so an
upgrade keeps it); else a new random one. Renderers without a cluster
(helm template, Argo CD) make a new one on every render: give auth.token or
existingSecret there.
*/}}
{{- define "rig.authTokenData" -}}
{{- if .Values.auth.token -}}
{{- .Values.auth.token | toString | b64enc -}}
{{- else -}}
{{- $old := lookup "v1" "Secret" .Release.Namespace (include "rig.secretName" .) -}}
{{- $kept := dig "data" .Values.authTokenKey "" (default dict $old) -}}
{{- if $kept -}}
{{- $kept -}}
{{- else -}}
{{- randAlphaNum 48 | b64enc -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
What the coordinator's database connection will be, as far as the chart can
tell, as JSON: {"host", "hostKnown", "tls", "tlsKnown"}. The plan's target
(coordinator.plan; the rig's defaults 127.0.0.1 and no TLS when it has
none), then the target values, then coordinator.set: the order of the
Job's --set arguments, of which the last wins. A plan in
existingPlanConfigMap is not read: what only it says is unknown.
*/}}
{{- define "rig.targetConnection" -}}
{{- $host := "127.0.0.1" -}}
{{- $tls := false -}}
{{- $known := not .Values.coordinator.existingPlanConfigMap -}}
{{- $hostKnown := $known -}}
{{- $tlsKnown := $known -}}
{{- $truthy := list "true" "yes" "on" "y" -}}
{{- /* tls_mode values that require TLS (preferred may fall back to plaintext) */ -}}
{{- $secure := list "required" "verify-ca" "verify-identity" "verify_ca" "verify_identity" -}}
{{- if $known -}}
{{- $plan := fromYaml (toString .Values.coordinator.plan) -}}
{{- $target := get $plan "target" -}}
{{- if kindIs "map" $target -}}
{{- with get $target "host" -}}
{{- $host = toString . -}}
{{- end -}}
{{- if hasKey $target "tls" -}}
{{- $tls = has (lower (toString (get $target "tls"))) $truthy -}}
{{- end -}}
{{- if hasKey $target "tls_mode" -}}
{{- $tls = or $tls (has (lower (toString (get $target "tls_mode"))) $secure) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with .Values.target.host -}}
{{- $host = toString . -}}
{{- $hostKnown = true -}}
{{- end -}}
{{- if kindIs "bool" .Values.target.tls -}}
{{- $tls = .Values.target.tls -}}
{{- $tlsKnown = true -}}
{{- end -}}
{{- range .Values.coordinator.set -}}
{{- $s := toString . -}}
{{- if hasPrefix "target.host=" $s -}}
{{- $host = trimPrefix "target.host=" $s | trimAll "\"'" -}}
{{- $hostKnown = true -}}
{{- else if hasPrefix "target.tls=" $s -}}
{{- $tls = has (lower (trimPrefix "target.tls=" $s | trimAll "\"'")) $truthy -}}
{{- $tlsKnown = true -}}
{{- else if hasPrefix "target.tls_mode=" $s -}}
{{- $tls = has (lower (trimPrefix "target.tls_mode=" $s | trimAll "\"'")) $secure -}}
{{- $tlsKnown = true -}}
{{- end -}}
{{- end -}}
{{- dict "host" $host "hostKnown" $hostKnown "tls" $tls "tlsKnown" $tlsKnown | toJson -}}
{{- end -}}

{{/*
"true" when the agents get a NetworkPolicy: networkPolicy.enabled, true when
missing (`helm upgrade --reuse-values` from chart 0.1.0 reuses values that
predate the key).
*/}}
{{- define "rig.networkPolicyEnabled" -}}
{{- $np := .Values.networkPolicy | default dict -}}
{{- if or (not (hasKey $np "enabled")) $np.enabled -}}
true
{{- end -}}
{{- end -}}

{{/* "true" if a database host is this pod itself (the agent's loopback). */}}
{{- define "rig.isLoopback" -}}
{{- $h := lower (trimAll "[]" (toString .)) -}}
{{- if or (hasPrefix "127." $h) (has $h (list "localhost" "localhost." "::1")) -}}
true
{{- end -}}
{{- end -}}
