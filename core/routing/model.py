"""Typed, read-only records of the fact base (built by loader.py from facts.yml).

Everything is a frozen dataclass so the facts can be loaded once per process and shared by every request
without copying or locking.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Optional, Tuple

# The dimensions a routing query (and a fact's selector) speaks about.
DIMS: Tuple[str, ...] = ("product", "cloud", "country", "support_type", "severity", "plan")

# The vocabulary kind each dimension draws its values from.
DIM_KIND: Mapping[str, str] = {
    "product": "products", "cloud": "clouds", "country": "countries",
    "support_type": "support_types", "severity": "severities", "plan": "plans",
}

WEEKDAYS: Tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Text:
    """One statement in both languages."""
    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Source:
    doc: str
    section: str


@dataclass(frozen=True)
class Document:
    id: str
    file: str
    title: str
    title_zh: str
    date: date
    lang: str
    translation_of: Optional[str] = None
    short: Optional[Text] = None           # the page's short name for a short answer's source line


@dataclass(frozen=True)
class Term:
    """A vocabulary entry (product, cloud, country, support type, plan, severity value or a group)."""
    kind: str
    id: str
    name: Text
    short: Optional[Text] = None           # the name a short answer uses ("Microsoft 365", "21Vianet")
    aliases: Tuple[str, ...] = ()
    aliases_cs: Tuple[str, ...] = ()       # matched case-sensitively ("US" but not "us")
    members: Tuple[str, ...] = ()          # non-empty for a group ("d365" -> its products)
    regions: Tuple[str, ...] = ()          # countries only
    tz: Optional[str] = None               # countries with a single usual time zone
    holidays: Optional[str] = None         # countries: ISO code for the holidays library
    products: Tuple[str, ...] = ()         # clouds: the products that exist in that cloud (empty = all)
    places: Tuple[str, ...] = ()           # countries: demonyms and cities (places.yml), matched like aliases

    @property
    def is_group(self) -> bool:
        return bool(self.members)


@dataclass(frozen=True)
class Selector:
    """Which queries a fact answers: per dimension the allowed values (None = any)."""
    allowed: Mapping[str, Optional[frozenset]]
    raw_countries: Tuple[str, ...] = ()    # as written, before "@region" expansion (for clarifying questions)
    # the fact applies only to a query that names at least one of these dimensions: a plan-specific exception
    # to a general rule answers a user who named the plan (the general rule, which mentions it, the rest)
    only_if_named: frozenset = frozenset()

    def get(self, dim: str) -> Optional[frozenset]:
        return self.allowed.get(dim)

    def accepts(self, dim: str, values: Optional[frozenset]) -> bool:
        """True when the query's candidate values for `dim` (None = unknown) can meet this selector."""
        allowed = self.allowed.get(dim)
        return values is None or allowed is None or bool(allowed & values)


@dataclass(frozen=True)
class Schedule:
    kind: str                               # always | weekly | business_hours
    days: frozenset = frozenset()           # weekday numbers, Monday = 0
    start: Optional[int] = None             # minutes after midnight
    end: Optional[int] = None               # minutes after midnight; 1440 = "24:00"
    tz: Optional[str] = None                # IANA zone, or "local" (the caller's zone)
    calendar: str = "none"                  # none | cn_workdays | holidays

    @property
    def has_clock(self) -> bool:
        return self.start is not None and self.end is not None


@dataclass(frozen=True, kw_only=True)
class Fact:
    id: str
    applies: Selector
    source: Source
    also: Tuple[Source, ...] = ()
    quote: Optional[str] = None
    quote_zh: Optional[str] = None
    notes: Tuple[str, ...] = ()
    conflict: Optional[str] = None
    zh_translated: bool = False

    @property
    def sources(self) -> Tuple[Source, ...]:
        return (self.source,) + self.also


@dataclass(frozen=True, kw_only=True)
class Phone(Fact):
    number: str                             # as the page writes it (or its international form)
    e164: str
    phone_region: str
    written: Optional[str] = None           # another written form of the same line on the page
    alternative: Optional[str] = None       # a second number for the same audience
    alternative_e164: Optional[str] = None
    alternative_note: Optional[str] = None
    hours: Tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NoPhone(Fact):
    note: str


