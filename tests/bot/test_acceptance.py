"""The shared acceptance harness (../shared/eval/evaluate.py) against the running assistant: 26/26."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"


def test_dev_cases_all_pass(bot, tmp_path):
    assert (EVAL / "evaluate.py").exists(), f"acceptance harness not found at {EVAL}"
    report = tmp_path / "report.json"
    out = subprocess.run([sys.executable, str(EVAL / "evaluate.py"), str(EVAL / "dev_cases.yml"), "--url", bot.url,
                          "--report", str(report)], capture_output=True, text=True, timeout=600)
    print(out.stdout)
    summary = json.loads(report.read_text())["summary"]
    (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
    (ROOT / "tests" / "artifacts" / "acceptance.json").write_text(report.read_text())
    assert out.returncode == 0, out.stdout[-3000:]
    assert summary["pass"] == "26/26"
