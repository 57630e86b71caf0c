#!/usr/bin/env bash
# The Helm chart's test, without helm, Kubernetes or Docker (none can run on
# the project's machines):
#
#   tests/helm/render_test.sh RIG_AGENT RIG_COORDINATOR
#
# 1. Builds tests/helm/render.go (Go text/template + sprig, what helm uses,
#    from Debian's packages) and renders helm/tidb-test-rig with the default
#    values, ci/values-8-agents-tls-pvc.yaml, existing Secret/ConfigMap/claim
#    values, agents-only values, unsafe (auth and NetworkPolicy off) values,
#    and an upgrade with --reuse-values from a release of chart 0.1.0 (whose
#    values lack the keys added since); every rendered document must parse
#    as YAML.
# 2. Checks the manifests (check_rendered.py): kinds and names, the headless
#    Service selecting the StatefulSet's pods, port 7070, gRPC probes,
#    replicas, the Job's --agents-dns, TLS and token flags and mounts present
#    exactly when enabled (the token by default), the NetworkPolicy selecting
#    the agent pods and admitting the coordinator pods, NOTES.txt's security
#    warnings, and every --flag passed to rig-agent /
#    rig-coordinator listed by that binary's --help; the rendered plan passes
#    `rig-coordinator plan validate`; the Job's shell script runs under
#    /bin/sh with a stub rig-coordinator.
#    With metrics.enabled: the metrics ports, scrape annotations and flags,
#    the metrics Services, the ServiceMonitor, the dashboard ConfigMap (its
#    JSON that of dashboards/tidb-test-rig.json) and the NetworkPolicy's
#    metrics rule; the dashboard queries only metrics that
#    `rig-coordinator metrics reference` lists.
# 3. Values that must be refused (TLS without a Secret, a termination grace
#    not longer than the shutdown grace, ...) fail to render with a message.
#    The generated token: random per render without a cluster, kept from the
#    release's Secret when lookup finds it (render -cluster), auth.token wins.
#    The plaintext-password warning for each way a plan can set host and TLS.
# 4. values.yaml documents every key, the templates use every key and only
#    existing ones, the chart's README names every key.
# 5. yamllint (helm/tidb-test-rig/.yamllint) on values.yaml, Chart.yaml,
#    ci/*.yaml and every rendered manifest.
#
# Exit: 0 passed, 1 failed, 77 skipped (a tool is missing; says which).
# Needs the Debian packages golang-go golang-github-masterminds-sprig-dev
# golang-gopkg-yaml.v3-dev yamllint python3-yaml.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
chart="$root/helm/tidb-test-rig"
gopath=/usr/share/gocode

if [ $# -ne 2 ]; then
  echo "usage: $0 RIG_AGENT RIG_COORDINATOR" >&2
  exit 1
fi
agent_bin="$1"
coordinator_bin="$2"

skip() {
  echo "SKIP: $* (install with scripts/install-deps)"
  exit 77
}
command -v go >/dev/null 2>&1 || skip "go not found: Debian package golang-go"
[ -d "$gopath/src/github.com/Masterminds/sprig" ] ||
  skip "$gopath/src/github.com/Masterminds/sprig missing: Debian package golang-github-masterminds-sprig-dev"
[ -d "$gopath/src/gopkg.in/yaml.v3" ] ||
  skip "$gopath/src/gopkg.in/yaml.v3 missing: Debian package golang-gopkg-yaml.v3-dev"
command -v yamllint >/dev/null 2>&1 || skip "yamllint not found: Debian package yamllint"
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import yaml' >/dev/null 2>&1; then
    py="$p"
    break
  fi
done
[ -n "$py" ] || skip "no python3 with the yaml module: Debian package python3-yaml"
for b in "$agent_bin" "$coordinator_bin"; do
  if [ ! -x "$b" ]; then
    echo "FAIL: $b is not an executable (build rig-agent and rig-coordinator first)"
    exit 1
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/helm-render.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
  echo "FAIL: $*"
  failed=1
}

# --- build the renderer once (GOPATH mode against Debian's Go sources)
if ! HOME="${HOME:-$work}" GO111MODULE=off GOPATH="$gopath" GOCACHE="${GOCACHE:-$work/gocache}" GOFLAGS="" \
  go build -o "$work/render" "$here/render.go" >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "FAIL: cannot build tests/helm/render.go"
  exit 1
