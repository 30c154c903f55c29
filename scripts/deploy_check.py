"""`make deploy-check`: the container image and the Kubernetes manifests, checked offline.

- Every kustomization under deploy/k8s (the base and each overlay) renders with `kubectl kustomize`, and
  every object it renders is valid against the Kubernetes schemas (kubernetes-validate, strict).
- The image and the cluster start the servers as `make run` does: the Dockerfile's entrypoint is
  scripts/processes.py, and each Deployment's arguments are ones that file turns into the very commands
  make run's launcher starts (scripts/processes.py: rasa_server_command / action_server_command).
- What a deployment needs is there: non-root user, healthcheck and pinned base image in the Dockerfile;
  resources, probes on the ports the servers listen on, a grace period longer than the drain, passwords
  and tokens only from Secrets, Services, PDBs and HPAs that point at existing Deployments, an Ingress with
  socket.io session affinity; the endpoints ConfigMap is the scale-out profile's endpoints file.
"""
from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.processes import server_command  # noqa: E402

K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"
IMAGE = "support-assistant"
SECRET_WORDS = re.compile(r"PASSWORD|TOKEN|SECRET|AES_KEY|REDIS_URL", re.IGNORECASE)


def kustomizations(root: Path = K8S) -> List[Path]:
    return sorted(p.parent for p in root.rglob("kustomization.yaml"))


