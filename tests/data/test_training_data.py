"""Training data hygiene: no test sentence in the training data, enough examples per intent and language."""
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from core.routing.loader import load_facts
from core.routing.vocab import vocabulary_for

ROOT = Path(__file__).resolve().parents[2]
CORE = ["ask_phone", "ask_hours", "ask_severity_definition", "ask_response_time", "ask_portal", "open_request",
        "describe_problem", "ask_languages", "ask_who_can_open", "ask_plans", "ask_outage", "inform", "out_of_scope",
        "ask_coverage", "ask_preview", "ask_rca", "ask_plan_lifecycle", "ask_responsibilities", "ask_resources",
        "ask_how_to_file"]


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", text)     # drop entity markup
    return re.sub(r"[\s\W_]+", "", text)


def examples(path: Path):
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block.get("examples", "").splitlines():
            if line.strip().startswith("- "):
                yield block["intent"], line.strip()[2:]


def is_bare_name(text: str) -> bool:
    """A turn that is one name from the fact base ("Office 365 Germany") is vocabulary, not a sentence: it may
    be both a reply in a test case and a training example."""
    text = text.strip()
    found = VOCAB.find(text, fuzzy=False)
    return len(found) == 1 and found[0].start == 0 and found[0].end == len(text)


VOCAB = vocabulary_for(load_facts())
TRAIN = {norm(t): (i, t) for p in (ROOT / "data" / "nlu").glob("*.yml") for i, t in examples(p)}


def test_no_test_sentence_is_in_the_training_data():
    tests = [t for p in (ROOT / "tests" / "nlu").glob("*.yml") for _, t in examples(p)]
    case_files = sorted((ROOT / "tests" / "eval").glob("*.yml"))           # every blind and extended set
    assert len(case_files) >= 2
    for case_file in case_files + [ROOT.parent / "shared" / "eval" / "dev_cases.yml"]:
        if case_file.exists():
            tests += [turn for case in yaml.safe_load(case_file.read_text(encoding="utf-8")) for turn in case["turns"]]
    leaked = [t for t in tests if norm(t) in TRAIN and len(norm(t)) > 6 and not is_bare_name(t)]
    assert leaked == [], leaked[:10]
    assert len(tests) > 600                     # the test files were found and read


def test_core_intents_have_at_least_40_examples_per_language():
    for lang in ("en", "zh"):
        files = (ROOT / "data" / "nlu" / f"{lang}.yml", ROOT / "data" / "nlu" / f"notes_{lang}.yml")
        counts = Counter(i for path in files for i, _ in examples(path))
        assert {i: counts[i] for i in CORE if counts[i] < 40} == {}, lang


def test_no_example_is_labelled_with_two_intents():
    seen = {}
    for p in (ROOT / "data" / "nlu").glob("*.yml"):
        for intent, text in examples(p):
            assert seen.setdefault(norm(text), intent) == intent, text


@pytest.mark.parametrize("text, bare", [("Office 365 Germany", True), ("世纪互联", True),
                                        ("Office 365 Germany support hours", False), ("what is the number", False)])
def test_only_a_bare_name_is_exempt_from_the_leak_check(text, bare):
    assert is_bare_name(text) is bare