fi

"$agent_bin" --help >"$work/agent.help" 2>&1 || fail "rig-agent --help exited non-zero"
"$coordinator_bin" --help >"$work/coordinator.help" 2>&1 || fail "rig-coordinator --help exited non-zero"

# --- values for the cases besides values.yaml and ci/
cat >"$work/values-existing.yaml" <<'EOF'
fullnameOverride: loadtest
agents:
  replicas: 3
  antiAffinity: none
coordinator:
  existingPlanConfigMap: my-plan
existingSecret: my-secret
auth:
  enabled: true
tls:
  enabled: true
  secretName: agent-certs
reports:
  persistence:
    enabled: true
    existingClaim: my-claim
EOF
cat >"$work/values-agents-only.yaml" <<'EOF'
agents:
  replicas: 4
coordinator:
  enabled: false
EOF

cat >"$work/values-deployment.yaml" <<'EOF'
agents:
  kind: Deployment
  replicas: 3
EOF

cat >"$work/values-open.yaml" <<'EOF'
auth:
  enabled: false
networkPolicy:
  enabled: false
target:
  host: 127.0.0.1
EOF

# What `helm upgrade --reuse-values` renders with after a release of chart
# 0.1.0: that release's values (auth off, no networkPolicy or target.tls) in
# place of this chart's values.yaml.
"$py" - "$chart/values.yaml" >"$work/values-0.1.0.yaml" <<'EOF' || fail "cannot write the 0.1.0 values"
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
v.pop("networkPolicy")
v["target"].pop("tls")
v["auth"]["enabled"] = False
print(yaml.safe_dump(v, sort_keys=False))
EOF

