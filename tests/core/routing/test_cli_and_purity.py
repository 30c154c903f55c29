"""The operator command line, and the rule that the core (the routing engine with it) never imports Rasa."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CORE = ROOT / "core"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "core.routing", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_route_prints_number_portal_hours_and_sources():
    p = cli("route", "--product", "F&O", "--cloud", "21v", "--at", "2026-10-01T23:59+08:00")
    assert p.returncode == 0, p.stderr
    assert "+86 400-089-0365" in p.stdout and "https://lcs.dynamics.cn/" in p.stdout
    assert "National Day" in p.stdout and "Hours of operation" in p.stdout


def test_route_in_chinese_and_json():
    p = cli("route", "--product", "O365", "--cloud", "世纪互联", "--lang", "zh")
    assert p.returncode == 0 and "严重级别 A" in p.stdout
    p = cli("route", "--product", "M365", "--json")
    assert p.returncode == 0 and '"dim": "country"' in p.stdout


def test_check_passes_and_bad_input_is_refused_clearly():
    p = cli("check")
    assert p.returncode == 0 and "all pinned to the sources" in p.stdout
    p = cli("route", "--at", "yesterday")
    assert p.returncode == 2 and "bad --at" in p.stderr
    p = cli("route", "--at", "2026-10-01T09:00")
    assert p.returncode == 2 and "offset" in p.stderr


def test_triage_and_find():
    p = cli("triage", "nobody can send mail")
    assert p.returncode == 0 and "Severity A" in p.stdout
    p = cli("find", "世纪互联的 Office 365 电话")
    assert "china_21v" in p.stdout and "m365" in p.stdout


def test_the_core_imports_no_rasa():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) >= 15 and CORE / "routing" / "router.py" in files
    for path in files:
        assert not re.search(r"^\s*(import|from)\s+(rasa|sanic|tensorflow)", path.read_text(), re.M), path
    code = ("import sys, core.routing as p, core.dialogue, core.render, core.language; p.route(product='m365'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rasa', 'rasa_sdk', 'sanic', 'tensorflow'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr

