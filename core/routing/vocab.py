"""Find and resolve the facts' vocabulary (products, clouds, countries, ...) in free text.

Every alias of every kind, longest first, read as one alternation: at each position the longest alias wins
and a word inside a longer name is not reported twice ("Office 365 Germany" is the cloud, not also a
country). Python's regex engine would try every alternative at every position (some 20 ms a message), so
only the aliases whose first word the message contains are tried, each with its own compiled pattern, and
the leftmost match wins, the longer alias on a tie: the same matches as the one alternation. Latin aliases
match on word boundaries, CJK aliases anywhere (Chinese has no spaces), and short all-caps aliases listed as
case-sensitive ("US") do not fire on ordinary words ("us").
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Tuple

import phonenumbers

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


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters as Simplified ones (世紀互聯 -> 世纪互联), character for character, so offsets into
    `text` stay valid: the aliases, the training data and the replies are Simplified Chinese."""
    if not _HAN.search(text):
        return text
    converted = _t2s().convert(text)
    if len(converted) != len(text):                   # a phrase rule changed the length: convert per character
        converted = "".join(_t2s().convert(c) or c for c in text)
    return converted


def normalize(text: str) -> str:
    """NFKC folds full-width letters/digits and compatibility forms (Ｏｆｆｉｃｅ３６５ -> Office365); Traditional
    Chinese reads as Simplified."""
    return to_simplified(unicodedata.normalize("NFKC", text))


# "Australia, not the UK" / "不是英国，是澳大利亚": a negated mention is what the user does NOT mean.
# "not the normal worldwide one": an ordinary adjective may stand between the negation and the value
_FILLER = r"(\s+(normal|usual|regular|standard|ordinary|plain|default|public|commercial|old|new|other))?"
_NEGATED_BEFORE = re.compile(r"((\bnot|\binstead of|\brather than|\bisn'?t|\baren'?t)(\s+the)?" + _FILLER +
                             r"|不是|而不是|并非|不要|(?<!除)非)\s*$", re.IGNORECASE)


# Only the words that rule a value out, not "isn't" ("isn't the UK number 0800 ...?" asks about the UK).
_RULED_OUT_BEFORE = re.compile(r"((\bnot|\binstead of|\brather than)(\s+(the|in|from|on|for))?" + _FILLER +
                               r"|不是|而不是|并非|(?<!除)非)\s*$", re.IGNORECASE)


