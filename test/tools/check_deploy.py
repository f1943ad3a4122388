#!/usr/bin/env python3
"""check_deploy.py - structural checks of the shipped deployment files.

Parses examples/docker-compose.ebpf.yml, deploy/kubernetes/*.yaml and Containerfile and
checks what must hold for huginn to work: capabilities, namespaces, the shared bpffs,
health checks that run in scratch images, labels and selectors, probes, resources.
Prints one TAP-like line per check ("ok - NAME: what" / "not ok - NAME: what").
With --extract-configs DIR it also writes the ConfigMap's config.toml there, so the
caller can run `huginn-proxy -t` on it.  Exit status 1 when any check failed.
"""
import os
import re
import sys

import yaml

NAME = "t_deploy_files"
failures = 0


def check(cond, desc, detail=None):
    global failures
    if cond:
        print(f"ok - {NAME}: {desc}")
    else:
        failures += 1
        print(f"not ok - {NAME}: {desc}")
        if detail is not None:
            print(f"#   {detail}")
    return bool(cond)


def agent_env_names(top):
    """The HUGINN_EBPF_* names the agent reads, from agent/cfg.h (the one list)."""
    with open(os.path.join(top, "agent", "cfg.h")) as f:
        names = set(re.findall(r'#define\s+AGENT_CFG_ENV_\w+\s+"(HUGINN_EBPF_\w+)"', f.read()))
    if not names:
        raise SystemExit("check_deploy: no AGENT_CFG_ENV_* names in agent/cfg.h")
    return names


def parse_containerfile(path):
    """Stages of a Containerfile: {name: {"from": base, "copy": [dest...], "user": u,
    "entrypoint": [...]}}.  Only the instructions we use."""
    stages = {}
    cur = None
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            m = re.match(r"(\S+)\s+AS\s+(\S+)", rest, re.I)
            if m:
                cur = {"from": m.group(1), "copy": [], "user": None, "entrypoint": None,
                       "run": False}
                stages[m.group(2)] = cur
        elif cur is None:
            continue
        elif word in ("COPY", "ADD"):
            args = [a for a in rest.split() if not a.startswith("--")]
            cur["copy"].append(args[-1])
            if word == "ADD":
                cur["run"] = True  # ADD may fetch URLs: not allowed here
        elif word == "USER":
            cur["user"] = rest.strip()
        elif word == "ENTRYPOINT":
            cur["entrypoint"] = yaml.safe_load(rest)
        elif word == "RUN":
            cur["run"] = True
    return stages


def check_containerfile(top):
    stages = parse_containerfile(os.path.join(top, "Containerfile"))
    for target, binary in (("agent", "/huginn-ebpf-agent"), ("proxy", "/huginn-proxy")):
        st = stages.get(target)
        if not check(st is not None, f"Containerfile has a stage '{target}'"):
            continue
        check(st["from"] == "scratch", f"Containerfile stage {target} is FROM scratch",
              f"FROM {st['from']}")
        check(not st["run"], f"Containerfile stage {target} has no RUN/ADD (offline, static)")
        check(binary in st["copy"], f"Containerfile stage {target} copies {binary}", st["copy"])
        check(st["entrypoint"] and st["entrypoint"][0] == binary,
              f"Containerfile stage {target} ENTRYPOINT is {binary}", st["entrypoint"])
    proxy = stages.get("proxy")
    if proxy:
        user = (proxy["user"] or "").split(":")[0]
        check(user not in ("", "0", "root"), "Containerfile proxy stage runs as a non-root USER",
              proxy["user"])
        check("/etc/huginn/config.toml" in proxy["copy"],
              "Containerfile proxy stage carries /etc/huginn/config.toml")
    return stages


def caps(lst):
    """Normalise capability names: "CAP_BPF" and "bpf" both become "BPF"."""
    out = set()
    for c in lst or []:
        c = str(c).upper()
        out.add(c[4:] if c.startswith("CAP_") else c)
    return out


def volume_binds(svc):
    """(source, target, read_only) of a compose service's bind volumes, both syntaxes."""
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, str):
            parts = v.split(":")
            ro = len(parts) > 2 and "ro" in parts[2].split(",")
            out.append((parts[0], parts[1] if len(parts) > 1 else parts[0], ro))
        elif isinstance(v, dict) and v.get("type", "volume") == "bind":
            out.append((v.get("source"), v.get("target"), bool(v.get("read_only"))))
    return out


def check_healthcheck(svc, name, binary, first_arg):
    hc = svc.get("healthcheck") or {}
    test = hc.get("test")
    # Scratch images have no shell: only the exec form ["CMD", ...] can work.
    check(isinstance(test, list) and len(test) >= 2 and test[0] == "CMD",
          f"compose {name} healthcheck uses the exec form (no shell in scratch)", test)
    if isinstance(test, list) and len(test) >= 3:
        check(test[1] == binary and test[2] == first_arg,
              f"compose {name} healthcheck runs '{binary} {first_arg}'", test)


