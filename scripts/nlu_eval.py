"""Evaluate the NLU model on held-out examples, per language.

Intent F1 (weighted average, as Rasa reports it; macro average printed too) on tests/nlu/heldout_<lang>.yml,
and entity F1 on tests/nlu/entities_<lang>.yml (exact span + canonical value). None of these sentences is
in the training data (tests/test_training_data.py checks). Exits 1 when intent F1 is below --min-intent-f1
in either language.

    .venv/bin/python scripts/nlu_eval.py --model models/dev.tar.gz [--json results/nlu.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
LANGS = ("en", "zh")


def f1_scores(gold, pred):
    from sklearn.metrics import f1_score
    return (f1_score(gold, pred, average="weighted", zero_division=0),
            f1_score(gold, pred, average="macro", zero_division=0))


def entity_f1(gold_sets, pred_sets):
    tp = sum(len(g & p) for g, p in zip(gold_sets, pred_sets, strict=True))
    fp = sum(len(p - g) for g, p in zip(gold_sets, pred_sets, strict=True))
    fn = sum(len(g - p) for g, p in zip(gold_sets, pred_sets, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return (2 * precision * recall / (precision + recall) if precision + recall else 0.0), precision, recall


async def evaluate(model: str) -> dict:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    agent = Agent.load(model)
    results = {}
    for lang in LANGS:
        held = load_data(str(ROOT / "tests" / "nlu" / f"heldout_{lang}.yml")).intent_examples
        gold, pred, errors = [], [], Counter()
        for ex in held:
            parsed = await agent.parse_message(ex.get("text"))
            predicted = parsed["intent"]["name"]
            gold.append(ex.get("intent"))
            pred.append(predicted)
            if predicted != ex.get("intent"):
                errors[(ex.get("intent"), predicted)] += 1
        weighted, macro = f1_scores(gold, pred)
        ents = load_data(str(ROOT / "tests" / "nlu" / f"entities_{lang}.yml")).training_examples
        gold_e, pred_e = [], []
        for ex in ents:
            parsed = await agent.parse_message(ex.get("text"))
            gold_e.append({(e["entity"], e["value"], e["start"], e["end"]) for e in ex.get("entities", [])})
            pred_e.append({(e["entity"], e["value"], e["start"], e["end"]) for e in parsed.get("entities", [])})
        ef1, ep, er = entity_f1(gold_e, pred_e)
        results[lang] = {"intent_examples": len(held), "intent_f1": round(weighted, 4),
                         "intent_f1_macro": round(macro, 4),
                         "entity_examples": len(ents), "entity_f1": round(ef1, 4), "entity_precision": round(ep, 4),
                         "entity_recall": round(er, 4),
                         "confusions": [f"{g} -> {p}: {n}" for (g, p), n in errors.most_common(8)]}
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--min-intent-f1", type=float, default=0.95)
    args = ap.parse_args()
    from rasa.utils.common import configure_logging_and_warnings
    configure_logging_and_warnings(logging.ERROR)
    results = asyncio.run(evaluate(args.model))
    print(f"{'lang':5} {'intent F1':>10} {'(macro)':>8} {'entity F1':>10} {'P':>6} {'R':>6}   held-out examples")
    for lang, r in results.items():
        print(f"{lang:5} {r['intent_f1']:10.3f} {r['intent_f1_macro']:8.3f} {r['entity_f1']:10.3f} "
              f"{r['entity_precision']:6.3f} {r['entity_recall']:6.3f}   {r['intent_examples']} intents, "
              f"{r['entity_examples']} entities")
        for c in r["confusions"]:
            print(f"      confused {c}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    ok = all(r["intent_f1"] >= args.min_intent_f1 for r in results.values())
    print("NLU thresholds " + ("met" if ok else f"NOT met (intent F1 < {args.min_intent_f1})"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
