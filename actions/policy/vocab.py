"""Find and resolve the facts' vocabulary (products, clouds, countries, ...) in free text.

One compiled pattern holds every alias of every kind, longest first, so at each position the longest alias
wins and a word inside a longer name is not reported twice ("Office 365 Germany" is the cloud, not also a
country). Latin aliases match on word boundaries, CJK aliases anywhere (Chinese has no spaces), and short
all-caps aliases listed as case-sensitive ("US") do not fire on ordinary words ("us").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .model import DIM_KIND, Facts

KIND_DIM = {kind: dim for dim, kind in DIM_KIND.items()}
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Mention:
    dim: str          # product | cloud | country | support_type | severity | plan
    value: str        # canonical id (may be a group id such as "d365")
    start: int
    end: int
    text: str


def normalize(text: str) -> str:
    """NFKC folds full-width letters/digits and compatibility forms (Ｏｆｆｉｃｅ３６５ -> Office365)."""
    return unicodedata.normalize("NFKC", text)


def _alias_pattern(alias: str, case_sensitive: bool) -> str:
    body = r"[\s\-_]*".join(re.escape(part) for part in re.split(r"\s+", alias.strip()))
    if case_sensitive:
        body = f"(?-i:{body})"
    if _ASCII_WORD.match(alias[0]):
        body = r"(?<![A-Za-z0-9])" + body
    if _ASCII_WORD.match(alias[-1]):
        body += r"(?![A-Za-z0-9+])"
    return body


class Vocabulary:
    """Alias lookup over a Facts object; build once per process."""

    def __init__(self, facts: Facts):
        self.facts = facts
        entries: List[Tuple[str, str, str, bool]] = []      # (alias, dim, id, case_sensitive)
        self._exact: Dict[Tuple[str, str], str] = {}         # (dim, folded alias or id) -> id
        for kind, terms in facts.vocab.items():
            dim = KIND_DIM[kind]
            for tid, term in terms.items():
                self._exact[(dim, tid.casefold())] = tid
                for alias in term.aliases:
                    entries.append((alias, dim, tid, False))
                    self._exact[(dim, _fold(alias))] = tid
                for alias in term.aliases_cs:
                    entries.append((alias, dim, tid, True))
                    self._exact[(dim, _fold(alias))] = tid
        entries.sort(key=lambda e: len(e[0]), reverse=True)
        self._entries = entries
        self._pattern = re.compile("|".join(f"({_alias_pattern(a, cs)})" for a, _, _, cs in entries), re.IGNORECASE)

    def find(self, text: str) -> List[Mention]:
        """All non-overlapping mentions in `text`, left to right, longest alias first at each position."""
        text = normalize(text)
        out = []
        for m in self._pattern.finditer(text):
            alias, dim, tid, _ = self._entries[m.lastindex - 1]
            out.append(Mention(dim, tid, m.start(), m.end(), m.group(0)))
        return out

    def resolve(self, dim: str, value: Optional[str]) -> Optional[str]:
        """Canonical id for an id or alias of `dim` (case/space-insensitive), else None."""
        if value is None:
            return None
        value = normalize(str(value)).strip()
        hit = self._exact.get((dim, _fold(value)))
        if hit is None and (dim, value.casefold()) in self._exact:
            hit = self._exact[(dim, value.casefold())]
        if hit is None:
            mentions = [m for m in self.find(value) if m.dim == dim]
            if len(mentions) == 1 and mentions[0].end - mentions[0].start >= len(value.strip()) * 0.6:
                hit = mentions[0].value
        return hit

    def aliases(self, dim: str, value: str) -> Tuple[str, ...]:
        term = self.facts.vocab[DIM_KIND[dim]][value]
        return term.aliases + term.aliases_cs


def _fold(alias: str) -> str:
    return re.sub(r"[\s\-_]+", "", normalize(alias)).casefold()


@lru_cache(maxsize=4)
def vocabulary_for(facts: Facts) -> Vocabulary:
    return Vocabulary(facts)