def check_compose(top, stages, env_names):
    path = os.path.join(top, "examples", "docker-compose.ebpf.yml")
    base = os.path.dirname(path)
    with open(path) as f:
        doc = yaml.safe_load(f)
    svcs = doc.get("services") or {}
    for s in ("proxy", "agent", "backend"):
        check(s in svcs, f"compose has service '{s}'")
    agent, proxy = svcs.get("agent", {}), svcs.get("proxy", {})

    check(agent.get("network_mode") == "service:proxy",
          "compose agent shares the proxy's network namespace", agent.get("network_mode"))
    check("ports" not in agent, "compose agent publishes no ports")
    check(caps(agent.get("cap_add")) == {"BPF", "NET_ADMIN", "PERFMON"},
          "compose agent has exactly CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON",
          agent.get("cap_add"))
    check(not agent.get("privileged"), "compose agent is not privileged")
    sec = [str(s).replace("=", ":") for s in agent.get("security_opt") or []]
    check("seccomp:unconfined" in sec and "apparmor:unconfined" in sec,
          "compose agent has seccomp:unconfined and apparmor:unconfined", sec)
    check(caps(proxy.get("cap_add")) == {"BPF"}, "compose proxy adds CAP_BPF only",
          proxy.get("cap_add"))
    check("ALL" in caps(proxy.get("cap_drop")), "compose proxy drops all other capabilities",
          proxy.get("cap_drop"))
    check(not proxy.get("privileged"), "compose proxy is not privileged")

    # One bpffs shared by both: the same host directory, read-only for the proxy.
    ab = [b for b in volume_binds(agent) if b[1] and b[1].startswith("/sys/fs/bpf")]
    pb = [b for b in volume_binds(proxy) if b[1] and b[1].startswith("/sys/fs/bpf")]
    check(ab and not ab[0][2], "compose agent mounts the host bpffs read-write", ab)
    check(pb and pb[0][2], "compose proxy mounts the host bpffs read-only", pb)
    check(ab and pb and ab[0][0] == pb[0][0] == "/sys/fs/bpf",
          "compose agent and proxy share the host's /sys/fs/bpf", (ab, pb))
    env = agent.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    unknown = sorted(set(env) - env_names)
    check(not unknown, "compose agent environment names only variables the agent reads", unknown)
    for req in ("HUGINN_EBPF_INTERFACE", "HUGINN_EBPF_DST_PORT"):
        check(req in env and str(env[req]) != "", f"compose agent sets {req}")
    pin = str(env.get("HUGINN_EBPF_PIN_PATH", "/sys/fs/bpf/huginn"))
    check(pin.startswith("/sys/fs/bpf/"), "compose agent pin path is on the shared bpffs", pin)

    check_healthcheck(agent, "agent", "/huginn-ebpf-agent", "--health")
    check_healthcheck(proxy, "proxy", "/huginn-proxy", "health")
    check("healthcheck" in svcs.get("backend", {}), "compose backend has a healthcheck")

    for name, target in (("agent", "agent"), ("proxy", "proxy")):
        b = svcs.get(name, {}).get("build") or {}
        ctx = os.path.normpath(os.path.join(base, b.get("context", ".")))
        cf = os.path.join(ctx, b.get("dockerfile", "Dockerfile"))
        check(os.path.isfile(cf), f"compose {name} builds from an existing Containerfile", cf)
        check(b.get("target") == target and target in stages,
              f"compose {name} builds the Containerfile target '{target}'", b.get("target"))
        check(str(svcs.get(name, {}).get("image", "")) != "", f"compose {name} names its image")
    for sname, svc in svcs.items():
        for src, _, _ in volume_binds(svc):
            if src and src.startswith("."):
                check(os.path.exists(os.path.join(base, src)),
                      f"compose {sname} bind source {src} exists")
    return [os.path.normpath(os.path.join(base, src)) for src, tgt, _ in volume_binds(proxy)
            if tgt == "/etc/huginn/config.toml"]


def containers(obj):
    return obj["spec"]["template"]["spec"].get("containers") or []


def sec(ctr, pod, key):
    """A securityContext field, container level first, then pod level."""
    return (ctr.get("securityContext") or {}).get(key, (pod.get("securityContext") or {}).get(key))


