"""What the action server loads: rasa_sdk and the core, never Rasa, TensorFlow or the Rasa server's side."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_action_package_loads_neither_rasa_nor_tensorflow():
    """The action server imports rasa_sdk (a Sanic app itself) and the core only: no Rasa, no TensorFlow."""
    code = ("import sys, actions.actions; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rasa', 'tensorflow', 'server', "
            "'channels'}), 'rasa_sdk' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[] True", out.stderr
