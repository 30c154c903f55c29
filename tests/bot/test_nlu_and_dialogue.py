"""Model quality gates: held-out NLU F1 per language (>= 0.95 intent F1), conversation tests that must
predict every action, and data validation without unexplained warnings."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
RASA = str(Path(sys.executable).with_name("rasa"))


def test_heldout_nlu_f1_per_language(model, tmp_path):
    out = subprocess.run([sys.executable, "scripts/nlu_eval.py", "--model", str(model),
                          "--json", str(tmp_path / "nlu.json")],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)
    print(out.stdout)
    results = json.loads((tmp_path / "nlu.json").read_text())
    for lang in ("en", "zh"):
        assert results[lang]["intent_f1"] >= 0.95, (lang, results[lang])
        assert results[lang]["entity_f1"] >= 0.90, (lang, results[lang])
    assert out.returncode == 0


def test_conversation_stories_predict_every_action(model, tmp_path):
    out = subprocess.run([RASA, "test", "core", "--model", str(model), "--stories", "tests/stories",
                          "--fail-on-prediction-errors", "--out", str(tmp_path / "results")],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)
    failed = tmp_path / "results" / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert out.returncode == 0, (out.stdout[-2000:] + out.stderr[-3000:] + detail[-4000:])
    assert "none of the test stories failed" in detail.lower() or \
        detail.strip() in ("", "# None of the test stories failed - all good!")


def test_data_validates_without_unexplained_warnings():
    out = subprocess.run([sys.executable, "scripts/validate.py"], cwd=ROOT, env=ENV, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert ", 0 problems" in out.stdout
