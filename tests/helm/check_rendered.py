#!/usr/bin/env python3
"""Checks of the tidb-test-rig chart as rendered by render.go.

Called by render_test.sh; every failed check is printed, exit 1 if any.

  check_rendered.py manifests CASE RENDERED.yaml NOTES.txt \
      --agent-help FILE --coordinator-help FILE --coordinator BIN --work DIR
  check_rendered.py values CHART_DIR
  check_rendered.py token RENDERED.yaml EXPECTED

EXPECTED for `token` is the token the chart's Secret must hold, or
"random" for a new one (48 letters and digits).

CASE names what the values of that rendering were (see CASES below): the
checks compare the manifests with those expectations, so a template that
ignores a value fails here.
"""

import argparse
import base64
import json
import os
import re
import signal
import subprocess
import sys
import time

import yaml

FAILURES = []


def check(ok, message):
    if not ok:
        FAILURES.append(message)
    return ok


# What each rendering of render_test.sh was given, and so must show.
# token: what the Secret's auth-token must be ("random" = generated; None =
# no Secret of the chart's holds it). warn: the NOTES.txt warnings (WARNINGS).
CASES = {
    # values.yaml alone, release "rig" in namespace "rig", revision 1.
    "default": dict(
        namespace="rig", fullname="rig-tidb-test-rig", revision=1, replicas=2,
        tls=False, mtls=False, auth=True, token="random", netpol=True, extra_from=[], pvc=False, claim=None,
        secret="rig-tidb-test-rig", create_secret=True, plan_cm="rig-tidb-test-rig-plan",
        create_plan=True, anti_affinity="soft", coordinator=True, grace=20,
        image="tidb-test-rig:0.1.0", target_sets=[],
        warn={"db": "basic-tidb.tidb-cluster.svc", "grpc": True}),
    # ci/values-8-agents-tls-pvc.yaml, namespace "perf", revision 3.
    "ci": dict(
        namespace="perf", fullname="rig-tidb-test-rig", revision=3, replicas=8,
        tls=True, mtls=True, auth=True, token="0123456789abcdef0123456789abcdef", netpol=True,
        extra_from=[{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "perf-tools"}},
                     "podSelector": {"matchLabels": {"app": "rig-client"}}}],
        pvc=True, claim="rig-tidb-test-rig-reports",
        secret="rig-tidb-test-rig", create_secret=True, plan_cm="rig-tidb-test-rig-plan",
        create_plan=True, anti_affinity="hard", coordinator=True, grace=30,
        image="registry.example.com/perf/tidb-test-rig:0.1.0",
        agent_tls_secret="rig-agent-tls", coordinator_tls_secret="rig-coordinator-tls",
        pull_secrets=[{"name": "regcred"}],
        target_sets=["target.host=basic-tidb.tidb-cluster.svc", "target.port=4000",
                     "target.user=rig", "target.database=rig", "target.tls=true"],
        extra_sets=["load.duration=10m", "load.connections=512"],
        warn={}),
    # render_test.sh's existing-resources values: existingSecret, an existing
    # plan ConfigMap and claim, TLS without client certificates, no anti-affinity.
    "existing": dict(
        namespace="load", fullname="loadtest", revision=2, replicas=3,
        tls=True, mtls=False, auth=True, token=None, netpol=True, extra_from=[], pvc=True, claim="my-claim",
        secret="my-secret", create_secret=False, plan_cm="my-plan",
        create_plan=False, anti_affinity="none", coordinator=True, grace=20,
        image="tidb-test-rig:0.1.0", agent_tls_secret="agent-certs",
        coordinator_tls_secret="agent-certs", target_sets=[],
        warn={"db-unknown": True}),
    # coordinator.enabled=false: agents only.
    "agents-only": dict(
        namespace="rig", fullname="rig-tidb-test-rig", revision=1, replicas=4,
        tls=False, mtls=False, auth=True, token="random", netpol=True, extra_from=[], pvc=False, claim=None,
        secret="rig-tidb-test-rig", create_secret=True, plan_cm=None,
        create_plan=False, anti_affinity="soft", coordinator=False, grace=20,
        image="tidb-test-rig:0.1.0", target_sets=[],
        warn={"grpc": True}),
    # render_test.sh's unsafe values: auth.enabled=false, networkPolicy.enabled=false,
    # a loopback database host (no plaintext-password warning for it).
    "open": dict(
        namespace="open", fullname="rig-tidb-test-rig", revision=1, replicas=2,
        tls=False, mtls=False, auth=False, token=None, netpol=False, pvc=False, claim=None,
        secret="rig-tidb-test-rig", create_secret=True, plan_cm="rig-tidb-test-rig-plan",
        create_plan=True, anti_affinity="soft", coordinator=True, grace=20,
        image="tidb-test-rig:0.1.0", target_sets=["target.host=127.0.0.1"],
        warn={"grpc": True, "auth": True, "netpol": True}),
    # agents.kind=Deployment (what podman kube play runs), three agents.
    "deployment": dict(
        namespace="rig", fullname="rig-tidb-test-rig", revision=1, replicas=3, agent_kind="Deployment",
        tls=False, mtls=False, auth=True, token="random", netpol=True, extra_from=[], pvc=False, claim=None,
        secret="rig-tidb-test-rig", create_secret=True, plan_cm="rig-tidb-test-rig-plan",
        create_plan=True, anti_affinity="soft", coordinator=True, grace=20,
        image="tidb-test-rig:0.1.0", target_sets=[],
        warn={"db": "basic-tidb.tidb-cluster.svc", "grpc": True}),
    # helm upgrade --reuse-values from chart 0.1.0: its values (auth off, no
    # networkPolicy or target.tls keys) replace values.yaml. The policy, new,
    # is on; auth stays as it was, with a warning.
    "reuse-0.1.0": dict(
        namespace="reuse", fullname="rig-tidb-test-rig", revision=2, replicas=2,
        tls=False, mtls=False, auth=False, token=None, netpol=True, extra_from=[], pvc=False, claim=None,
        secret="rig-tidb-test-rig", create_secret=True, plan_cm="rig-tidb-test-rig-plan",
        create_plan=True, anti_affinity="soft", coordinator=True, grace=20,
        image="tidb-test-rig:0.1.0", target_sets=[],
        warn={"db": "basic-tidb.tidb-cluster.svc", "grpc": True, "auth": True}),
}

