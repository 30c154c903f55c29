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
from typing import Any, Dict, List, Text

import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # run as a script from anywhere

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"filtered_jieba": "server.components.tokenizers.FilteredJiebaTokenizer",
            "spacy_jieba": "scripts.compare_tokenizers.SpacyJiebaTokenizer"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SpacyJiebaTokenizer(Tokenizer):
    """spaCy's `zh` tokenizer with the jieba segmenter (no pretrained pipeline needed)."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        import spacy

        self._nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent_tokenization_flag": False, "intent_split_symbol": "_", "token_pattern": None,
                "prefix_separator_symbol": None}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpacyJiebaTokenizer":
        return cls(config)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "jieba"]

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        doc = self._nlp(message.get(attribute))
        return self._apply_token_pattern([Token(t.text, t.idx) for t in doc if not t.is_space])


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