@dataclass(frozen=True, kw_only=True)
class Portal(Fact):
    name: Text
    url: Optional[str] = None
    steps: Optional[Text] = None


@dataclass(frozen=True, kw_only=True)
class Hours(Fact):
    schedule: Schedule
    text: Text
    languages: Tuple[str, ...] = ()
    inferred: Optional[str] = None


@dataclass(frozen=True)
class BusinessHours:
    id: str
    regions: Tuple[str, ...]
    schedule: Schedule
    text: Text
    quote: str
    source: Source


@dataclass(frozen=True)
class Level:
    id: str
    values: frozenset                       # severity values that mean this level
    label: Text
    definition: Text
    examples: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    plans: Tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SeverityScheme(Fact):
    levels: Tuple[Level, ...]
    name: Text

    def level(self, level_id: str) -> Level:
        return next(lv for lv in self.levels if lv.id == level_id)

    def levels_for(self, severity: Optional[str]) -> Tuple[Level, ...]:
        if severity is None:
            return self.levels
        return tuple(lv for lv in self.levels if severity in lv.values)


@dataclass(frozen=True)
class Duration:
    value: int
    unit: str                               # minutes | hours | business_days

    @property
    def minutes(self) -> int:
        return self.value * {"minutes": 1, "hours": 60}[self.unit]


@dataclass(frozen=True, kw_only=True)
class ResponseTime(Fact):
    scheme: str
    level: str
    duration: Duration
    clock: str                              # always | business_hours | cn_business_days | support_hours:<id>
    text: Text
    follow_up: Optional[Text] = None


@dataclass(frozen=True, kw_only=True)
class Note(Fact):
    text: Text
    topics: Tuple[str, ...] = ()
    link: Optional[str] = None
    derived: bool = False                   # our reading of the page, said as such
    short: Optional[Text] = None            # the same fact in fewer words, for a short answer


@dataclass(frozen=True)
class Link:
    id: str
    url: str
    name: Text
    source: Source


@dataclass(frozen=True)
class LanguageSupport:
    id: str
    languages: Tuple[str, ...]
    regions: Tuple[str, ...]
    text: Text
    quote: str


@dataclass(frozen=True)
class ConflictSide:
    doc: str
    section: str
    says: str                 # verbatim from the section, or, with `absent`, what the section does not say
    absent: bool = False


@dataclass(frozen=True)
class Conflict:
    id: str
    about: Text
    sides: Tuple[ConflictSide, ...]
    winner: str
    rule: str
    why: Text


@dataclass(frozen=True)
class Inference:
    when: Mapping[str, frozenset]
    set: Mapping[str, str]


@dataclass(frozen=True, eq=False)          # identity hash: one Facts object per loaded file
class Facts:
    """The whole fact base. Build it with loader.load_facts(); never mutate it."""
    documents: Mapping[str, Document]
    section_titles_zh: Mapping[str, str]
    vocab: Mapping[str, Mapping[str, Term]]        # kind -> id -> term (groups included, see Term.members)
    regions: Mapping[str, Text]
    inferences: Tuple[Inference, ...]
    phones: Tuple[Phone, ...]
    no_phone: Tuple[NoPhone, ...]
    portals: Tuple[Portal, ...]
    links: Mapping[str, Link]
    hours: Mapping[str, Hours]
    business_hours: Tuple[BusinessHours, ...]
    schemes: Mapping[str, SeverityScheme]
    response_times: Tuple[ResponseTime, ...]
    language_support: Tuple[LanguageSupport, ...]
    language_meta: Mapping[str, object]
    notes: Mapping[str, Note]
    conflicts: Mapping[str, Conflict]
    not_covered: Tuple[str, ...] = ()              # product names the documents do not cover ("Azure")
    not_mentions: Tuple[str, ...] = ()             # phrases holding an alias that do not mean it ("国际长途")

    def term(self, kind: str, term_id: str) -> Term:
        return self.vocab[kind][term_id]

    def name(self, dim: str, value: str, lang: str) -> str:
        """Display name of a dimension value ("china_21v" -> "operated by 21Vianet (China)")."""
        return self.vocab[DIM_KIND[dim]][value].name.get(lang)

    def section_title(self, source: Source, lang: str) -> str:
        return self.section_titles_zh.get(source.section, source.section) if lang == "zh" else source.section

