"""The review's three files: review.json (every figure), review.html (the page), review_candidates.yml (the
unanswered messages for a person to label). Each is written to a temporary file and renamed, so a reader
never sees half a file. Nothing is ever written to data/: the candidates are not training data until a
person has labelled and copied them.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict

import yaml

from review import page

JSON_NAME, HTML_NAME, CANDIDATES_NAME = "review.json", "review.html", "review_candidates.yml"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def candidates_yaml(review: Dict[str, Any]) -> str:
    w = review["window"]
    header = (f"# Candidate training examples from the conversation review {w['since']} - {w['until']} "
              f"({w['timezone']}).\n"
              "# The unanswered messages (fallback turns and abandoned clarifications), near-identical ones grouped,\n"
              "# phone numbers, e-mail addresses and long digit runs masked. NOT training data: for each, a person\n"
              "# sets `intent` (or deletes the entry), rewrites any [phone]/[email]/[number] placeholder as a\n"
              "# realistic value, and copies the example into data/nlu/<language>.yml. Nothing adds them itself.\n")
    entries = [{"text": g["text"], "count": g["count"], "language": next(iter(g["languages"]), "unknown"),
                "kinds": {k: n for k, n in g["kinds"].items() if n}, "first_seen": g["first_seen"],
                "last_seen": g["last_seen"], "variants": g["variants"], "intent": None}
               for g in review["unanswered"]["groups"]]
    body = yaml.safe_dump({"version": "3.1", "candidates": entries}, allow_unicode=True, sort_keys=False,
                          width=120)
    return header + body


def write(review: Dict[str, Any], out: Path) -> Dict[str, Path]:
    paths = {"json": out / JSON_NAME, "html": out / HTML_NAME, "candidates": out / CANDIDATES_NAME}
    write_atomic(paths["json"], json.dumps(review, ensure_ascii=False, indent=1) + "\n")
    write_atomic(paths["html"], page.render(review))
    write_atomic(paths["candidates"], candidates_yaml(review))
    return paths