# name | render arguments
cases=(
  "default|-release rig -namespace rig"
  "ci|-release rig -namespace perf -revision 3 -f $chart/ci/values-8-agents-tls-pvc.yaml"
  "existing|-release lt -namespace load -revision 2 -f $work/values-existing.yaml"
  "agents-only|-release rig -namespace rig -f $work/values-agents-only.yaml"
  "open|-release rig -namespace open -f $work/values-open.yaml"
  "deployment|-release rig -namespace rig -f $work/values-deployment.yaml"
  "reuse-0.1.0|-release rig -namespace reuse -revision 2 -chart-values $work/values-0.1.0.yaml"
)
rendered=()
for c in "${cases[@]}"; do
  name="${c%%|*}"
  # shellcheck disable=SC2086  # the arguments are words
  if ! "$work/render" -chart "$chart" ${c#*|} -notes "$work/$name.notes" >"$work/$name.yaml" 2>"$work/$name.err"; then
    cat "$work/$name.err"
    fail "$name: the chart does not render"
    continue
  fi
  rendered+=("$work/$name.yaml")
  "$py" "$here/check_rendered.py" manifests "$name" "$work/$name.yaml" "$work/$name.notes" \
    --agent-help "$work/agent.help" --coordinator-help "$work/coordinator.help" \
    --coordinator "$coordinator_bin" --work "$work" || failed=1
done

# --- metrics.enabled: ports, scrape annotations, the metrics Services, a
# ServiceMonitor, the dashboard ConfigMap, the NetworkPolicy's metrics rule
cat >"$work/values-metrics.yaml" <<'EOF2'
metrics:
  enabled: true
  from: [{podSelector: {matchLabels: {app: prometheus}}}]
  serviceMonitor: {enabled: true, labels: {release: prometheus}}
EOF2
if ! "$work/render" -chart "$chart" -release rig -namespace mon -f "$work/values-metrics.yaml" >"$work/metrics.yaml" 2>"$work/metrics.err"; then
  cat "$work/metrics.err"
  fail "metrics: the chart does not render"
else
  rendered+=("$work/metrics.yaml")
  "$py" "$here/check_rendered.py" metrics "$work/metrics.yaml" "$chart/dashboards/tidb-test-rig.json" \
    --agent-help "$work/agent.help" --coordinator-help "$work/coordinator.help" || failed=1
fi
# The dashboard parses and queries only metrics the rig exports (the list
# comes from rig-coordinator itself).
"$py" "$here/check_rendered.py" dashboard "$chart/dashboards/tidb-test-rig.json" \
  --coordinator "$coordinator_bin" || failed=1

# --- values the chart must refuse, with a message naming the value;
# more render arguments after the values (-cluster FILE)
refuse() {
  local what="$1" message="$2" values="$3"
  shift 3
  printf '%s\n' "$values" >"$work/bad.yaml"
  if "$work/render" -chart "$chart" -f "$work/bad.yaml" "$@" >/dev/null 2>"$work/bad.err"; then
    fail "renders although $what"
  elif ! grep -qF -- "$message" "$work/bad.err"; then
    fail "$what: the error does not say \"$message\": $(cat "$work/bad.err")"
  else
    echo "ok   refused: $what"
  fi
}
refuse "tls.enabled without tls.secretName" "tls.enabled needs tls.secretName" \
  "tls: {enabled: true}"
refuse "terminationGracePeriodSeconds <= shutdownGraceSeconds" \
  "must be larger than agents.shutdownGraceSeconds" \
  "agents: {shutdownGraceSeconds: 30, terminationGracePeriodSeconds: 30}"
refuse "target.tls neither a boolean nor empty" "target.tls must be true, false or empty" \
  "target: {tls: 'maybe'}"
# A Secret the cluster holds (what helm's lookup sees on install/upgrade).
cat >"$work/cluster-no-token.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: my-secret, namespace: default}
data: {db-password: cHc=}
EOF
refuse "existingSecret without the token while auth is on" "existingSecret my-secret has no key auth-token" \
  "existingSecret: my-secret" -cluster "$work/cluster-no-token.yaml"
refuse "an unknown antiAffinity" "agents.antiAffinity must be soft, hard or none" \
  "agents: {antiAffinity: always}"
refuse "an unknown agents.kind" "agents.kind must be StatefulSet or Deployment" \
  "agents: {kind: DaemonSet}"
refuse "zero agents" "agents.replicas must be at least 1" \
  "agents: {replicas: 0}"
refuse "an empty plan" "coordinator.plan is empty" \
  "coordinator: {plan: ''}"

# --- the bearer token: random without a cluster (a new one per render, as
# under helm template), kept from the release's Secret on upgrade, auth.token first
token() {
  local what="$1" expected="$2"
  shift 2
  if ! "$work/render" -chart "$chart" -release rig -namespace rig "$@" >"$work/token.yaml" 2>"$work/token.err"; then
    fail "token, $what: does not render: $(cat "$work/token.err")"
  elif ! "$py" "$here/check_rendered.py" token "$work/token.yaml" "$expected" --what "token: $what"; then
    failed=1
  fi
}
token "generated when none is given" random
secret_token() {
  "$py" -c 'import base64, sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Secret": print(base64.b64decode(d["data"].get("auth-token", "")).decode())' "$1"
}
"$work/render" -chart "$chart" >"$work/t1.yaml" 2>/dev/null
"$work/render" -chart "$chart" >"$work/t2.yaml" 2>/dev/null
t1="$(secret_token "$work/t1.yaml")"
t2="$(secret_token "$work/t2.yaml")"
if [ -n "$t1" ] && [ -n "$t2" ] && [ "$t1" != "$t2" ]; then
  echo "ok   token: a new random one per render without a cluster"
else
  fail "token: two renders without a cluster gave '$t1' and '$t2', expected two different tokens"
fi
cat >"$work/cluster-release-secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: rig-tidb-test-rig, namespace: rig}
data: {db-password: cHc=, auth-token: a2VwdC1mcm9tLWxhc3QtcmV2aXNpb24=}
---
apiVersion: v1
kind: Secret
metadata: {name: rig-tidb-test-rig, namespace: elsewhere}
data: {auth-token: bm90LXRoaXMtb25l}
EOF
token "kept from the release's Secret on upgrade" kept-from-last-revision \
  -revision 2 -cluster "$work/cluster-release-secret.yaml"
printf 'auth: {token: given-token}\n' >"$work/values-token.yaml"
token "auth.token wins over the release's Secret" given-token \
  -revision 2 -cluster "$work/cluster-release-secret.yaml" -f "$work/values-token.yaml"
cat >"$work/cluster-with-token.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: my-secret, namespace: default}
data: {db-password: cHc=, auth-token: dG9r}
EOF
printf 'existingSecret: my-secret\n' >"$work/values-es.yaml"
if "$work/render" -chart "$chart" -f "$work/values-es.yaml" -cluster "$work/cluster-with-token.yaml" >/dev/null 2>"$work/es.err"; then
  echo "ok   token: an existingSecret that holds the token renders"
else
  fail "an existingSecret that holds the token does not render: $(cat "$work/es.err")"
fi

# --- NOTES.txt's plaintext-password warning, for each way the plan's target
# is set: the warning is present or absent for these values.
notes() {
  local what="$1" want="$2" values="$3" warning="THE DATABASE PASSWORD TRAVELS IN PLAINTEXT"
  printf '%s\n' "$values" >"$work/notes-values.yaml"
  if ! "$work/render" -chart "$chart" -f "$work/notes-values.yaml" -notes "$work/notes.txt" >/dev/null 2>"$work/notes.err"; then
    fail "notes, $what: does not render: $(cat "$work/notes.err")"
  elif grep -qF "$warning" "$work/notes.txt"; then
    if [ "$want" = present ]; then echo "ok   notes: warns, $what"; else fail "notes, $what: warns of a plaintext password"; fi
  else
    if [ "$want" = absent ]; then echo "ok   notes: no warning, $what"; else fail "notes, $what: no plaintext-password warning"; fi
  fi
}
plan_with() { # values with a plan whose target is $1 (a YAML flow mapping)
  printf 'coordinator:\n  plan: |\n    target: %s\n    workload: {kind: oltp_point_select}\n' "$1"
}
notes "the default plan (basic-tidb.tidb-cluster.svc, no TLS)" present ""
notes "target.host set, the plan without TLS" present "target: {host: tidb.example.com}"
notes "target.tls=false over a plan with tls: true" present \
  "$(plan_with '{host: db.example.com, tls: true}')
target: {tls: false}"
notes "coordinator.set target.host=db over a loopback plan" present \
  "$(plan_with '{host: 127.0.0.1}')
  set: [target.host=db.example.com]"
notes "target.tls=true" absent "target: {tls: true}"
notes "the plan's tls: true" absent "$(plan_with '{host: db.example.com, tls: true}')"
notes "the plan's tls: yes (the rig reads YAML 1.1 booleans)" absent "$(plan_with '{host: db.example.com, tls: yes}')"
notes "coordinator.set target.tls=true" absent "coordinator: {set: [target.tls=true]}"
notes "the plan's tls_mode: verify-identity" absent "$(plan_with '{host: db.example.com, tls_mode: verify-identity}')"
notes "the plan's tls_mode: required" absent "$(plan_with '{host: db.example.com, tls_mode: required}')"
notes "the plan's tls_mode: preferred (may fall back to plaintext)" present "$(plan_with '{host: db.example.com, tls_mode: preferred}')"
notes "coordinator.set target.tls_mode=verify-ca" absent "coordinator: {set: [target.tls_mode=verify-ca]}"
notes "coordinator.set target.tls_mode=disabled over a plan with tls_mode: required" present \
  "$(plan_with '{host: db.example.com, tls_mode: required}')
  set: [target.tls_mode=disabled]"
notes "target.host 127.0.0.1" absent "target: {host: 127.0.0.1}"
notes "target.host localhost" absent "target: {host: localhost}"
notes "target.host ::1" absent "target: {host: '::1'}"
notes "the plan's host 127.0.0.2" absent "$(plan_with '{host: 127.0.0.2}')"
notes "a plan without target (the rig's default, 127.0.0.1)" absent "$(plan_with '{}')"

# --- values.yaml documented, used and in the README
"$py" "$here/check_rendered.py" values "$chart" || failed=1

# --- yamllint on the chart's YAML and the rendered manifests
if yamllint --strict -c "$chart/.yamllint" "$chart/.yamllint" "$chart/values.yaml" "$chart/Chart.yaml" \
  "$chart"/ci/*.yaml "${rendered[@]}" >"$work/yamllint.out" 2>&1; then
  echo "ok   yamllint: values.yaml, Chart.yaml, ci/, ${#rendered[@]} rendered files"
else
  cat "$work/yamllint.out"
  fail "yamllint"
fi

if [ "$failed" -ne 0 ]; then
  echo "helm render test: FAILED"
  exit 1
fi
echo "helm render test: passed"
exit 0
