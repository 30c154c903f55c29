"""Train only when something the trained model depends on changed.

The model is named after a fingerprint of what it was trained from and runs with: config.yml, domain.yml,
data/, the project's Python modules that the configured components and policies import (transitively, lazy
imports included), and the vocabulary of the fact base that the tokenizer and the entity extractor match
with (core/routing/facts.yml aliases). So `models/<fingerprint>.tar.gz` either exists (reuse it) or is
trained now; editing an alias retrains, editing a phone number, a channel or the lock store does not.
Prints the model path last.
"""
from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Set

import yaml

ROOT = Path(__file__).resolve().parents[1]
TRAINING_INPUTS = ["config.yml", "domain.yml", "data"]
FACTS = Path("core/routing/facts.yml")


def module_file(root: Path, name: str) -> Path | None:
    """The project file of module `name` (a package's __init__.py), or None when it is not the project's."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(root: Path, path: Path) -> Iterable[str]:
    """Every module name `path` imports, anywhere in it (relative imports resolved; `from a import b` also
    yields `a.b`, which is a module when b is one)."""
    package = list(path.relative_to(root).parts[:-1])          # a module's package; an __init__'s own
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - (node.level - 1)] + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def model_code(root: Path, config: dict) -> List[Path]:
    """The project's Python files the configured components and policies import, transitively."""
    roots = [c["name"].rpartition(".")[0] for c in (config.get("pipeline") or []) + (config.get("policies") or [])
             if "." in str(c.get("name", ""))]
    seen: Set[Path] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):          # importing a.b.c runs a/__init__.py and a/b/__init__.py too
            path = module_file(root, ".".join(parts[:i]))
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(_imported(root, path))
    return sorted(seen)


def vocabulary_signature(root: Path) -> str:
    """The matching vocabulary of `root`'s fact base (the policy module is pure Python: no Rasa import)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from core.routing.loader import load_facts
    from core.routing.vocab import Vocabulary

    return Vocabulary(load_facts(root / FACTS)).signature()


def fingerprint(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    files = []
    for name in TRAINING_INPUTS:
        p = root / name
        files += sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in (".yml", ".yaml", ".py", ".md")) \
            if p.is_dir() else [p]
    files += model_code(root, yaml.safe_load((root / "config.yml").read_text()) or {})
    for f in files:
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    h.update(vocabulary_signature(root).encode())
    return h.hexdigest()[:16]


def main() -> int:
    name = f"model-{fingerprint()}"
    model = ROOT / "models" / f"{name}.tar.gz"
    if model.exists():
        print(f"model up to date: {model.relative_to(ROOT)}", file=sys.stderr)
    else:
        print(f"training {name} (config, domain, data, component code or vocabulary changed)...", file=sys.stderr)
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