# What each NOTES.txt warning says (a warning's value in CASES fills {}).
WARNINGS = {
    "db": "WARNING: THE DATABASE PASSWORD TRAVELS IN PLAINTEXT to {}.",
    "db-unknown": "WARNING: the database password may travel in plaintext",
    "grpc": "WARNING: coordinator and agents talk plaintext gRPC",
    "auth": "WARNING: AGENTS WITHOUT AUTHENTICATION",
    "netpol": "WARNING: NO NETWORKPOLICY",
}
TOKEN_CHARS = re.compile(r"[A-Za-z0-9]{48}")

PORT = 7070
HEALTH_PORT = 7071  # agents.healthPort's default
READINESS_SERVICE = "rig.v1.AgentService"


def help_flags(path):
    """The --flags a binary's --help lists (lines like '  --listen VALUE')."""
    flags = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"\s+(--[a-z0-9][a-z0-9-]*)", line)
            if m:
                flags.add(m.group(1))
    return flags


def flags_in(args):
    """The --flag names in a list of arguments ('--a=b', '--c')."""
    out = []
    for a in args:
        for m in re.finditer(r"(?:^|\s)(--[a-z0-9][a-z0-9-]*)", str(a)):
            out.append(m.group(1))
    return out


def by_kind(docs):
    out = {}
    for d in docs:
        out.setdefault(d["kind"], []).append(d)
    return out


def env_map(container):
    return {e["name"]: e for e in container.get("env", [])}


def mounts(container):
    return {m["name"]: m for m in container.get("volumeMounts", [])}


def volumes(pod):
    return {v["name"]: v for v in pod.get("volumes", [])}


def check_security(pod, container, what, exp):
    check(pod.get("imagePullSecrets") == exp.get("pull_secrets"),
          f"{what}: imagePullSecrets {pod.get('imagePullSecrets')}, expected {exp.get('pull_secrets')}")
    psc = pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, f"{what}: pod securityContext.runAsNonRoot is not true")
    check(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] != 0,
          f"{what}: pod securityContext.runAsUser is not a non-zero uid")
    sc = container.get("securityContext", {})
    check(sc.get("allowPrivilegeEscalation") is False, f"{what}: allowPrivilegeEscalation is not false")
    check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{what}: capabilities do not drop ALL")
    check(pod.get("automountServiceAccountToken") is False, f"{what}: service account token mounted")
    res = container.get("resources", {})
    for part in ("requests", "limits"):
        check(res.get(part, {}).get("cpu") and res.get(part, {}).get("memory"),
              f"{what}: resources.{part} lack cpu or memory")


