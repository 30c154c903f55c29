"""Propose a severity level from a problem description, with the reasoning the documents give.

Signals (who is affected, how badly, is there a workaround, is it a how-to question) are read from the text
with the bilingual lexicon in triage.yml, or passed in directly. The rules mirror the 21Vianet Office 365
definitions (the only ones with worked examples), and map onto the other schemes:

  question only                          -> C   ("How to set user password that never expires")
  service down / not accessible          -> A   (B when only one user is affected, C if they have a workaround)
  core function fails for many users     -> A   ("Widespread problems sending or receiving mail")
  core function fails otherwise          -> B   (C with a workaround for one user); asks who is affected
  usable but impaired                    -> B   ("Send button in Outlook is garbled"); C for one user with a workaround
  secondary task fails                   -> C   ("User can't delete contact information"); B for a service/admin
                                                function or many users ("Setting is impossible from EAC")
  severe production / business impact    -> raises an impaired or failing service to A
  the user says the impact is minor      -> C   unless something is down or a core function fails
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from .model import Facts, Text
from .vocab import normalize

LEXICON_PATH = Path(__file__).with_name("triage.yml")
SIGNALS = ("scope_many", "scope_one", "scope_service", "outage", "broken_core", "impaired", "broken_minor",
           "low_impact", "question", "workaround", "severe_business")

# the level of each scheme that a generic A/B/C proposal means
SCHEME_LEVEL = {
    "o365_21v": {"a": "a", "b": "b", "c": "c"},
    "d365": {"a": "a", "b": "b", "c": "c"},
    "d365_21v": {"a": "critical", "b": "non_critical", "c": "non_critical"},
}


@dataclass(frozen=True)
class Signal:
    name: str
    evidence: str            # the words that triggered it ("" when passed in directly)
    label: Text


@dataclass(frozen=True)
class Triage:
    level: Optional[str]     # "a" | "b" | "c" (generic), None when the text says too little
    rule: str                # which rule decided (see module docstring)
    signals: Tuple[Signal, ...]
    needs: Tuple[str, ...] = ()   # what would change the answer: "scope", "impact"
    alternative: Optional[str] = None   # the level if the open question is answered the other way

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.signals)

    def level_in(self, scheme: str) -> Optional[str]:
        return SCHEME_LEVEL[scheme][self.level] if self.level else None


class Lexicon:
    def __init__(self, path: Path = LEXICON_PATH):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))["signals"]
        self.labels: Dict[str, Text] = {}
        self.patterns: Dict[str, List[re.Pattern]] = {}
        for name in SIGNALS:
            entry = raw.get(name)
            if entry is None:
                raise ValueError(f"triage.yml: signal {name!r} missing")
            label = entry["label"]
            if set(label) != {"en", "zh"}:
                raise ValueError(f"triage.yml: signals.{name}.label must have exactly en and zh (quote commas)")
            self.labels[name] = Text(label["en"], label["zh"])
            pats = []
            for lang in ("en", "zh"):
                for i, p in enumerate(entry.get(lang) or []):
                    try:
                        pats.append(re.compile(p, re.IGNORECASE | re.MULTILINE))
                    except re.error as e:
                        raise ValueError(f"triage.yml: signals.{name}.{lang}[{i}]: {e}") from e
            self.patterns[name] = pats

    def read(self, text: str) -> Tuple[Signal, ...]:
        text = normalize(text)
        out = []
        for name in SIGNALS:
            for p in self.patterns[name]:
                m = p.search(text)
                if m:
                    out.append(Signal(name, m.group(0).strip(), self.labels[name]))
                    break
        return tuple(out)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon()


def decide(signals: Iterable[Signal]) -> Triage:
    signals = tuple(signals)
    has = {s.name for s in signals}
    many, one, service = "scope_many" in has, "scope_one" in has and "scope_many" not in has, "scope_service" in has
    workaround, severe = "workaround" in has, "severe_business" in has
    failing = has & {"outage", "broken_core", "impaired", "broken_minor", "low_impact"}

    def result(level, rule, needs=(), alternative=None):
        return Triage(level, rule, signals, tuple(needs), alternative)

    if not failing:
        if "question" in has:
            return result("c", "how_to")
        if severe:
            return result("a", "severe_business", needs=("impact",))
        if workaround and one:
            return result("c", "single_user_workaround")
        return result(None, "unknown", needs=("impact", "scope"))
    if "low_impact" in has and not has & {"outage", "broken_core", "severe_business"}:
        return result("c", "low_impact")       # "a small issue, doesn't stop anyone working"
    if "outage" in has:
        if one:
            return result("c" if workaround else "b",
                          "outage_single_user_workaround" if workaround else "outage_single_user")
        return result("a", "outage")
    if "broken_core" in has:
        if many or severe:
            return result("a", "core_many")
        if one:
            return result("c" if workaround else "b",
                          "core_single_user_workaround" if workaround else "core_single_user")
        return result("b", "core_scope_unknown", needs=("scope",), alternative="a")
    if "impaired" in has:
        if severe and many:
            return result("a", "impaired_severe")
        if one and workaround:
            return result("c", "impaired_single_user_workaround")
        return result("b", "impaired")
    # only a secondary task fails
    if many or service:
        return result("b", "minor_service" if service else "minor_many")
    return result("c", "minor_single_user" if one else "minor")


def triage(text: Optional[str] = None, signals: Optional[Iterable[str]] = None,
           lexicon: Optional[Lexicon] = None) -> Triage:
    """Propose a level from free text (EN/zh) and/or named signals (e.g. ["outage", "scope_many"])."""
    lexicon = lexicon or default_lexicon()
    found = list(lexicon.read(text)) if text else []
    for name in signals or ():
        if name not in SIGNALS:
            raise ValueError(f"unknown signal {name!r}; expected one of {', '.join(SIGNALS)}")
        if all(s.name != name for s in found):
            found.append(Signal(name, "", lexicon.labels[name]))
    return decide(found)


def scheme_for(facts: Facts, product: Optional[str], cloud: Optional[str]) -> Optional[str]:
    """The severity scheme for a product/cloud (None when it can't be told)."""
    for sid, scheme in facts.schemes.items():
        p, c = scheme.applies.get("product"), scheme.applies.get("cloud")
        if product and cloud and product in (p or ()) and cloud in (c or ()):
            return sid
    return None
