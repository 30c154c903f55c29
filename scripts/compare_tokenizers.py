"""Train the NLU pipeline with each tokenizer and compare held-out scores and speed (docs/nlu.md).

Variants: FilteredJiebaTokenizer (jieba, whitespace tokens dropped) and SpacyJiebaTokenizer (spaCy's zh
class with the jieba segmenter); everything else as in config.yml.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"filtered_jieba": "components.tokenizers.FilteredJiebaTokenizer",
            "spacy_jieba": "components.tokenizers.SpacyJiebaTokenizer"}


def main() -> int:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    rasa = str(Path(sys.executable).with_name("rasa"))
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cls in VARIANTS.items():
            cfg = dict(config, pipeline=[dict(config["pipeline"][0], name=cls)] + config["pipeline"][1:])
            path = Path(tmp) / f"{name}.yml"
            path.write_text(yaml.safe_dump(cfg))
            t = time.time()
            subprocess.run([rasa, "train", "nlu", "--config", str(path), "--nlu", "data/nlu", "--out", tmp,
                            "--fixed-model-name", name], cwd=ROOT, env=env, check=True)
            train_s = time.time() - t
            out = Path(tmp) / f"{name}.json"
            t = time.time()
            subprocess.run([sys.executable, "scripts/nlu_eval.py", "--model", str(Path(tmp) / f"{name}.tar.gz"),
                            "--json", str(out), "--min-intent-f1", "0"], cwd=ROOT, env=env, check=True)
            results[name] = {"train_s": round(train_s, 1), "eval_s": round(time.time() - t, 1),
                             **{f"{lang}_{k}": v[k] for lang, v in json.loads(out.read_text()).items()
                                for k in ("intent_f1", "intent_f1_macro", "entity_f1")}}
    print(json.dumps(results, indent=1))
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "tokenizers.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