def check_manifests(case_name, rendered, notes_path, opts):
    exp = CASES[case_name]
    ns, full, rev = exp["namespace"], exp["fullname"], exp["revision"]
    with open(rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    check(docs, "nothing rendered")
    kinds = by_kind(docs)

    # Kinds and names.
    agent_kind = exp.get("agent_kind", "StatefulSet")
    want = {agent_kind: 1, "Service": 1}
    if exp["coordinator"]:
        want["Job"] = 1
    if exp["create_plan"]:
        want["ConfigMap"] = 1
    if exp["create_secret"]:
        want["Secret"] = 1
    if exp["pvc"] and exp["claim"] == f"{full}-reports":
        want["PersistentVolumeClaim"] = 1
    if exp["netpol"]:
        want["NetworkPolicy"] = 1
    got = {k: len(v) for k, v in kinds.items()}
    check(got == want, f"kinds rendered {got}, expected {want}")
    for d in docs:
        md = d.get("metadata", {})
        check(md.get("namespace") == ns, f"{d['kind']} {md.get('name')}: namespace {md.get('namespace')!r}, expected {ns!r}")
        check(md.get("labels", {}).get("app.kubernetes.io/managed-by") == "Helm",
              f"{d['kind']} {md.get('name')}: no app.kubernetes.io/managed-by label")
        check(len(md.get("name", "")) <= 63, f"{d['kind']} {md.get('name')}: name longer than 63")

    agent_name = f"{full}-agent"
    sts = kinds.get(agent_kind, [None])[0]
    svc = kinds.get("Service", [None])[0]
    if not check(sts and svc, f"no {agent_kind} or Service: the remaining checks need both"):
        return
    check(sts["metadata"]["name"] == agent_name, f"{agent_kind} named {sts['metadata']['name']}, expected {agent_name}")
    check(svc["metadata"]["name"] == agent_name, f"Service named {svc['metadata']['name']}, expected {agent_name}")

    # The headless Service selects exactly the StatefulSet's pods.
    s = svc["spec"]
    check(s.get("clusterIP") == "None", "Service is not headless (clusterIP: None)")
    check(s.get("publishNotReadyAddresses") is False, "Service publishNotReadyAddresses is not false")
    if agent_kind == "StatefulSet":
        check(sts["spec"].get("serviceName") == agent_name, "StatefulSet serviceName is not the headless Service")
        check(sts["spec"].get("podManagementPolicy") == "Parallel", "StatefulSet podManagementPolicy is not Parallel")
    else:
        check("serviceName" not in sts["spec"] and "podManagementPolicy" not in sts["spec"]
              and "updateStrategy" not in sts["spec"],
              f"a Deployment has StatefulSet fields: {sorted(sts['spec'])}")
        check(sts["spec"].get("strategy", {}).get("type") == "RollingUpdate", "Deployment strategy is not RollingUpdate")
    selector = sts["spec"]["selector"]["matchLabels"]
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    check(s.get("selector") == selector, f"Service selector {s.get('selector')} != StatefulSet selector {selector}")
    check(all(pod_labels.get(k) == v for k, v in selector.items()),
          f"StatefulSet pod labels {pod_labels} do not carry its selector {selector}")
    ports = s.get("ports", [])
    check(len(ports) == 1 and ports[0].get("port") == PORT and ports[0].get("targetPort") == "grpc",
          f"Service ports {ports}: expected one port {PORT} to targetPort grpc")
    check(sts["spec"]["replicas"] == exp["replicas"], f"replicas {sts['spec']['replicas']}, expected {exp['replicas']}")

    # The agent pod.
    pod = sts["spec"]["template"]["spec"]
    containers = pod["containers"]
    check(len(containers) == 1, "agent pod should have one container")
    agent = containers[0]
    check(agent.get("image") == exp["image"], f"agent image {agent.get('image')}, expected {exp['image']}")
    check(agent.get("command") == ["rig-agent"], f"agent command {agent.get('command')}")
    cports = agent.get("ports", [])
    check(any(p.get("name") == "grpc" and p.get("containerPort") == PORT for p in cports),
          f"agent container has no port grpc={PORT}: {cports}")
    args = agent.get("args", [])
    check(f"--listen=0.0.0.0:{PORT}" in args, f"agent does not listen on 0.0.0.0:{PORT}: {args}")
    check("--name=$(POD_NAME)" in args, "agent is not named after its pod (--name=$(POD_NAME))")
    pod_name_env = env_map(agent).get("POD_NAME", {})
    check(pod_name_env.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
          "POD_NAME is not the pod's metadata.name")
    grace = [a for a in args if a.startswith("--shutdown-grace=")]
    check(grace == [f"--shutdown-grace={exp['grace']}s"], f"agent --shutdown-grace {grace}, expected {exp['grace']}s")
    tgp = pod.get("terminationGracePeriodSeconds")
    check(isinstance(tgp, int) and tgp > exp["grace"],
          f"terminationGracePeriodSeconds {tgp} is not longer than the shutdown grace {exp['grace']}s")

    # Probes: native gRPC on the agent port; with TLS (the kubelet has no
    # TLS) on the plaintext health-only port the agent opens for them.
    live, ready = agent.get("livenessProbe", {}), agent.get("readinessProbe", {})
    probe_port = HEALTH_PORT if exp["tls"] else PORT
    health_args = [a for a in args if a.startswith("--health-listen")]
    container_ports = {p.get("name"): p.get("containerPort") for p in agent.get("ports", [])}
    if exp["tls"]:
        check(health_args == [f"--health-listen=0.0.0.0:{HEALTH_PORT}"],
              f"with TLS the agent must serve health on 0.0.0.0:{HEALTH_PORT}: {health_args}")
        check(container_ports.get("health") == HEALTH_PORT,
              f"with TLS the container must expose port health={HEALTH_PORT}: {container_ports}")
    else:
        check(health_args == [], f"without TLS no --health-listen is needed: {health_args}")
        check("health" not in container_ports, f"without TLS no health port: {container_ports}")
    check(live.get("grpc") == {"port": probe_port, "service": ""},
          f"liveness probe is not grpc {{port: {probe_port}, service: ''}}: {live}")
    check(ready.get("grpc") == {"port": probe_port, "service": READINESS_SERVICE},
          f"readiness probe is not grpc {{port: {probe_port}, service: {READINESS_SERVICE}}}: {ready}")
    for name, p in (("liveness", live), ("readiness", ready)):
        check(p.get("periodSeconds", 0) > 0 and p.get("timeoutSeconds", 0) > 0,
              f"{name} probe lacks periodSeconds/timeoutSeconds")
    check_security(pod, agent, "agent", exp)

    # Anti-affinity.
    aff = pod.get("affinity", {}).get("podAntiAffinity", {})
    if exp["anti_affinity"] == "soft":
        terms = aff.get("preferredDuringSchedulingIgnoredDuringExecution", [])
        check(len(terms) == 1 and "requiredDuringSchedulingIgnoredDuringExecution" not in aff,
              f"expected preferred anti-affinity only: {aff}")
        term = terms[0].get("podAffinityTerm", {}) if terms else {}
    elif exp["anti_affinity"] == "hard":
        terms = aff.get("requiredDuringSchedulingIgnoredDuringExecution", [])
        check(len(terms) == 1 and "preferredDuringSchedulingIgnoredDuringExecution" not in aff,
              f"expected required anti-affinity only: {aff}")
        term = terms[0] if terms else {}
    else:
        check("affinity" not in pod, f"expected no affinity: {pod.get('affinity')}")
        term = None
    if term is not None:
        check(term.get("topologyKey") == "kubernetes.io/hostname", f"anti-affinity topologyKey {term.get('topologyKey')}")
        check(term.get("labelSelector", {}).get("matchLabels") == selector,
              "anti-affinity does not select the agent pods")

    # TLS and token on the agent.
    amounts, avols = mounts(agent), volumes(pod)
    agent_tls = [a for a in args if a.startswith("--tls-")]
    if exp["tls"]:
        want_tls = ["--tls-cert=/etc/rig/tls/tls.crt", "--tls-key=/etc/rig/tls/tls.key"]
        if exp["mtls"]:
            want_tls += ["--tls-ca=/etc/rig/tls/ca.crt", "--tls-require-client-cert"]
        check(agent_tls == want_tls, f"agent TLS flags {agent_tls}, expected {want_tls}")
        check(amounts.get("tls", {}).get("mountPath") == "/etc/rig/tls", "agent: TLS Secret not mounted at /etc/rig/tls")
        sec = avols.get("tls", {}).get("secret", {})
        check(sec.get("secretName") == exp["agent_tls_secret"], f"agent TLS Secret {sec.get('secretName')}")
        keys = [i["key"] for i in sec.get("items", [])]
        check(keys == (["tls.crt", "tls.key", "ca.crt"] if exp["mtls"] else ["tls.crt", "tls.key"]),
              f"agent TLS Secret keys {keys}")
    else:
        check(not agent_tls, f"agent has TLS flags without TLS values: {agent_tls}")
        check("tls" not in amounts and "tls" not in avols, "agent mounts TLS without TLS values")
    check_token(agent, pod, args, exp, "agent")

    # The Secret.
    secrets = kinds.get("Secret", [])
    if exp["create_secret"] and secrets:
        sec = secrets[0]
        check(sec["metadata"]["name"] == exp["secret"], f"Secret named {sec['metadata']['name']}")
        keys = sorted(sec.get("data", {}))
        check(keys == sorted(["db-password"] + (["auth-token"] if exp["auth"] else [])),
              f"Secret keys {keys}")
        if exp["auth"]:
            check_secret_token(sec, exp["token"])
    check(exp["create_secret"] or not secrets, "existingSecret given, but the chart made a Secret")

    check_network_policy(kinds, exp, selector, pod_labels)

    if exp["coordinator"]:
        check_job(kinds, exp, selector, opts, notes_path)
    else:
        check("ConfigMap" not in kinds and "Job" not in kinds, "coordinator disabled, but a Job or ConfigMap rendered")

    # Every flag given to a binary is one its --help lists.
    agent_help = help_flags(opts.agent_help)
    check(len(agent_help) > 5, f"too few flags in {opts.agent_help}: is it rig-agent --help?")
    for flag in flags_in(args):
        check(flag in agent_help, f"rig-agent has no {flag} (not in rig-agent --help)")

    with open(notes_path) as f:
        notes = f.read()
    check(agent_name in notes, "NOTES.txt does not name the agents")
    for key, text in WARNINGS.items():
        want_it = key in exp["warn"]
        text = text.format(exp["warn"].get(key))
        check((text in notes) == want_it,
              f"NOTES.txt {'lacks' if want_it else 'has'} the warning {text!r}")
    count = notes.count("WARNING")
    check(count == len(exp["warn"]), f"NOTES.txt has {count} warnings, expected {len(exp['warn'])}: {sorted(exp['warn'])}")
    coord_help = help_flags(opts.coordinator_help)
    for line in notes.splitlines():
        if "rig-coordinator " in line:
            for flag in flags_in([line]):
                check(flag in coord_help, f"NOTES.txt: rig-coordinator has no {flag}")


def secret_token(secret):
    """The decoded auth-token of a rendered Secret, or None."""
    data = secret.get("data", {}).get("auth-token")
    return None if data is None else base64.b64decode(data).decode()


def check_secret_token(secret, expected):
    token = secret_token(secret)
    if expected == "random":
        check(token is not None and TOKEN_CHARS.fullmatch(token),
              f"the Secret's generated token is not 48 letters and digits: {token!r}")
    else:
        check(token == expected, f"the Secret's token is {token!r}, expected {expected!r}")


def check_network_policy(kinds, exp, agent_selector, agent_pod_labels):
    """The agents' NetworkPolicy: selects exactly the agent pods (their rendered
    labels), admits on the gRPC port only pods with the coordinator Job's
    rendered labels (in the release's namespace) and extraFrom."""
    policies = kinds.get("NetworkPolicy", [])
    if not exp["netpol"]:
        check(not policies, "networkPolicy.enabled=false, but a NetworkPolicy rendered")
        return
    if not check(len(policies) == 1, f"{len(policies)} NetworkPolicies, expected 1"):
        return
    np = policies[0]
    check(np.get("apiVersion") == "networking.k8s.io/v1", f"NetworkPolicy apiVersion {np.get('apiVersion')}")
    check(np["metadata"]["name"] == f"{exp['fullname']}-agent", f"NetworkPolicy named {np['metadata']['name']}")
    spec = np.get("spec", {})
    target = spec.get("podSelector", {}).get("matchLabels", {})
    check(target == agent_selector, f"NetworkPolicy selects {target}, not the agents' selector {agent_selector}")
    check(target and all(agent_pod_labels.get(k) == v for k, v in target.items()),
          f"NetworkPolicy selector {target} does not match the agent pods' labels {agent_pod_labels}")
    check(spec.get("policyTypes") == ["Ingress"], f"NetworkPolicy policyTypes {spec.get('policyTypes')}")
    rules = spec.get("ingress", [])
    if not check(len(rules) == 1, f"NetworkPolicy has {len(rules)} ingress rules, expected 1"):
        return
    rule = rules[0]
    check(rule.get("ports") == [{"protocol": "TCP", "port": PORT}],
          f"NetworkPolicy ports {rule.get('ports')}, expected only TCP {PORT}")
    peers = rule.get("from", [])
    if not check(peers, "NetworkPolicy admits from anywhere (no `from`)"):
        return
    coord = peers[0]
    check(set(coord) == {"podSelector"},
          f"the coordinator peer {coord} must be a podSelector alone (the release's namespace)")
    labels = coord.get("podSelector", {}).get("matchLabels", {})
    want = dict(agent_selector, **{"app.kubernetes.io/component": "coordinator"})
    check(labels == want, f"NetworkPolicy admits pods labelled {labels}, expected the coordinator's {want}")
    check(not all(agent_pod_labels.get(k) == v for k, v in labels.items()),
          "NetworkPolicy's coordinator selector also matches the agent pods")
    job = kinds.get("Job", [None])[0]
    if exp["coordinator"] and job:
        job_labels = job["spec"]["template"]["metadata"]["labels"]
        check(labels and all(job_labels.get(k) == v for k, v in labels.items()),
              f"NetworkPolicy admits {labels}, which the coordinator Job's pod labels {job_labels} do not carry")
    check(peers[1:] == exp["extra_from"], f"NetworkPolicy extra sources {peers[1:]}, expected {exp['extra_from']}")


def check_token(container, pod, args, exp, what):
    cmounts, cvols = mounts(container), volumes(pod)
    token_flags = [a for a in args if a.startswith("--auth-token-file")]
    if exp["auth"]:
        check(token_flags == ["--auth-token-file=/etc/rig/auth/auth-token"], f"{what}: --auth-token-file {token_flags}")
        check(cmounts.get("auth", {}).get("mountPath") == "/etc/rig/auth", f"{what}: token not mounted at /etc/rig/auth")
        sec = cvols.get("auth", {}).get("secret", {})
        check(sec.get("secretName") == exp["secret"], f"{what}: token from Secret {sec.get('secretName')}, expected {exp['secret']}")
        # The file named after the key: podman 4.3's kube play ignores items.
        check(sec.get("items") == [{"key": "auth-token", "path": "auth-token"}], f"{what}: token Secret items {sec.get('items')}")
        check(sec.get("optional") is False, f"{what}: the token Secret volume lacks optional: false (podman 4.3 crashes)")
    else:
        check(not token_flags and "auth" not in cmounts and "auth" not in cvols,
              f"{what}: token used without auth.enabled")
    check("RIG_AUTH_TOKEN" not in env_map(container), f"{what}: the token must come from a file, not the environment")


def check_job(kinds, exp, agent_selector, opts, notes_path):
    full, ns, rev = exp["fullname"], exp["namespace"], exp["revision"]
    job = kinds.get("Job", [None])[0]
    if not check(job, "no Job"):
        return
    job_name = f"{full}-coordinator-{rev}"
    check(job["metadata"]["name"] == job_name, f"Job named {job['metadata']['name']}, expected {job_name}")
    spec = job["spec"]
    check(spec.get("backoffLimit") == 0, f"Job backoffLimit {spec.get('backoffLimit')}, expected 0")
    pod = spec["template"]["spec"]
    check(pod.get("restartPolicy") == "Never", "Job restartPolicy is not Never")
    pod_labels = spec["template"]["metadata"]["labels"]
    check(not all(pod_labels.get(k) == v for k, v in agent_selector.items()),
          "the coordinator's pod matches the agent Service's selector")
    c = pod["containers"][0]
    check(c.get("image") == exp["image"], f"coordinator image {c.get('image')}")
    check_security(pod, c, "coordinator", exp)
    cmd, args = c.get("command", []), c.get("args", [])
    check(cmd[:2] == ["/bin/sh", "-c"] and len(cmd) == 4, f"coordinator command is not /bin/sh -c SCRIPT NAME: {cmd[:2]}")
    script = cmd[2] if len(cmd) > 2 else ""
    check('rig-coordinator "$@"' in script, "the Job's script does not run rig-coordinator with its arguments")
    check(args and args[0] == "/etc/rig/plan/plan.yaml", f"the plan is not the first argument: {args[:1]}")

    host = f"{full}-agent.{ns}.svc.cluster.local"
    dns = [a for a in args if a.startswith("--agents-dns=")]
    check(dns == [f"--agents-dns={host}:{PORT}"], f"--agents-dns {dns}, expected the headless Service {host}:{PORT}")
    env = env_map(c)
    check(env.get("WAIT_HOST", {}).get("value") == host, f"WAIT_HOST {env.get('WAIT_HOST')}")
    check(env.get("WAIT_AGENTS", {}).get("value") == str(exp["replicas"]),
          f"WAIT_AGENTS {env.get('WAIT_AGENTS')}, expected {exp['replicas']}")
    pw = env.get("RIG_DB_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef", {})
    check(pw == {"name": exp["secret"], "key": "db-password"}, f"RIG_DB_PASSWORD from {pw}")
    check("--set=target.password_env=RIG_DB_PASSWORD" in args, "the plan's password_env is not pinned to RIG_DB_PASSWORD")
    check("RIG_AUTH_TOKEN" not in env, "coordinator: token in the environment")
    for s in exp["target_sets"] + exp.get("extra_sets", []):
        check(f"--set={s}" in args, f"coordinator args lack --set={s}")
    if not exp["target_sets"]:
        check(not [a for a in args if a.startswith("--set=target.") and "password_env" not in a],
              "target overrides passed although none were set")

    # Plan, reports, TLS and token volumes.
    vols, cm = volumes(pod), mounts(c)
    check(vols.get("plan", {}).get("configMap", {}).get("name") == exp["plan_cm"],
          f"plan volume from {vols.get('plan')}, expected ConfigMap {exp['plan_cm']}")
    check(cm.get("plan", {}).get("mountPath") == "/etc/rig/plan", "plan not mounted at /etc/rig/plan")
    check(cm.get("reports", {}).get("mountPath") == "/reports", "reports not mounted at /reports")
    if exp["pvc"]:
        check(vols.get("reports", {}).get("persistentVolumeClaim", {}).get("claimName") == exp["claim"],
              f"reports volume {vols.get('reports')}, expected claim {exp['claim']}")
        pvcs = kinds.get("PersistentVolumeClaim", [])
        if pvcs:
            check(pvcs[0]["metadata"]["name"] == exp["claim"], f"PVC named {pvcs[0]['metadata']['name']}")
            check(pvcs[0]["spec"]["resources"]["requests"]["storage"], "PVC without a size")
    else:
        check("emptyDir" in vols.get("reports", {}), f"reports volume {vols.get('reports')} should be an emptyDir")

    tls = [a for a in args if a.startswith("--tls-")]
    if exp["tls"]:
        want = ["--tls-ca=/etc/rig/tls/ca.crt", f"--tls-server-name={full}-agent.{ns}.svc"]
        if exp["mtls"]:
            want += ["--tls-cert=/etc/rig/tls/tls.crt", "--tls-key=/etc/rig/tls/tls.key"]
        check(tls == want, f"coordinator TLS flags {tls}, expected {want}")
        sec = vols.get("tls", {}).get("secret", {})
        check(sec.get("secretName") == exp["coordinator_tls_secret"], f"coordinator TLS Secret {sec.get('secretName')}")
        keys = [i["key"] for i in sec.get("items", [])]
        check(keys == (["tls.crt", "tls.key", "ca.crt"] if exp["mtls"] else ["ca.crt"]),
              f"coordinator TLS Secret keys {keys} (without mTLS only ca.crt)")
        check(cm.get("tls", {}).get("mountPath") == "/etc/rig/tls", "coordinator: TLS not mounted")
    else:
        check(not tls and "tls" not in vols and "tls" not in cm, f"coordinator uses TLS without TLS values: {tls}")
    check_token(c, pod, args, exp, "coordinator")

    # Every flag the Job gives rig-coordinator (its arguments and the ones
    # its script adds) is one that rig-coordinator --help lists.
    coord_help = help_flags(opts.coordinator_help)
    check(len(coord_help) > 5, f"too few flags in {opts.coordinator_help}: is it rig-coordinator --help?")
    for flag in flags_in(args) + flags_in(re.findall(r"rig-coordinator [^\n]*", script)):
        check(flag in coord_help, f"rig-coordinator has no {flag} (not in rig-coordinator --help)")

    with open(notes_path) as f:
        notes = f.read()
    check(f"logs -f job/{job_name}" in notes, "NOTES.txt does not say how to follow the Job's log")

    # The plan (ConfigMap) with the Job's overrides passes the real binary's
    # `plan validate`; and the Job's script runs under /bin/sh.
    planfile = os.path.join(opts.work, f"{exp['namespace']}-plan.yaml")
    if exp["create_plan"]:
        cms = kinds.get("ConfigMap", [])
        if check(cms and cms[0]["metadata"]["name"] == exp["plan_cm"], f"plan ConfigMap not named {exp['plan_cm']}"):
            text = cms[0]["data"].get("plan.yaml", "")
            plan = yaml.safe_load(text)
            check(isinstance(plan, dict) and plan.get("workload", {}).get("kind"), "plan.yaml has no workload.kind")
            with open(planfile, "w") as f:
                f.write(text)
            sets = [a for a in args if a.startswith("--set=")]
            sets += ['--set=report.json=/reports/x/report.json', '--set=report.html=""',
                     '--set=report.journal=/reports/x/journal.jsonl']
            r = subprocess.run([opts.coordinator, "plan", "validate", planfile] + sets,
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, f"rig-coordinator plan validate of the rendered plan with {sets} failed: "
                  f"{r.stdout}{r.stderr}")
    run_script(script, env, opts, exp)


def run_script(script, env, opts, exp):
    """Runs the Job's script with a stub rig-coordinator: waits for agents
    (localhost resolves), passes arguments, prints the JSON report, keeps
    the exit code, passes SIGTERM on, gives up after WAIT_SECONDS."""
    work = os.path.join(opts.work, "script-" + exp["namespace"])
    os.makedirs(os.path.join(work, "bin"), exist_ok=True)
    stub = os.path.join(work, "bin", "rig-coordinator")
    with open(stub, "w") as f:
        f.write("""#!/bin/sh
printf '%s\\n' "$@" > "$STUB_ARGS"
for a in "$@"; do
  case "$a" in --set=report.json=*) json="${a#--set=report.json=}" ;; esac
done
if [ -n "$STUB_SLEEP" ]; then
  sleep "$STUB_SLEEP" &
  s=$!
  trap 'kill $s 2>/dev/null; echo TERM > "$STUB_ARGS.term"; exit 4' TERM
  : > "$STUB_ARGS.ready"
  wait $s
fi
printf '{"schema_version": 1, "stub": true}' > "$json"
exit "$STUB_RC"
""")
    os.chmod(stub, 0o755)
    base = {
        "PATH": os.path.join(work, "bin") + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
        "WAIT_HOST": "localhost", "WAIT_AGENTS": "1", "WAIT_SECONDS": "30", "WAIT_STABLE_CHECKS": "1",
        "RUN_PREFIX": env.get("RUN_PREFIX", {}).get("value", "x"), "REPORTS_DIR": os.path.join(work, "reports"),
        "REPORT_HTML": env.get("REPORT_HTML", {}).get("value", "true"), "STUB_ARGS": os.path.join(work, "args"),
        "STUB_RC": "1", "STUB_SLEEP": "",
    }
    argv = ["/bin/sh", "-c", script, "rig-run", "/plan.yaml", "--log-level=info"]

    r = subprocess.run(argv, env=base, capture_output=True, text=True, timeout=60)
    check(r.returncode == 1, f"script: exit {r.returncode}, expected rig-coordinator's 1; stderr: {r.stderr}")
    m = re.search(r"^=== BEGIN rig JSON report (\S+) ===\n(.*)\n=== END rig JSON report \1 ===$", r.stdout, re.M | re.S)
    if check(m, f"script: no JSON report between markers in its output: {r.stdout!r}"):
        check(json.loads(m.group(2)).get("stub") is True, "script: the printed report is not the written one")
        check(m.group(1).startswith(base["RUN_PREFIX"] + "-"), f"script: run id {m.group(1)} lacks the prefix")
    with open(base["STUB_ARGS"]) as f:
        got = f.read().splitlines()
    check(got[:2] == ["/plan.yaml", "--log-level=info"], f"script: arguments not passed first: {got}")
    check(any(a.startswith("--run-id=" + base["RUN_PREFIX"]) for a in got), f"script: no --run-id: {got}")
    json_path = [a for a in got if a.startswith("--set=report.json=")]
    check(json_path and json_path[0].startswith("--set=report.json=" + base["REPORTS_DIR"] + "/"),
          f"script: JSON report not under REPORTS_DIR: {json_path}")
    html = [a for a in got if a.startswith("--set=report.html=")]
    check(html and html[0].endswith('/report.html"'), f"script: HTML report path {html}")
    journal = [a for a in got if a.startswith("--set=report.journal=")]
    expected_journal = json_path[0].replace("--set=report.json=", "--set=report.journal=")
    expected_journal = expected_journal[: expected_journal.rfind("/")] + "/journal.jsonl"
    check(journal == [expected_journal],
          f"script: the run journal is not next to the JSON report: {journal} {json_path}")

    # HTML off: the plan's html path is overridden with an empty string.
    r = subprocess.run(argv, env=dict(base, REPORT_HTML="false", STUB_RC="0"), capture_output=True, text=True, timeout=60)
    with open(base["STUB_ARGS"]) as f:
        got = f.read().splitlines()
    check(r.returncode == 0 and '--set=report.html=""' in got, f"script with REPORT_HTML=false: {r.returncode} {got}")

    # Not enough agents: gives up with 4 after WAIT_SECONDS, naming the count.
    t0 = time.monotonic()
    r = subprocess.run(argv, env=dict(base, WAIT_AGENTS="99", WAIT_SECONDS="0"), capture_output=True, text=True, timeout=60)
    check(r.returncode == 4 and "of 99 agents ready" in r.stderr,
          f"script with too few agents: exit {r.returncode}, stderr {r.stderr!r}; expected 4 and a count")
    check(time.monotonic() - t0 < 10, "script with WAIT_SECONDS=0 did not give up at once")

    # SIGTERM while waiting for agents ends the wait (PID 1 must trap it).
    if exp["namespace"] == "rig":  # once is enough: it takes up to 5 s
        p = subprocess.Popen(argv, env=dict(base, WAIT_AGENTS="99", WAIT_SECONDS="60"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        check(p.returncode == 4 and "stopped while waiting" in err,
              f"script: SIGTERM while waiting: exit {p.returncode}, stderr {err!r}; expected 4")

    # SIGTERM reaches rig-coordinator, whose exit code is the Job's.
    for suffix in (".term", ".ready"):
        try:
            os.remove(base["STUB_ARGS"] + suffix)
        except FileNotFoundError:
            pass
    p = subprocess.Popen(argv, env=dict(base, STUB_SLEEP="30"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(base["STUB_ARGS"] + ".ready") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check(os.path.exists(base["STUB_ARGS"] + ".term"), "script: SIGTERM was not passed to rig-coordinator")
    check(p.returncode == 4, f"script after SIGTERM: exit {p.returncode}, expected rig-coordinator's 4")


def values_keys(node, prefix=""):
    """Dotted paths of every key of a values mapping."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{prefix}.{k}" if prefix else str(k)
            out.append(p)
            out += values_keys(v, p)
    return out


def check_values(chart):
    """values.yaml documents every key; templates use only keys that exist,
    and every key is used; the README's table names every key."""
    with open(os.path.join(chart, "values.yaml")) as f:
        text = f.read()
    values = yaml.safe_load(text)
    keys = values_keys(values)

    # Every key line has a comment line right above it (or is under a
    # mapping/list whose documentation covers it: resources, securityContext...).
    lines = text.splitlines()
    free_form = ("podSecurityContext.", "securityContext.", "agents.resources.", "coordinator.resources.",
                 "reports.persistence.accessModes")
    stack = []
    block_indent = None  # inside a block scalar (key: |) indented deeper than this
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        m = re.match(r"^( *)([A-Za-z][A-Za-z0-9_]*):", line)
        if not m:
            continue
        if re.search(r":\s*[|>][-+0-9]*\s*$", line):
            block_indent = indent
        depth = len(m.group(1)) // 2
        stack = stack[:depth] + [m.group(2)]
        path = ".".join(stack)
        if any(path.startswith(p) for p in free_form):
            continue
        prev = lines[i - 1].strip() if i > 0 else ""
        check(prev.startswith("#"), f"values.yaml:{i + 1}: {path} has no comment above it")

    # .Values references in the templates.
    used = set()
    tdir = os.path.join(chart, "templates")
    for name in sorted(os.listdir(tdir)):
        with open(os.path.join(tdir, name)) as f:
            t = f.read()
        for m in re.finditer(r"\.Values\.([A-Za-z0-9_.]+)", t):
            ref = m.group(1).rstrip(".")
            used.add(ref)
            check(ref in keys, f"templates/{name}: .Values.{ref} is not in values.yaml")
        # `$c := .Values.coordinator` then `$c.x`
        for m in re.finditer(r"\$c\.([A-Za-z0-9_.]+)", t):
            used.add("coordinator." + m.group(1))
            check("coordinator." + m.group(1) in keys, f"templates/{name}: $c.{m.group(1)} is not in values.yaml")
    leaves = [k for k in keys if not isinstance(lookup(values, k), dict) or not lookup(values, k)]
    for k in leaves:
        covered = any(k == u or k.startswith(u + ".") for u in used)
        check(covered, f"values.yaml: {k} is not used by any template")

    with open(os.path.join(chart, "README.md")) as f:
        readme = f.read()
    for k in leaves:
        if any(k.startswith(p) for p in free_form):
            k = next(p.rstrip(".") for p in free_form if k.startswith(p))
        check(f"`{k}`" in readme, f"README.md: the values table does not mention `{k}`")


def lookup(values, path):
    node = values
    for part in path.split("."):
        node = node[part]
    return node


METRICS_PORT = 9464  # metrics.port's default


def exported_metrics(coordinator):
    """{name: type} of every metric the rig exports, from the binary's own
    table (`rig-coordinator metrics reference`), not a copy kept here."""
    r = subprocess.run([coordinator, "metrics", "reference"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"rig-coordinator metrics reference exited {r.returncode}: {r.stderr}")
    out = {}
    for m in re.finditer(r"^\| `(rig_[a-z0-9_]+)` \| (counter|gauge|histogram) \|", r.stdout, re.M):
        out[m.group(1)] = m.group(2)
    check(len(out) > 5, f"rig-coordinator metrics reference listed {len(out)} metrics")
    return out


def check_dashboard(path, coordinator):
    """The dashboard parses as JSON, has panels with queries, and every
    metric a query names is one the rig exports."""
    exported = exported_metrics(coordinator)
    try:
        with open(path) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        check(False, f"{path} does not parse as JSON: {e}")
        return
    panels = dash.get("panels", [])
    check(panels, "the dashboard has no panels")
    queried = set()
    for p in panels:
        exprs = [t.get("expr", "") for t in p.get("targets", [])]
        check(exprs and all(exprs), f"panel {p.get('title')!r}: a target without a query")
        for e in exprs:
            for name in re.findall(r"\b(rig_[a-z0-9_]+)", e):
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if base != name and exported.get(base) == "histogram":
                    name = base
                queried.add(name)
                check(name in exported, f"panel {p.get('title')!r} queries {name}, which the rig does not export")
    for want in ("rig_operations_total", "rig_operation_duration_seconds", "rig_errors_total",
                 "rig_breaker_state", "rig_agents"):
        check(want in queried, f"no panel shows {want}")


def check_metrics(rendered, dashboard_path, agent_help, coordinator_help):
    """render_test.sh's metrics values: metrics.enabled with a ServiceMonitor,
    metrics.from and extra labels."""
    with open(rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    kinds = by_kind(docs)
    for flag, helpfile in (("--metrics-listen", agent_help), ("--metrics-listen", coordinator_help),
                           ("--metrics-linger", coordinator_help)):
        with open(helpfile) as f:
            check(flag in f.read(), f"{flag} is not in {helpfile}")

    def pod_checks(what, pod_template, container, args):
        ann = pod_template["metadata"].get("annotations", {})
        check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(METRICS_PORT)
              and ann.get("prometheus.io/path") == "/metrics", f"{what}: scrape annotations {ann}")
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        check(ports.get("metrics") == METRICS_PORT, f"{what}: container ports {ports}")
        check(f"--metrics-listen=0.0.0.0:{METRICS_PORT}" in args, f"{what}: no --metrics-listen in {args}")

    sts = kinds.get("StatefulSet", [None])[0]
    if check(sts, "no StatefulSet"):
        c = sts["spec"]["template"]["spec"]["containers"][0]
        pod_checks("agents", sts["spec"]["template"], c, c["args"])
    job = kinds.get("Job", [None])[0]
    if check(job, "no Job"):
        c = job["spec"]["template"]["spec"]["containers"][0]
        pod_checks("coordinator", job["spec"]["template"], c, c["args"])
        check("--metrics-linger=30s" in c["args"], f"coordinator: no --metrics-linger=30s in {c['args']}")

    services = [s for s in kinds.get("Service", []) if s["metadata"]["labels"].get("tidb-test-rig/metrics") == "true"]
    components = sorted(s["spec"]["selector"].get("app.kubernetes.io/component") for s in services)
    check(components == ["agent", "coordinator"], f"metrics Services select {components}")
    for s in services:
        check(s["spec"].get("publishNotReadyAddresses") is True,
              f"Service {s['metadata']['name']}: busy agents are not ready, so not-ready addresses must be published")
        check([(p["name"], p["port"]) for p in s["spec"]["ports"]] == [("metrics", METRICS_PORT)],
              f"Service {s['metadata']['name']}: ports {s['spec']['ports']}")

    sms = kinds.get("ServiceMonitor", [])
    if check(len(sms) == 1, f"{len(sms)} ServiceMonitors rendered, expected 1"):
        sm = sms[0]
        check(sm["apiVersion"] == "monitoring.coreos.com/v1", f"ServiceMonitor apiVersion {sm['apiVersion']}")
        check(sm["metadata"]["labels"].get("release") == "prometheus", "ServiceMonitor: metrics.serviceMonitor.labels missing")
        sel = sm["spec"]["selector"]["matchLabels"]
        for s in services:
            check(all(s["metadata"]["labels"].get(k) == v for k, v in sel.items()),
                  f"ServiceMonitor selector {sel} does not select Service {s['metadata']['name']}")
        check([e["port"] for e in sm["spec"]["endpoints"]] == ["metrics"], f"ServiceMonitor endpoints {sm['spec']['endpoints']}")

    cms = [c for c in kinds.get("ConfigMap", []) if c["metadata"]["labels"].get("grafana_dashboard") == "1"]
    if check(len(cms) == 1, f"{len(cms)} ConfigMaps with grafana_dashboard: \"1\", expected 1"):
        data = cms[0]["data"]
        check(list(data) == ["tidb-test-rig.json"], f"dashboard ConfigMap keys {list(data)}")
        with open(dashboard_path) as f:
            want = json.load(f)
        try:
            check(json.loads(data.get("tidb-test-rig.json", "")) == want,
                  "the dashboard ConfigMap does not hold dashboards/tidb-test-rig.json")
        except ValueError as e:
            check(False, f"the dashboard ConfigMap's JSON does not parse: {e}")

    for np in kinds.get("NetworkPolicy", []):
        rules = [r for r in np["spec"]["ingress"] if any(p.get("port") == METRICS_PORT for p in r.get("ports", []))]
        check(len(rules) == 1 and rules[0].get("from") == [{"podSelector": {"matchLabels": {"app": "prometheus"}}}],
              f"NetworkPolicy: the metrics port's rule is {rules}, expected one from metrics.from")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("manifests")
    m.add_argument("case", choices=sorted(CASES))
    m.add_argument("rendered")
    m.add_argument("notes")
    m.add_argument("--agent-help", required=True)
    m.add_argument("--coordinator-help", required=True)
    m.add_argument("--coordinator", required=True)
    m.add_argument("--work", required=True)
    mt = sub.add_parser("metrics")
    mt.add_argument("rendered")
    mt.add_argument("dashboard")
    mt.add_argument("--agent-help", required=True)
    mt.add_argument("--coordinator-help", required=True)
    d = sub.add_parser("dashboard")
    d.add_argument("dashboard")
    d.add_argument("--coordinator", required=True)
    v = sub.add_parser("values")
    v.add_argument("chart")
    t = sub.add_parser("token")
    t.add_argument("rendered")
    t.add_argument("expected")
    t.add_argument("--what", default="token")
    opts = ap.parse_args()
    if opts.mode == "manifests":
        check_manifests(opts.case, opts.rendered, opts.notes, opts)
        what = f"{opts.case}: rendered manifests"
    elif opts.mode == "token":
        with open(opts.rendered) as f:
            secrets = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "Secret"]
        if check(len(secrets) == 1, f"{len(secrets)} Secrets rendered, expected 1"):
            check_secret_token(secrets[0], opts.expected)
        what = opts.what
    elif opts.mode == "metrics":
        check_metrics(opts.rendered, opts.dashboard, opts.agent_help, opts.coordinator_help)
        what = "metrics: rendered manifests"
    elif opts.mode == "dashboard":
        check_dashboard(opts.dashboard, opts.coordinator)
        what = "dashboard: JSON, and only metrics the rig exports"
    else:
        check_values(opts.chart)
        what = "values.yaml / README.md"
    for f in FAILURES:
        print(f"FAIL {what}: {f}")
    if FAILURES:
        return 1
    print(f"ok   {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