def render(directory: Path) -> List[dict]:
    out = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory.relative_to(ROOT)}: {out.stderr.strip()}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def schema_problems(docs: List[dict], validator: str) -> List[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump_all(docs, f)
        f.flush()
        out = subprocess.run([validator, "--strict", "--quiet", "-k", KUBERNETES_VERSION, f.name],
                             capture_output=True, text=True, timeout=300)
    return [] if out.returncode == 0 else [f"schema: {line}" for line in (out.stdout + out.stderr).splitlines()
                                           if line.strip()]


# ------------------------------------------------------------------------------------------ the Dockerfile
def dockerfile_problems(text: str) -> List[str]:
    problems = []
    lines = [ln.strip() for ln in re.sub(r"\\\n", " ", text).splitlines() if ln.strip() and not ln.startswith("#")]
    froms = [ln for ln in lines if ln.upper().startswith("FROM ")]
    if len(froms) < 2:
        problems.append("Dockerfile: not multi-stage (one FROM)")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    for ln in froms:
        image = ln.split()[1]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        if ":" not in image or image.endswith(":latest"):
            problems.append(f"Dockerfile: base image {image} is not pinned to a version")
    users = [ln.split(None, 1)[1] for ln in lines if ln.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("0", "root"):
        problems.append("Dockerfile: the image runs as root (no non-root USER last)")
    if not any(ln.upper().startswith("HEALTHCHECK ") for ln in lines):
        problems.append("Dockerfile: no HEALTHCHECK")
    entry = [ln for ln in lines if ln.upper().startswith("ENTRYPOINT ")]
    if not entry or json.loads(entry[-1].split(None, 1)[1]) != ["python", "scripts/processes.py"]:
        problems.append('Dockerfile: ENTRYPOINT must be ["python", "scripts/processes.py"], the start commands\' home')
    cmd = [json.loads(ln.split(None, 1)[1]) for ln in lines if ln.upper().startswith("CMD ")]
    if cmd and started(cmd[-1]) is None:
        problems.append(f"Dockerfile CMD: {not_a_server(cmd[-1])}")
    return problems


def started(args: List[str]) -> Optional[List[str]]:
    """The command scripts/processes.py runs for these arguments (the one make run starts), or None when
    they are not `rasa ...` or `actions ...`."""
    try:
        return server_command(args, environ={})
    except (SystemExit, ValueError):
        return None


def not_a_server(args: List[str]) -> str:
    return f"{shlex.join(args)} is not `rasa ...` or `actions ...` of scripts/processes.py"


def makefile_problems(makefile: str, run_py: str) -> List[str]:
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    problems = []
    if not recipe or "scripts/run.py" not in recipe.group(1):
        problems.append("Makefile: `make run` does not start scripts/run.py")
    for name in ("rasa_server_command", "action_server_command"):
        if name not in run_py:
            problems.append(f"scripts/run.py does not start its servers with scripts/processes.py's {name}")
    return problems


# ------------------------------------------------------------------------------------------ the manifests
def _port_names(container: dict) -> Dict[str, int]:
    return {p.get("name"): p["containerPort"] for p in container.get("ports") or []}


def _probe_port(probe: dict, names: Dict[str, int]) -> Optional[int]:
    handler = probe.get("httpGet") or probe.get("tcpSocket")
    if not handler:
        return None
    port = handler.get("port")
    return names.get(port) if isinstance(port, str) else port


def manifest_problems(docs: List[dict], endpoints_file: Optional[str] = None,
                      scaleout_endpoints: Optional[str] = None) -> List[str]:
    problems: List[str] = []
    by_kind: Dict[str, Dict[str, dict]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    workloads = {**by_kind.get("Deployment", {}), **by_kind.get("StatefulSet", {})}
    for name, w in workloads.items():
        spec = w["spec"]["template"]["spec"]
        for c in spec["containers"]:
            where = f"{w['kind']} {name}/{c['name']}"
            names = _port_names(c)
            resources = c.get("resources") or {}
            if not (resources.get("requests", {}).get("memory") and resources.get("limits", {}).get("memory")
                    and resources.get("requests", {}).get("cpu")):
                problems.append(f"{where}: needs cpu and memory requests and a memory limit")
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in c:
                    problems.append(f"{where}: no {probe}")
                elif c[probe].get("httpGet") or c[probe].get("tcpSocket"):
                    if _probe_port(c[probe], names) not in names.values():
                        problems.append(f"{where}: {probe} is not on a port the container listens on")
            for env in c.get("env") or []:
                if SECRET_WORDS.search(env["name"]) and "value" in env and env["value"]:
                    problems.append(f"{where}: {env['name']} is written in the manifest; take it from a Secret")
            if c.get("image", "").split(":")[0] == IMAGE:
                args = c.get("args") or []
                cmd = started(args)
                if cmd is None:
                    problems.append(f"{where}: {not_a_server(args)}")
                elif (listens := int(cmd[cmd.index("--port") + 1])) not in names.values():
                    problems.append(f"{where}: the server listens on {listens}, the container declares {names}")
                grace = spec.get("terminationGracePeriodSeconds", 30)
                if grace < drain_seconds(c) + 10:
                    problems.append(f"{where}: grace period {grace} s is not longer than the drain "
                                    f"({drain_seconds(c)} s) plus 10 s")
    for kind in ("Service", "PodDisruptionBudget"):
        for name, d in by_kind.get(kind, {}).items():
            selector = d["spec"].get("selector", {})
            selector = selector.get("matchLabels", selector)
            if not any(selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
                       for w in workloads.values()):
                problems.append(f"{kind} {name} selects no pod template")
    for name, h in by_kind.get("HorizontalPodAutoscaler", {}).items():
        if h["spec"]["scaleTargetRef"]["name"] not in by_kind.get("Deployment", {}):
            problems.append(f"HorizontalPodAutoscaler {name} scales a Deployment that does not exist")
    for name, ing in by_kind.get("Ingress", {}).items():
        if ing["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/affinity") != "cookie":
            problems.append(f"Ingress {name}: no cookie affinity (socket.io long-polling needs one pod per session)")
        for rule in ing["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                service = path["backend"]["service"]["name"]
                if service not in by_kind.get("Service", {}):
                    problems.append(f"Ingress {name}: backend {service} is not a Service")
    for d in by_kind.get("Secret", {}).values():
        problems.append(f"Secret {d['metadata']['name']} is in the manifests; secrets stay out of git")
    if endpoints_file is not None and scaleout_endpoints is not None and endpoints_file != scaleout_endpoints:
        problems.append("deploy/k8s/base/endpoints.yml differs from endpoints.scaleout.yml")
    return problems


def drain_seconds(container: dict) -> int:
    """The preStop pause plus the server's graceful-shutdown timeout (Sanic's default 15 s if unset)."""
    pre = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pause = int(pre[1]) if len(pre) == 2 and pre[0] == "sleep" else 0
    env = {e["name"]: e.get("value") for e in container.get("env") or []}
    return pause + int(env.get("SANIC_GRACEFUL_SHUTDOWN_TIMEOUT") or 5)


def check(validator: str, out=print) -> List[str]:
    problems = dockerfile_problems((ROOT / "Dockerfile").read_text())
    problems += makefile_problems((ROOT / "Makefile").read_text(), (ROOT / "scripts" / "run.py").read_text())
    endpoints = (K8S / "base" / "endpoints.yml").read_text()
    scaleout = (ROOT / "endpoints.scaleout.yml").read_text()
    found = kustomizations()
    if not found:
        problems.append("no kustomization under deploy/k8s")
    for directory in found:
        docs = render(directory)
        here = manifest_problems(docs, endpoints, scaleout) + schema_problems(docs, validator)
        kinds = sorted({d["kind"] for d in docs})
        out(f"{directory.relative_to(ROOT)}: {len(docs)} objects ({', '.join(kinds)}), "
            f"{'valid' if not here else f'{len(here)} problem(s)'}")
        problems += [f"{directory.relative_to(ROOT)}: {p}" for p in here]
    return problems


def main(argv: Optional[Iterable[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--validator", default=str(ROOT / ".venv-deploy" / "bin" / "kubernetes-validate"))
    args = ap.parse_args(argv)
    problems = check(args.validator)
    for p in problems:
        print(f"  ! {p}")
    print("deploy-check: " + ("passed" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
