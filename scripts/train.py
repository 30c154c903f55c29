"""Train only when something the model depends on changed.

The model is named after a fingerprint of config.yml, domain.yml, data/ and the custom NLU components, so
`models/<fingerprint>.tar.gz` either exists (reuse it) or is trained now. Prints the model path last.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ["config.yml", "domain.yml", "data", "components"]


def fingerprint() -> str:
    h = hashlib.sha256()
    files = []
    for name in INPUTS:
        p = ROOT / name
        files += sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in (".yml", ".yaml", ".py", ".md")) if p.is_dir() else [p]
    for f in files:
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def main() -> int:
    name = f"model-{fingerprint()}"
    model = ROOT / "models" / f"{name}.tar.gz"
    if model.exists():
        print(f"model up to date: {model.relative_to(ROOT)}", file=sys.stderr)
    else:
        print(f"training {name} (config, domain, data or components changed)...", file=sys.stderr)
        t = time.time()
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
        rasa = str(Path(sys.executable).with_name("rasa"))
        # Rasa's progress (epochs) goes to stderr, so a long training shows progress and stdout carries only
        # the model path
        proc = subprocess.run([rasa, "train", "--fixed-model-name", name, "--out", "models"], cwd=ROOT, env=env,
                              stdout=sys.stderr)
        if proc.returncode != 0 or not model.exists():
            print("training failed", file=sys.stderr)
            return 1
        print(f"trained in {time.time() - t:.0f}s", file=sys.stderr)
        for old in (ROOT / "models").glob("model-*.tar.gz"):   # keep the newest only
            if old != model:
                old.unlink()
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