def is_negated(text: str, start: int, strict: bool = False) -> bool:
    """Whether the mention starting at `start` of `text` follows a negation ("not the UK", "不是英国");
    `strict`: only words that rule the value out."""
    return bool((_RULED_OUT_BEFORE if strict else _NEGATED_BEFORE).search(text[max(0, start - 24):start]))


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
        # words of multi-letter Latin aliases that a typo could hide (not generic English words); place names
        # are not among them: "settle" is one edit from "Seattle"
        self._brand_words = sorted({w.casefold() for a, _, _, _ in entries for w in _LATIN_WORD.findall(a)
                                    if len(w) >= 6 and w.casefold() not in _GENERIC_WORDS})
        for tid, term in facts.vocab.get("countries", {}).items():
            entries += [(place, "country", tid, False) for place in term.places]
        # a word of a place name is never a typo of a brand word ("British Columbia" is not "Colombia")
        self._known_words = {w.casefold() for a, _, _, _ in entries for w in _LATIN_WORD.findall(a)}
        entries.sort(key=lambda e: len(e[0]), reverse=True)
        self._entries = entries
        # an alias can only match where its first word occurs (the words between may vary: "Office-365")
        self._first_words = [re.split(r"\s+", a.strip())[0].lower() for a, _, _, _ in entries]
        self._patterns: List[Optional["re.Pattern"]] = [None] * len(entries)       # compiled on first use
        self._recent: "OrderedDict[Tuple[str, bool], Tuple[Mention, ...]]" = OrderedDict()
        names = sorted(facts.not_covered, key=len, reverse=True)
        self._not_covered = re.compile("(?:" + "|".join(_alias_pattern(n, False) for n in names) + ")"
                                       r"(?!\s*(?:AD|Active\s+Directory)\b)", re.IGNORECASE) if names else None
        # each line's number as it may be dialled (international, national, national as written), and what
        # the line is for
        self._numbers = [(_dialled_forms(e164), phone.applies)
                         for phone in facts.phones
                         for e164 in (phone.e164, phone.alternative_e164) if e164]
        phrases = sorted(facts.not_mentions, key=len, reverse=True)
        self._not_mentions = re.compile("|".join(_alias_pattern(p, False) for p in phrases), re.IGNORECASE) \
            if phrases else None

    def not_covered(self, text: str) -> List[Tuple[int, int]]:
        """Spans of `text` that name a product the documents do not cover ("Azure"; not "Azure AD")."""
        return [m.span() for m in self._not_covered.finditer(normalize(text))] if self._not_covered else []

    def find(self, text: str, fuzzy: bool = True) -> List[Mention]:
        """All non-overlapping mentions in `text`, left to right, longest alias first at each position.

        With `fuzzy`, a Latin word one typo away from a brand word of the vocabulary ("micrsoft",
        "Dynamcis", "sharepiont") is read as that word first; offsets always refer to `text`. The last few
        texts are remembered: one turn reads the same message several times (extractor, cue words, notes,
        follow-ups), and the one pattern of every alias is the costly part."""
        key = (text, fuzzy)
        found = self._recent.get(key)
        if found is None:
            found = self._recent[key] = tuple(self._find(text, fuzzy))
            while len(self._recent) > 128:
                self._recent.popitem(last=False)
        return list(found)

    def _find(self, text: str, fuzzy: bool) -> List[Mention]:
        text = normalize(text)
        corrected, positions = self._correct(text) if fuzzy else (text, None)
        out = []
        masked = [m.span() for m in self._not_mentions.finditer(text)] if self._not_mentions else []
        for index, m in self._matches(corrected):
            alias, dim, tid, _ = self._entries[index]
            start, end = (m.start(), m.end()) if positions is None else \
                (positions[m.start()], positions[m.end() - 1] + 1)
            if any(a <= start and end <= b for a, b in masked):      # "国际长途": a call, not a cloud
                continue
            out.append(Mention(dim, tid, start, end, text[start:end]))
        return _plans_in_a_list_of_plans(out)

    def _matches(self, text: str) -> Iterator[Tuple[int, "re.Match"]]:
        """(entry index, match) left to right, as one alternation of every alias would give them: the
        leftmost match, the earlier (longer) alias on a tie, then on from its end."""
        low = text.lower()
        found: Dict[int, "re.Match"] = {}
        for i, word in enumerate(self._first_words):
            if word in low:
                m = self._pattern(i).search(text)
                if m:
                    found[i] = m
        while found:
            index, m = min(found.items(), key=lambda item: (item[1].start(), item[0]))
            yield index, m
            for i, other in list(found.items()):
                if other.start() < m.end():
                    again = self._pattern(i).search(text, m.end())
                    if again:
                        found[i] = again
                    else:
                        del found[i]

    def _pattern(self, index: int) -> "re.Pattern":
        pattern = self._patterns[index]
        if pattern is None:
            alias, _, _, case_sensitive = self._entries[index]
            pattern = self._patterns[index] = re.compile(_alias_pattern(alias, case_sensitive), re.IGNORECASE)
        return pattern

    def _correct(self, text: str):
        """`text` with near-miss brand words replaced, and for each character the original position."""
        pieces, positions, cursor, changed = [], [], 0, False
        for m in _LATIN_WORD.finditer(text):
            word = m.group(0)
            fix = self._brand_fix(word.casefold())
            if fix is None:
                continue
            pieces.append(text[cursor:m.start()])
            positions += range(cursor, m.start())
            pieces.append(fix)
            positions += [min(m.start() + i, m.end() - 1) for i in range(len(fix))]
            cursor, changed = m.end(), True
        if not changed:
            return text, None
        pieces.append(text[cursor:])
        positions += range(cursor, len(text))
        positions.append(len(text))
        return "".join(pieces), positions

    def _brand_fix(self, word: str) -> Optional[str]:
        """The brand word one typo away from `word` ("ofice", "micrsoft"), sharing its first letter. Words
        of five letters count when the brand word is longer (a letter left out: "ofice" for "office")."""
        if len(word) < 5 or word in self._known_words:
            return None
        for target in self._brand_words:
            if target[0] == word[0] and not target.startswith(word) and one_edit(word, target) and \
                    (len(word) >= 6 or len(target) > len(word)):
                return target
        return None

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

    def quoted_lines(self, text: str) -> List[Mention]:
        """The values a phone number the user quotes stands for ("the +49 69 number", "打 400-089-0365"): the
        cloud, and the product, that every line it can begin is for (how much of a number counts: `_lines_quoted`);
        a value the lines do not share ("0800": the UK or Germany) is not read into it."""
        text = normalize(text)
        out = []
        for m in _QUOTED_NUMBER.finditer(text):
            found = self._lines_quoted(m.group(0))
            if found is None:
                continue
            quoted, lines = found
            start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            for dim in ("cloud", "product"):
                shared = set.intersection(*(set(a.get(dim) or ()) for a in lines))
                if len(shared) == 1 and all(len(a.get(dim) or ()) == 1 for a in lines):
                    out.append(Mention(dim, shared.pop(), start, start + len(quoted), quoted))
        return out

    def _lines_quoted(self, written: str):
        """(the quoted part, what its lines apply to) for the longest run of digit groups that begins a line's
        number ("1 800 865 9408 24/7": not the 24); a part beginning "+" counts from its country code ("the
        +49 number"), one beginning "0" from four digits, any other from seven ("1800 users" is no number)."""
        groups = written.split()
        for k in range(len(groups), 0, -1):
            quoted = " ".join(groups[:k])
            digits = re.sub(r"\D", "", quoted)
            if len(digits) < (2 if quoted[0] == "+" else 4 if quoted[0] in "0(" else 7):
                return None
            lines = [applies for forms, applies in self._numbers if any(f.startswith(digits) for f in forms)]
            if lines:
                return quoted, lines
        return None

    def signature(self) -> str:
        """A digest of everything matching depends on (aliases, their kinds and ids, case rules, brand words,
        product groups): a trained model whose tokens were masked with this vocabulary is stale when it
        changes."""
        groups = sorted((tid, sorted(t.members)) for tid, t in self.facts.vocab["products"].items() if t.is_group)
        data = json.dumps([self._entries, self._brand_words, groups, self.facts.not_covered, self.facts.not_mentions],
                          ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()

    def aliases(self, dim: str, value: str) -> Tuple[str, ...]:
        term = self.facts.vocab[DIM_KIND[dim]][value]
        return term.aliases + term.aliases_cs


_LATIN_WORD = re.compile(r"[A-Za-z]+")
_QUOTED_NUMBER = re.compile(r"(?<![A-Za-z0-9.+])(?:\+\d[\d ()\-]{0,18}\d|\(?\d[\d ()\-]{2,18}\d)(?![A-Za-z0-9.])")


def _dialled_forms(e164: str) -> Tuple[str, ...]:
    """A number's digits as people dial it: with the country code, and nationally (with a trunk 0 where the
    country uses one: "069 380 789 305", "0800 032 6417")."""
    parsed = phonenumbers.parse(e164)
    national = re.sub(r"\D", "", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
    return (f"{parsed.country_code}{parsed.national_number}", str(parsed.national_number), national)
# "subscription" alone is billing and subscription management ("subscription renewal"), but beside a support
# plan it is the plan included with the subscription: another one ("Subscription, ProDirect and Premier") or
# that plan named again ("订阅计划 (Subscription)").
_SUBSCRIPTION_WORDS = {"subscription", "subscriptions", "订阅"}


def _plans_in_a_list_of_plans(mentions: List[Mention]) -> List[Mention]:
    if not any(m.dim == "plan" for m in mentions):
        return mentions
    return [Mention("plan", "subscription", m.start, m.end, m.text)
            if m.dim == "support_type" and m.text.casefold() in _SUBSCRIPTION_WORDS else m for m in mentions]
# alias words too ordinary to "correct" a near miss into (e.g. "services" must not become "service")
_GENERIC_WORDS = {"service", "services", "support", "business", "customer", "central", "management", "online",
                  "critical", "standard", "premier", "advantage", "subscription", "subscriptions", "insights",
                  "reality", "direct", "contract", "licence", "license", "licenses", "invoice", "payment",
                  "refund", "renewal", "purchase", "pricing", "buying", "incident", "troubleshooting",
                  "technical", "impact", "severity", "priority", "english", "german", "chinese", "mandarin",
                  "simplified", "traditional", "japanese", "french", "spanish", "italian", "portuguese",
                  "global", "globally", "international", "commercial", "public", "cloud", "worldwide",
                  "america", "states", "united", "kingdom", "britain", "england", "scotland", "wales",
                  "mainland", "operated", "operations", "finance", "marketing", "platform", "automation",
                  "project", "apps", "driven", "model", "mixed", "chain", "supply", "field", "sales", "level",
                  # ordinary words a typo fix must not reach ("quoted" is no typo of "quotes")
                  "quotes", "quotation", "enquiry", "inquiry", "representative",
                  "purchasing", "invoicing"}


def one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def _fold(alias: str) -> str:
    return re.sub(r"[\s\-_]+", "", normalize(alias)).casefold()


@lru_cache(maxsize=4)
def vocabulary_for(facts: Facts) -> Vocabulary:
    return Vocabulary(facts)
