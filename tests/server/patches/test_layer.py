"""The patch layer: one call installs what RASA_PATCHES asks for, twice is harmless, another release is
refused with a clear message, and importing the server's modules installs nothing."""
import subprocess
import sys

import pytest

import server.patches as layer
from tests.conftest import ROOT


@pytest.fixture
def clean():
    """Every patch off before and after the test (the suite shares one process)."""
    def off():
        for name in layer.NAMES:
            layer.module(name).PATCH.uninstall()
    off()
    try:
        yield
    finally:
        off()


@pytest.mark.parametrize("switch,expected", [
    (None, list(layer.NAMES)), ("", list(layer.NAMES)), ("all", list(layer.NAMES)), ("on", list(layer.NAMES)),
    ("off", []), ("none", []), (" graph_runner , event_types ", ["graph_runner", "event_types"]),
    ("-graph_runner,-diet_predict", [n for n in layer.NAMES if n not in ("graph_runner", "diet_predict")]),
])
def test_the_switch(switch, expected):
    assert layer.selected(switch) == expected


@pytest.mark.parametrize("switch,message", [
    ("graph_runer", "unknown patch graph_runer; known: sanic_worker_signals"),
    ("-nope", "unknown patch nope"),
    ("graph_runner,-diet_predict", "not both"),
])
def test_a_wrong_switch_is_refused_with_the_names(switch, message):
    with pytest.raises(layer.PatchError, match=message):
        layer.selected(switch)


def test_install_all_installs_each_once_and_logs_it(clean, caplog):
    caplog.set_level("INFO", logger="server.patches")
    assert layer.installed() == []
    assert layer.install_all("all") == list(layer.NAMES)
    assert layer.installed() == list(layer.NAMES)
    assert "Rasa patches installed: " + ", ".join(layer.NAMES) in caplog.text
    caplog.clear()
    assert layer.install_all("all") == list(layer.NAMES)          # again: nothing changes, nothing logged
    assert layer.installed() == list(layer.NAMES) and "installed" not in caplog.text


def test_some_off(clean, caplog, monkeypatch):
    caplog.set_level("INFO", logger="server.patches")
    monkeypatch.setenv(layer.SWITCH, "-graph_runner")
    layer.install_all()
    assert layer.installed() == [n for n in layer.NAMES if n != "graph_runner"]
    assert "; off: graph_runner" in caplog.text


def test_another_release_is_refused_before_anything_is_installed(clean, monkeypatch):
    monkeypatch.setattr(layer.module("rule_states").PATCH, "version", "3.6.20")
    with pytest.raises(layer.PatchError, match=r"rule_states was written for rasa 3\.6\.20, but 3\.6\.21 is "
                                               r"installed.*RASA_PATCHES=off"):
        layer.install_all("all")
    assert layer.installed() == []
    assert layer.install_all("-rule_states") and "rule_states" not in layer.installed()


def test_uninstall_gives_rasa_its_own_code_back(clean):
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event

    before = (RulePolicy._prediction_states, DaskGraphRunner.run, Event.resolve_by_type,
              "_prediction_states" in RulePolicy.__dict__)
    layer.install_all("all")
    assert DaskGraphRunner.run is not before[1]
    for name in layer.NAMES:
        layer.module(name).PATCH.uninstall()
    assert (RulePolicy._prediction_states, DaskGraphRunner.run, Event.resolve_by_type,
            "_prediction_states" in RulePolicy.__dict__) == before


def test_importing_the_server_side_installs_nothing():
    code = ("import server.nlg, server.components.alias_extractor, server.components.intent_rules, "
            "server.components.tokenizers, server.stores.tracker_store, server.stores.lock_store, channels.rest, "
            "channels.webchat, channels.wechat, server.patches as p; print(p.installed())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_server_refuses_to_start_on_a_bad_switch():
    out = subprocess.run([sys.executable, "-m", "server", "run", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={**__import__("os").environ, layer.SWITCH: "fast"})
    assert out.returncode == 1 and "server: RASA_PATCHES: unknown patch fast" in out.stderr
