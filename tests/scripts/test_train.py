"""The model is retrained exactly when something it depends on changes (scripts/train.py's fingerprint, and
the fingerprint addon that keeps Rasa's training cache from restoring output made with an old vocabulary)."""
import shutil
from pathlib import Path

import pytest
import yaml

from core.routing.loader import load_facts
from core.routing.vocab import Vocabulary
from scripts.train import fingerprint, model_code

ROOT = Path(__file__).resolve().parents[2]
FACTS = "core/routing/facts.yml"


def add_alias(root: Path) -> None:
    facts = yaml.safe_load((root / FACTS).read_text(encoding="utf-8"))
    facts["products"]["m365"]["aliases"].append("Zorblax Suite")
    (root / FACTS).write_text(yaml.safe_dump(facts, allow_unicode=True, sort_keys=False), encoding="utf-8")


def change_phone(root: Path) -> None:
    text = (root / FACTS).read_text(encoding="utf-8")
    assert '"1 800 865 9408"' in text
    (root / FACTS).write_text(text.replace('"1 800 865 9408"', '"1 800 865 9409"', 1), encoding="utf-8")


def append(path: str, line: str):
    def edit(root: Path) -> None:
        with (root / path).open("a", encoding="utf-8") as f:
            f.write(line)
    return edit


EDITS = {
    # what the trained model was made from or runs with
    "an alias in the facts": (add_alias, True),
    "the tokenizer's code": (append("server/components/tokenizers.py", "\n# edited\n"), True),
    "the vocabulary matcher's code": (append("core/routing/vocab.py", "\n# edited\n"), True),
    "training data": (append("data/nlu/en.yml", "\n# edited\n"), True),
    "the config": (append("config.yml", "\n# edited\n"), True),
    # what it does not depend on
    "a phone number in the facts": (change_phone, False),
    "the lock store": (append("server/stores/lock_store.py", "\n# edited\n"), False),
    "the tracker store": (append("server/stores/tracker_store.py", "\n# edited\n"), False),
    "a channel": (append("channels/rest.py", "\n# edited\n"), False),
    "a patch of Rasa": (append("server/patches/graph_runner.py", "\n# edited\n"), False),
    "the actions": (append("actions/actions.py", "\n# edited\n"), False),
    "the README": (append("README.md", "\nedited\n"), False),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for name in ("config.yml", "domain.yml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "core", "server", "actions", "channels"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_a_copy_has_the_projects_fingerprint(project):
    assert fingerprint(project) == fingerprint(ROOT)


@pytest.mark.parametrize("what", EDITS)
def test_an_edit_retrains_only_when_the_model_depends_on_it(project, tmp_path, what):
    root = tmp_path / "p"
    shutil.copytree(project, root)
    before = fingerprint(root)
    edit, retrains = EDITS[what]
    edit(root)
    assert (fingerprint(root) != before) is retrains


def test_the_model_code_is_the_components_import_closure():
    names = {str(p.relative_to(ROOT)) for p in model_code(ROOT, yaml.safe_load((ROOT / "config.yml").read_text()))}
    assert {"server/components/tokenizers.py", "server/components/alias_extractor.py", "core/language.py",
            "core/routing/vocab.py", "core/routing/__init__.py"} <= names
    assert not names & {"server/stores/lock_store.py", "server/stores/tracker_store.py", "server/nlg.py",
                        "actions/actions.py", "channels/rest.py"}


def test_the_vocabulary_signature_follows_aliases_not_other_facts(tmp_path):
    (tmp_path / "core" / "routing").mkdir(parents=True)
    shutil.copy(ROOT / FACTS, tmp_path / FACTS)
    base = Vocabulary(load_facts(tmp_path / FACTS)).signature()
    change_phone(tmp_path)
    assert Vocabulary(load_facts(tmp_path / FACTS)).signature() == base
    add_alias(tmp_path)
    assert Vocabulary(load_facts(tmp_path / FACTS)).signature() != base


def test_rasas_training_cache_keys_on_the_vocabulary(tmp_path, monkeypatch):
    """Rasa's cache fingerprints a component by its class source and config; both custom NLU components add
    the vocabulary and the matching code, so a changed alias retrains the tokenizer's output."""
    import server.components.alias_extractor as extractor
    from server.components.tokenizers import MaskingJiebaTokenizer

    signature = extractor.matching_signature()
    assert MaskingJiebaTokenizer.fingerprint_addon({}) == signature
    assert extractor.AliasEntityExtractor.fingerprint_addon({}) == signature
    (tmp_path / "core" / "routing").mkdir(parents=True)
    shutil.copy(ROOT / FACTS, tmp_path / FACTS)
    add_alias(tmp_path)
    edited = Vocabulary(load_facts(tmp_path / FACTS))
    monkeypatch.setattr(extractor, "default_router", lambda: type("R", (), {"vocab": edited})())
    assert MaskingJiebaTokenizer.fingerprint_addon({}) != signature
