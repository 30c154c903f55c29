"""Near-identical messages as one row with a count, so the unanswered list shows each thing people asked once.

Messages are compared after normalising (masked text; NFKC, which folds full-width forms; case folded;
digits made 0; punctuation dropped) as sets of tokens: a Latin word or digit run is one token, a CJK character
is one token. Two Latin tokens of 4 or more letters that differ by one edit (a typo) count as the same token.
The similarity is a weighted Jaccard index, each token weighing its length (at least 2, so that "sev a" and
"sev b" stay apart; a CJK character weighs 2). Messages with similarity >= THRESHOLD join the same group;
each message joins the group whose first (most frequent) message it is most similar to.

The threshold keeps different questions apart: "what is the azure support number" and "... xbox ..." differ in
the word that matters and score below it; "世纪互联的电话是多少" and "世纪互联电话是多少" score above it.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from review.privacy import PLACEHOLDERS

THRESHOLD = 0.85
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"\[(?:email|phone|number)\]|[{_CJK}]|[^\W_{_CJK}]+")
_DIGIT = re.compile(r"\d")


def tokens(text: str) -> List[str]:
    """The normalised tokens of a (masked) message."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return [t if t in PLACEHOLDERS else _DIGIT.sub("0", t) for t in _TOKEN.findall(text)]


def weight(token: str) -> int:
    return max(2, len(token))


class _Vocabulary:
    """Maps a token to the first token seen one insertion, deletion or substitution away from it (both 4 or
    more letters), by indexing each token's one-letter deletions."""

    def __init__(self) -> None:
        self.canonical: Dict[str, str] = {}
        self._index: Dict[tuple, str] = {}

    def __call__(self, token: str) -> str:
        found = self.canonical.get(token)
        if found is None:
            found = token
            if len(token) >= 4 and token.isalpha():
                deletes = [(i, token[:i] + token[i + 1:]) for i in range(len(token))]
                probes = [("deleted", token)] + [("token", d) for _, d in deletes] + [("at", i, d) for i, d in deletes]
                found = next((self._index[p] for p in probes if p in self._index), token)
                if found == token:
                    self._index.setdefault(("token", token), token)
                    for i, d in deletes:
                        self._index.setdefault(("deleted", d), token)
                        self._index.setdefault(("at", i, d), token)
            self.canonical[token] = found
        return found


def similarity(a: FrozenSet[str], b: FrozenSet[str]) -> float:
    if not a and not b:
        return 1.0
    shared = sum(weight(t) for t in a & b)
    return shared / (sum(weight(t) for t in a) + sum(weight(t) for t in b) - shared)


@dataclass
class Group:
    """Messages grouped as one row; `items` are whatever the caller grouped, in the order given."""
    key: FrozenSet[str]
    texts: Counter = field(default_factory=Counter)
    items: List[object] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The most frequent wording (ties: the first seen)."""
        return self.texts.most_common(1)[0][0]

    @property
    def count(self) -> int:
        return len(self.items)


def group(messages: Iterable[Tuple[str, object]], threshold: float = THRESHOLD) -> List[Group]:
    """Groups (text, item) pairs; most frequent groups first (ties: the first text in sorted order)."""
    by_text: Dict[str, List[object]] = defaultdict(list)
    for text, item in messages:
        by_text[text].append(item)
    vocabulary = _Vocabulary()
    ordered = sorted(by_text, key=lambda t: (-len(by_text[t]), t))
    keys = {t: frozenset(vocabulary(tok) for tok in tokens(t)) for t in ordered}
    groups: List[Group] = []
    index: Dict[str, List[int]] = defaultdict(list)            # token -> groups whose key holds it
    exact: Dict[FrozenSet[str], int] = {}
    for text in ordered:
        key = keys[text]
        target = exact.get(key)
        if target is None:
            target = _best(key, groups, index, threshold)
        if target is None:
            target = len(groups)
            groups.append(Group(key))
            exact[key] = target
            for tok in key:
                index[tok].append(target)
        groups[target].texts[text] += len(by_text[text])
        groups[target].items.extend(by_text[text])
    return sorted(groups, key=lambda g: (-g.count, g.text))


def _best(key: FrozenSet[str], groups: Sequence[Group], index: Dict[str, List[int]],
          threshold: float) -> Optional[int]:
    total = sum(weight(t) for t in key)
    best, best_score = None, threshold
    for candidate in sorted({g for tok in key for g in index.get(tok, ())}):
        other = groups[candidate].key
        other_total = sum(weight(t) for t in other)
        if min(total, other_total) < threshold * max(total, other_total):
            continue                                   # the weights alone rule out the threshold
        score = similarity(key, other)
        if score > best_score or (best is None and score >= threshold):
            best, best_score = candidate, score
    return best