def check_kubernetes(top, env_names, outdir):
    kdir = os.path.join(top, "deploy", "kubernetes")
    objs = {}
    files = sorted(f for f in os.listdir(kdir) if f.endswith((".yaml", ".yml")))
    for fn in files:
        if fn == "kustomization.yaml":
            continue
        with open(os.path.join(kdir, fn)) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        for d in docs:
            ok = check(all(k in d for k in ("apiVersion", "kind", "metadata"))
                       and d["metadata"].get("name"),
                       f"k8s {fn}: {d.get('kind')} has apiVersion, kind, metadata.name")
            if ok:
                objs[(d["kind"], d["metadata"]["name"])] = (fn, d)
    kinds = {k for k, _ in objs}
    for k in ("Namespace", "DaemonSet", "Deployment", "Service", "HorizontalPodAutoscaler",
              "ConfigMap"):
        check(k in kinds, f"k8s has a {k}")
    ns = [n for k, n in objs if k == "Namespace"]
    for (kind, name), (fn, d) in objs.items():
        if kind in ("Namespace", "Kustomization"):
            continue
        check(d["metadata"].get("namespace") in ns, f"k8s {kind}/{name} is in our namespace",
              d["metadata"].get("namespace"))
    # kustomization.yaml lists every manifest.
    kpath = os.path.join(kdir, "kustomization.yaml")
    if check(os.path.isfile(kpath), "k8s kustomization.yaml exists"):
        with open(kpath) as f:
            listed = set((yaml.safe_load(f) or {}).get("resources") or [])
        check(listed == set(files) - {"kustomization.yaml"},
              "k8s kustomization.yaml lists every manifest", sorted(listed))

    def workload(kind):
        return [(n, d) for (k, n), (_, d) in objs.items() if k == kind]

    for kind in ("DaemonSet", "Deployment"):
        for name, d in workload(kind):
            sel = (d["spec"].get("selector") or {}).get("matchLabels") or {}
            labels = d["spec"]["template"]["metadata"].get("labels") or {}
            check(sel and all(labels.get(k) == v for k, v in sel.items()),
                  f"k8s {kind}/{name} selector matches its pod labels", (sel, labels))
            for c in containers(d):
                r = c.get("resources") or {}
                req, lim = r.get("requests") or {}, r.get("limits") or {}
                check(req.get("cpu") and req.get("memory") and lim.get("memory"),
                      f"k8s {kind}/{name} container {c.get('name')} has cpu/memory requests "
                      f"and a memory limit", r)
                check(c.get("image"), f"k8s {kind}/{name} container {c.get('name')} has an image")

    # The agent: one per node, host network, the three capabilities, unconfined seccomp.
    for name, d in workload("DaemonSet"):
        pod = d["spec"]["template"]["spec"]
        check(pod.get("hostNetwork") is True, f"k8s DaemonSet/{name} uses hostNetwork")
        check(pod.get("tolerations"), f"k8s DaemonSet/{name} has tolerations")
        hp = [v for v in pod.get("volumes") or []
              if (v.get("hostPath") or {}).get("path") == "/sys/fs/bpf"]
        check(hp, f"k8s DaemonSet/{name} mounts the host's /sys/fs/bpf")
        # The handover (docs/agent.md): the new agent must start before the old one gets
        # SIGTERM, or the old one detaches and SYNs go unrecorded until the new attach.
        ru = ((d["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {})
        check(str(ru.get("maxUnavailable")) == "0" and str(ru.get("maxSurge", 0)) not in ("0", ""),
              f"k8s DaemonSet/{name} rolls out by surge (maxSurge >= 1, maxUnavailable 0): "
              "the new agent takes over in place", ru)
        for c in containers(d):
            cap = (sec(c, pod, "capabilities") or {})
            check(caps(cap.get("add")) == {"BPF", "NET_ADMIN", "PERFMON"},
                  f"k8s DaemonSet/{name} adds exactly BPF, NET_ADMIN, PERFMON", cap.get("add"))
            check("ALL" in caps(cap.get("drop")), f"k8s DaemonSet/{name} drops ALL other caps")
            check(not sec(c, pod, "privileged"), f"k8s DaemonSet/{name} is not privileged")
            check((sec(c, pod, "seccompProfile") or {}).get("type") == "Unconfined",
                  f"k8s DaemonSet/{name} runs with seccomp Unconfined")
            env = {e["name"]: e.get("value") for e in c.get("env") or []}
            unknown = sorted(set(env) - env_names)
            check(not unknown, f"k8s DaemonSet/{name} env names only variables the agent reads",
                  unknown)
            for req in ("HUGINN_EBPF_INTERFACE", "HUGINN_EBPF_DST_PORT"):
                check(env.get(req) not in (None, ""), f"k8s DaemonSet/{name} sets {req}")
            check(all(isinstance(v, str) for v in env.values()),
                  f"k8s DaemonSet/{name} env values are strings")
            mounts = [m for m in c.get("volumeMounts") or [] if m.get("mountPath") == "/sys/fs/bpf"]
            check(mounts and not mounts[0].get("readOnly"),
                  f"k8s DaemonSet/{name} mounts bpffs read-write at /sys/fs/bpf")
            check(not c.get("ports"), f"k8s DaemonSet/{name} exposes no ports")

    # The proxy: CAP_BPF only, RuntimeDefault, non-root, bpffs read-only, probes.
    cms = {n: d for n, d in workload("ConfigMap")}
    deps = workload("Deployment")
    for name, d in deps:
        pod = d["spec"]["template"]["spec"]
        check((pod.get("securityContext") or {}).get("runAsNonRoot") is True,
              f"k8s Deployment/{name} pods run as non-root")
        for c in containers(d):
            cap = (sec(c, pod, "capabilities") or {})
            check(caps(cap.get("add")) == {"BPF"}, f"k8s Deployment/{name} adds CAP_BPF only",
                  cap.get("add"))
            check("ALL" in caps(cap.get("drop")), f"k8s Deployment/{name} drops ALL other caps")
            check((sec(c, pod, "seccompProfile") or {}).get("type") == "RuntimeDefault",
                  f"k8s Deployment/{name} runs with seccomp RuntimeDefault")
            check(sec(c, pod, "allowPrivilegeEscalation") is False,
                  f"k8s Deployment/{name} forbids privilege escalation")
            ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
            for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
                hg = (c.get(probe) or {}).get("httpGet") or {}
                check(hg.get("path") == path and (hg.get("port") in ports
                                                  or hg.get("port") in ports.values()),
                      f"k8s Deployment/{name} {probe} is GET {path} on a declared port", hg)
            vols = {v["name"]: v for v in pod.get("volumes") or []}
            bpf = [m for m in c.get("volumeMounts") or []
                   if (vols.get(m["name"], {}).get("hostPath") or {}).get("path", "")
                   .startswith("/sys/fs/bpf")]
            check(bpf and all(m.get("readOnly") for m in bpf),
                  f"k8s Deployment/{name} mounts bpffs read-only", bpf)
            for m in c.get("volumeMounts") or []:
                v = vols.get(m["name"])
                check(v is not None, f"k8s Deployment/{name} mount {m['name']} has a volume")
                if v and "configMap" in v:
                    cm = cms.get(v["configMap"]["name"])
                    check(cm is not None and "config.toml" in (cm.get("data") or {}),
                          f"k8s Deployment/{name} ConfigMap {v['configMap']['name']} "
                          f"exists with config.toml")
                    if cm is not None and outdir:
                        with open(os.path.join(outdir, f"configmap-{name}.toml"), "w") as f:
                            f.write(cm["data"].get("config.toml", ""))
            args = c.get("args") or ["/etc/huginn/config.toml"]
            check(any(os.path.dirname(args[0]) == m.get("mountPath")
                      and "configMap" in vols.get(m["name"], {})
                      for m in c.get("volumeMounts") or []),
                  f"k8s Deployment/{name} config file {args[0]} comes from the ConfigMap")

    dep_labels = {n: d["spec"]["template"]["metadata"].get("labels") or {} for n, d in deps}
    dep_ports = {n: {p.get("name"): p.get("containerPort") for c in containers(d)
                     for p in c.get("ports") or []} for n, d in deps}
    for name, d in workload("Service"):
        sel = d["spec"].get("selector") or {}
        hit = [n for n, lab in dep_labels.items()
               if sel and all(lab.get(k) == v for k, v in sel.items())]
        check(hit, f"k8s Service/{name} selector matches a Deployment's pods", sel)
        for p in d["spec"].get("ports") or []:
            tp = p.get("targetPort")
            check(any(tp in ps or tp in ps.values() for n, ps in dep_ports.items() if n in hit),
                  f"k8s Service/{name} port {p.get('name')} targets a declared container port")
        check(d["spec"].get("externalTrafficPolicy") == "Local",
              f"k8s Service/{name} keeps client addresses (externalTrafficPolicy Local)")
    for name, d in workload("HorizontalPodAutoscaler"):
        ref = d["spec"].get("scaleTargetRef") or {}
        check(ref.get("kind") == "Deployment" and ref.get("name") in dict(deps),
              f"k8s HorizontalPodAutoscaler/{name} targets our Deployment", ref)
        check(1 <= d["spec"].get("minReplicas", 1) <= d["spec"].get("maxReplicas", 0),
              f"k8s HorizontalPodAutoscaler/{name} has 1 <= minReplicas <= maxReplicas")


def main():
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    outdir = None
    if len(sys.argv) == 3 and sys.argv[1] == "--extract-configs":
        outdir = sys.argv[2]
    env_names = agent_env_names(top)
    stages = check_containerfile(top)
    configs = check_compose(top, stages, env_names)
    if outdir:
        with open(os.path.join(outdir, "compose-configs"), "w") as f:
            f.write("\n".join(configs) + "\n")
    check_kubernetes(top, env_names, outdir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
