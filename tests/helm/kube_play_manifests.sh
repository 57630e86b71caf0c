#!/usr/bin/env bash
# Renders helm/tidb-test-rig for `podman kube play` (container_test.cc's
# KubePlay test):
#
#   tests/helm/kube_play_manifests.sh VALUES_FILE RELEASE OUT_FILE
#
# Renders the chart with VALUES_FILE (as render_test.sh does: Go
# text/template + sprig, no helm) and writes to OUT_FILE the documents
# podman 4.3's kube play runs, changed only where podman differs from
# Kubernetes, each change printed on stdout:
#   - kept: the agents' Deployment (agents.kind=Deployment) and the Secret;
#     dropped: Service, NetworkPolicy, ConfigMap, PersistentVolumeClaim, Job
#     (podman has no Services or NetworkPolicies; Jobs do not run);
#   - the agent container's `ports` list removed: podman publishes every
#     containerPort on the host, which host networking refuses ("PortMappings
#     can only be used with Bridge or slirp4netns networking");
#   - the Secret's `data` decoded from base64: podman 4.3 mounts `data`
#     values as written, still encoded, and ignores `stringData`
#     (containers/podman#16625), where the kubelet mounts the decoded bytes.
#     podman still parses `data` as base64, so each decoded value must be
#     valid base64 text too (the chart's generated 48-character
#     alphanumeric token is; a token with '-' is not): refused otherwise.
# Exit: 0 written, 1 failed, 77 a tool is missing (says which).
set -uo pipefail

values="${1:?usage: $0 VALUES_FILE RELEASE OUT_FILE}"
release="${2:?usage: $0 VALUES_FILE RELEASE OUT_FILE}"
out="${3:?usage: $0 VALUES_FILE RELEASE OUT_FILE}"
here="$(cd "$(dirname "$0")" && pwd)"
chart="$(cd "$here/../../helm/tidb-test-rig" && pwd)"
gopath=/usr/share/gocode

skip() {
  echo "skipped: $* (scripts/install-deps)"
  exit 77
}
command -v go >/dev/null 2>&1 || skip "go not found: Debian package golang-go"
[ -d "$gopath/src/github.com/Masterminds/sprig" ] || skip "no sprig: golang-github-masterminds-sprig-dev"
python3 -c 'import yaml' 2>/dev/null || skip "no python3 yaml module: python3-yaml"

work="$(mktemp -d "${TMPDIR:-/tmp}/kube-play-render.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if ! HOME="${HOME:-$work}" GO111MODULE=off GOPATH="$gopath" GOCACHE="${GOCACHE:-$work/gocache}" GOFLAGS="" \
  go build -o "$work/render" "$here/render.go" >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "FAIL: cannot build tests/helm/render.go"
  exit 1
fi
if ! "$work/render" -chart "$chart" -release "$release" -namespace rig -f "$values" >"$work/all.yaml"; then
  echo "FAIL: the chart does not render with $values"
  exit 1
fi
python3 - "$work/all.yaml" "$out" <<'PY'
import base64, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
keep = []
for d in docs:
    kind, name = d["kind"], d["metadata"]["name"]
    if kind not in ("Deployment", "Secret"):
        print(f"dropped: {kind} {name}")
        continue
    if kind == "Deployment":
        for c in d["spec"]["template"]["spec"]["containers"]:
            if c.pop("ports", None) is not None:
                print(f"changed: {kind} {name}: container {c['name']}'s ports removed")
    if kind == "Secret":
        d["data"] = {k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}
        for k, v in d["data"].items():
            try:
                base64.b64decode(v, validate=True)
            except Exception:
                sys.exit(f"FAIL: Secret {name}: {k}'s value is not valid base64 text, "
                         "which podman 4.3 needs to mount it as written")
        print(f"changed: {kind} {name}: data decoded ({', '.join(sorted(d['data']))})")
    print(f"kept: {kind} {name}")
    keep.append(d)
if not any(d["kind"] == "Deployment" for d in keep):
    sys.exit("FAIL: no Deployment rendered (agents.kind=Deployment?)")
yaml.safe_dump_all(keep, open(sys.argv[2], "w"), sort_keys=False)
PY
