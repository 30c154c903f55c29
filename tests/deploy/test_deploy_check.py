"""`make deploy-check` on the real image definition and manifests, and on broken copies of them: each
check finds what it is there to find."""
import copy
from pathlib import Path

import pytest

from scripts import deploy_check as dc

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / ".venv-deploy" / "bin" / "kubernetes-validate"


@pytest.fixture(scope="module")
def validator() -> str:
    assert VALIDATOR.exists(), "kubernetes-validate is missing: `make deploy-check` (part of make test) installs it"
    return str(VALIDATOR)


@pytest.fixture(scope="module")
def base_docs():
    return dc.render(ROOT / "deploy" / "k8s" / "base")


def test_the_image_and_every_kustomization_pass(validator):
    lines = []
    assert dc.check(validator, out=lines.append) == []
    assert [line.split(":")[0] for line in lines] == ["deploy/k8s/base", "deploy/k8s/overlays/external-datastores"]


def test_the_overlay_leaves_out_the_datastores_and_points_at_yours():
    docs = dc.render(ROOT / "deploy" / "k8s" / "overlays" / "external-datastores")
    assert not [d for d in docs if d["kind"] == "StatefulSet"]
    config = next(d for d in docs
                  if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("support-assistant-config"))
    assert config["data"]["DB_HOST"] != "support-assistant-postgres" and config["data"]["ACTION_ENDPOINT_URL"]


def _deployment(docs, name):
    return next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name)


def _rasa(docs):
    return _deployment(docs, "support-assistant-rasa")["spec"]["template"]["spec"]


def _break(mutate):
    def broken(docs):
        docs = copy.deepcopy(docs)
        mutate(docs)
        return docs
    return broken


BROKEN = {
    "a server on another port than declared": (
        _break(lambda d: _rasa(d)["containers"][0]["args"].__setitem__(2, "6000")), "listens on 6000"),
    "arguments processes.py does not know": (
        _break(lambda d: _rasa(d)["containers"][0].__setitem__("args", ["serve"])), "is not `rasa ...`"),
    "a password written in the manifest": (
        _break(lambda d: _rasa(d)["containers"][0]["env"].append({"name": "DB_PASSWORD", "value": "hunter2"})),
        "take it from a Secret"),
    "no readiness probe": (
        _break(lambda d: _rasa(d)["containers"][0].pop("readinessProbe")), "no readinessProbe"),
    "a probe on a port nobody listens on": (
        _break(lambda d: _rasa(d)["containers"][0]["livenessProbe"]["httpGet"].__setitem__("port", 9999)),
        "livenessProbe is not on a port"),
    "a grace period shorter than the drain": (
        _break(lambda d: _rasa(d).__setitem__("terminationGracePeriodSeconds", 5)), "grace period 5 s"),
    "no memory limit": (
        _break(lambda d: _rasa(d)["containers"][0]["resources"].pop("limits")), "memory limit"),
    "an autoscaler of a missing Deployment": (
        _break(lambda d: next(x for x in d if x["kind"] == "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
               .__setitem__("name", "gone")), "does not exist"),
    "an Ingress without session affinity": (
        _break(lambda d: next(x for x in d if x["kind"] == "Ingress")["metadata"]["annotations"]
               .pop("nginx.ingress.kubernetes.io/affinity")), "no cookie affinity"),
    "a Secret in git": (
        _break(lambda d: d.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                                   "stringData": {"DB_PASSWORD": "x"}})), "secrets stay out of git"),
}


@pytest.mark.parametrize("what", BROKEN)
def test_each_manifest_check_finds_its_fault(base_docs, what):
    assert dc.manifest_problems(base_docs) == []
    mutate, expected = BROKEN[what]
    problems = dc.manifest_problems(mutate(base_docs))
    assert any(expected in p for p in problems), problems


def test_the_schemas_reject_an_unknown_field(base_docs, validator):
    assert dc.schema_problems(base_docs, validator) == []
    broken = copy.deepcopy(base_docs)
    _rasa(broken)["containers"][0]["restartPolicyy"] = "Always"
    assert any("restartPolicyy" in p for p in dc.schema_problems(broken, validator))


DOCKERFILE = (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize("old,new,expected", [
    ('ENTRYPOINT ["python", "scripts/processes.py"]', 'ENTRYPOINT ["rasa", "run"]', "ENTRYPOINT must be"),
    ("USER 10001:10001", "USER root", "runs as root"),
    ("ARG PYTHON_IMAGE=python:3.10.19-slim-bookworm", "ARG PYTHON_IMAGE=python:latest", "not pinned"),
    ("HEALTHCHECK", "# HEALTHCHECK", "no HEALTHCHECK"),
    ('CMD ["rasa", "--endpoints", "endpoints.yml"]', 'CMD ["serve"]', "Dockerfile CMD"),
])
def test_each_dockerfile_check_finds_its_fault(old, new, expected):
    assert dc.dockerfile_problems(DOCKERFILE) == []
    assert old in DOCKERFILE
    assert any(expected in p for p in dc.dockerfile_problems(DOCKERFILE.replace(old, new))), new


def test_the_makefile_and_the_launcher_are_checked():
    makefile, run_py = (ROOT / "Makefile").read_text(), (ROOT / "scripts" / "run.py").read_text()
    assert dc.makefile_problems(makefile, run_py) == []
    assert dc.makefile_problems(makefile.replace("scripts/run.py", "scripts/other.py"), run_py)
    assert dc.makefile_problems(makefile, run_py.replace("rasa_server_command", "my_own_command"))
