"""Load facts.yml into the typed model, validating as it goes.

A broken facts file must fail at start-up with a message that names the entry (``phones[m365_us].number:
...``), never later in a conversation. Checks: schema and types, known ids in every selector and reference,
phone numbers that parse for their region (phonenumbers), real IANA time zones, sane schedules, response
clocks that point at hours with clock times, and aliases that name one thing only.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml

from .model import (
    DIM_KIND, DIMS, WEEKDAYS, BusinessHours, Conflict, ConflictSide, Document, Duration, Facts, Hours,
    Inference, LanguageSupport, Level, Link, Note, NoPhone, Phone, Portal, ResponseTime, Schedule, Selector,
    SeverityScheme, Source, Term, Text,
)

FACTS_PATH = Path(__file__).with_name("facts.yml")
PLACES_PATH = Path(__file__).with_name("places.yml")
VOCAB_KINDS = ("products", "clouds", "countries", "support_types", "plans", "severities")
CALENDARS = ("none", "cn_workdays", "holidays")
CLOCKS = ("always", "business_hours", "cn_business_days")


class FactsError(ValueError):
    """The facts file is invalid; the message names the offending entry."""


# ----------------------------------------------------------------------------------------- small checkers
def _fail(where: str, msg: str) -> None:
    raise FactsError(f"{where}: {msg}")


def _get(d: Mapping, key: str, where: str, typ=str, required: bool = True, default=None):
    if not isinstance(d, Mapping):
        _fail(where, f"expected a mapping, got {type(d).__name__}")
    if key not in d or d[key] is None:
        if required:
            _fail(f"{where}.{key}", "missing")
        return default
    value = d[key]
    if typ is not None and not isinstance(value, typ):
        _fail(f"{where}.{key}", f"expected {getattr(typ, '__name__', typ)}, got {type(value).__name__}")
    return value


def _text(d: Mapping, key: str, where: str, required: bool = True) -> Optional[Text]:
    raw = _get(d, key, where, dict, required)
    if raw is None:
        return None
    extra = set(raw) - {"en", "zh"}
    if extra:   # usually an unquoted comma inside a YAML flow mapping split the text
        _fail(f"{where}.{key}", f"unexpected keys {sorted(map(str, extra))} (quote texts that contain commas)")
    en = _get(raw, "en", f"{where}.{key}")
    zh = _get(raw, "zh", f"{where}.{key}")
    if not en.strip() or not zh.strip():
        _fail(f"{where}.{key}", "empty text")
    return Text(en.strip(), zh.strip())


def _str_list(d: Mapping, key: str, where: str) -> Tuple[str, ...]:
    raw = _get(d, key, where, list, required=False, default=[])
    for i, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            _fail(f"{where}.{key}[{i}]", f"expected a non-empty string, got {item!r}")
    return tuple(raw)


def _minutes(value: str, where: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value or "")
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (int(m.group(1)) == 24 and m.group(2) != "00"):
        _fail(where, f"expected HH:MM (00:00-24:00), got {value!r}")
    return int(m.group(1)) * 60 + int(m.group(2))


class _Loader:
    def __init__(self, raw: Mapping[str, Any], places: Optional[Mapping[str, Any]] = None):
        if not isinstance(raw, Mapping):
            _fail("facts", "top level must be a mapping")
        self.raw = raw
        self.places = places or {}
        self.documents: Dict[str, Document] = {}
        self.vocab: Dict[str, Dict[str, Term]] = {}
        self.regions: Dict[str, Text] = {}

    # ------------------------------------------------------------------------------------- vocabulary
    def documents_(self) -> None:
        for doc_id, d in _get(self.raw, "documents", "facts", dict).items():
            where = f"documents[{doc_id}]"
            when = _get(d, "date", where, (date, str))
            try:
                when = when if isinstance(when, date) else date.fromisoformat(when)
            except ValueError:
                _fail(f"{where}.date", f"not a date: {when!r}")
            lang = _get(d, "lang", where)
            if lang not in ("en", "zh"):
                _fail(f"{where}.lang", f"expected en or zh, got {lang!r}")
            self.documents[doc_id] = Document(doc_id, _get(d, "file", where), _get(d, "title", where),
                                              _get(d, "title_zh", where), when, lang,
                                              _get(d, "translation_of", where, required=False),
                                              _text(d, "short", where, required=False))
        for doc in self.documents.values():
            if doc.translation_of and doc.translation_of not in self.documents:
                _fail(f"documents[{doc.id}].translation_of", f"unknown document {doc.translation_of!r}")

    def vocabulary(self) -> None:
        self.regions = {rid: Text(_get(r, "en", f"regions[{rid}]"), _get(r, "zh", f"regions[{rid}]"))
                        for rid, r in _get(self.raw, "regions", "facts", dict).items()}
        for kind in VOCAB_KINDS:
            self.vocab[kind] = {}
            for tid, d in _get(self.raw, kind, "facts", dict).items():
                self.vocab[kind][str(tid)] = self._term(kind, str(tid), d)
        for kind, group_key in (("products", "product_groups"), ("plans", "plan_groups"),
                                ("countries", "country_groups")):
            for gid, d in _get(self.raw, group_key, "facts", dict, required=False, default={}).items():
                where = f"{group_key}[{gid}]"
                if gid in self.vocab[kind]:
                    _fail(where, f"id clashes with a {kind} id")
                members = _str_list(d, "members", where)
                if not members:
                    _fail(f"{where}.members", "a group needs members")
                for m in members:
                    if m not in self.vocab[kind]:
                        _fail(f"{where}.members", f"unknown {kind} id {m!r}")
                term = self._term(kind, gid, d)
                self.vocab[kind][gid] = Term(**{**term.__dict__, "members": members})
        for cid, c in self.vocab["countries"].items():
            for r in c.regions:
                if r not in self.regions:
                    _fail(f"countries[{cid}].regions", f"unknown region {r!r}")
        for cid, c in self.vocab["clouds"].items():
            for p in c.products:
                if p not in self.vocab["products"]:
                    _fail(f"clouds[{cid}].products", f"unknown product {p!r}")
        self._add_places()
        self._check_aliases()

    def _add_places(self) -> None:
        """Demonyms, cities and states name a country without its name ("a Melbourne office", "我们在多伦多",
        "we're in Texas")."""
        if not isinstance(self.places, Mapping):
            _fail("places", "top level must be a mapping")
        for cid, d in self.places.items():
            where = f"places[{cid}]"
            term = self.vocab["countries"].get(str(cid))
            if term is None:
                _fail(where, "unknown country id")
            if not isinstance(d, Mapping):
                _fail(where, f"expected a mapping, got {type(d).__name__}")
            unknown = set(d) - {"demonyms", "cities", "regions"}
            if unknown:
                _fail(where, f"unexpected keys {sorted(map(str, unknown))} (expected demonyms, cities, regions)")
            names = _str_list(d, "demonyms", where) + _str_list(d, "cities", where) + _str_list(d, "regions", where)
            for name in names:
                if len(name.strip()) < 2:
                    _fail(where, f"{name!r} is too short to name a place only")
            self.vocab["countries"][str(cid)] = Term(**{**term.__dict__, "places": names})

    def _term(self, kind: str, tid: str, d: Mapping) -> Term:
        where = f"{kind}[{tid}]"
        tz = _get(d, "tz", where, required=False)
        if tz:
            self._zone(tz, f"{where}.tz")
        return Term(kind=kind, id=tid, name=_text(d, "name", where), short=_text(d, "short", where, required=False),
                    aliases=_str_list(d, "aliases", where),
                    aliases_cs=_str_list(d, "aliases_cs", where), regions=_str_list(d, "regions", where), tz=tz,
                    holidays=_get(d, "holidays", where, required=False),
                    products=_str_list(d, "products", where))

    def _check_aliases(self) -> None:
        for kind, terms in self.vocab.items():
            seen: Dict[str, str] = {}
            for tid, term in terms.items():
                for alias in term.aliases + term.aliases_cs + term.places:
                    key = alias if alias in term.aliases_cs else alias.casefold()
                    key = re.sub(r"\s+", " ", key).strip()
                    if key in seen and seen[key] != tid:
                        _fail(f"{kind}[{tid}].aliases", f"alias {alias!r} also names {seen[key]!r}")
                    seen[key] = tid

    @staticmethod
    def _zone(tz: str, where: str) -> None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            _fail(where, f"unknown time zone {tz!r}")

    # ------------------------------------------------------------------------------------- shared parts
    def source(self, d: Any, where: str) -> Source:
        doc = _get(d, "doc", where)
        if doc not in self.documents:
            _fail(f"{where}.doc", f"unknown document {doc!r}")
        return Source(doc, _get(d, "section", where))

    def selector(self, d: Mapping, where: str) -> Selector:
        allowed: Dict[str, Optional[frozenset]] = {}
        for key in d:
            if key not in DIMS and key not in ("countries_except", "only_if_named"):
                _fail(f"{where}.{key}", f"unknown dimension (expected one of {', '.join(DIMS)}, countries_except, "
                                        "only_if_named)")
        raw_countries: Tuple[str, ...] = ()
        for dim in DIMS:
            values = _get(d, dim, where, list, required=False)
            if values is None:
                allowed[dim] = None
                continue
            if not values:
                _fail(f"{where}.{dim}", "empty list (leave the dimension out to mean 'any')")
            out = set()
            for v in map(str, values):
                if dim == "country" and v.startswith("@"):
                    if v[1:] not in self.regions:
                        _fail(f"{where}.{dim}", f"unknown region {v!r}")
                    out |= {cid for cid, c in self.vocab["countries"].items() if v[1:] in c.regions}
                    continue
                self.ref(DIM_KIND[dim], v, f"{where}.{dim}", allow_group=False)
                out.add(v)
            if dim == "country":
                raw_countries = tuple(map(str, values))
            allowed[dim] = frozenset(out)
        except_ = _str_list(d, "countries_except", where)
        for c in except_:
            self.ref("countries", c, f"{where}.countries_except", allow_group=False)
        if except_:
            base = allowed["country"] if allowed["country"] is not None else frozenset(self.vocab["countries"])
            allowed["country"] = base - frozenset(except_)
        named = _str_list(d, "only_if_named", where)
        for dim in named:
            if dim not in DIMS or allowed[dim] is None:
                _fail(f"{where}.only_if_named", f"{dim!r} must be a dimension this selector restricts")
        return Selector(allowed, raw_countries, frozenset(named))

    def ref(self, kind: str, value: str, where: str, allow_group: bool = True) -> str:
        term = self.vocab[kind].get(value)
        if term is None or (term.is_group and not allow_group):
            _fail(where, f"unknown {kind[:-1].replace('_', ' ')} {value!r}")
        return value

    def fact_kwargs(self, d: Mapping, where: str) -> Dict[str, Any]:
        also = tuple(self.source(s, f"{where}.also[{i}]")
                     for i, s in enumerate(_get(d, "also", where, list, required=False, default=[])))
        return dict(id=_get(d, "id", where), applies=self.selector(_get(d, "applies", where, dict), f"{where}.applies"),
                    source=self.source(_get(d, "source", where, dict), f"{where}.source"), also=also,
                    quote=_get(d, "quote", where, required=False), quote_zh=_get(d, "quote_zh", where, required=False),
                    notes=_str_list(d, "notes", where), conflict=_get(d, "conflict", where, required=False),
                    zh_translated=bool(_get(d, "zh_translated", where, bool, required=False, default=False)))

    def schedule(self, d: Mapping, where: str) -> Schedule:
        kind = _get(d, "kind", where)
        if kind in ("always", "business_hours"):
            return Schedule(kind)
        if kind != "weekly":
            _fail(f"{where}.kind", f"expected always, weekly or business_hours, got {kind!r}")
        days = _str_list(d, "days", where)
        if not days or any(day not in WEEKDAYS for day in days):
            _fail(f"{where}.days", f"expected weekday names from {WEEKDAYS}, got {days!r}")
        start, end = _get(d, "start", where, required=False), _get(d, "end", where, required=False)
        if (start is None) != (end is None):
            _fail(where, "give both start and end, or neither")
        start_m = _minutes(start, f"{where}.start") if start else None
        end_m = _minutes(end, f"{where}.end") if end else None
        if start_m is not None and start_m >= end_m:
            _fail(where, f"start {start} is not before end {end}")
        tz = _get(d, "tz", where)
        if tz != "local":
            self._zone(tz, f"{where}.tz")
        calendar = _get(d, "calendar", where)
        if calendar not in CALENDARS:
            _fail(f"{where}.calendar", f"expected one of {CALENDARS}, got {calendar!r}")
        return Schedule("weekly", frozenset(WEEKDAYS.index(x) for x in days), start_m, end_m, tz, calendar)

    # ------------------------------------------------------------------------------------- facts
    def phone(self, d: Mapping, where: str) -> Phone:
        region = _get(d, "phone_region", where)
        number = _get(d, "number", where)
        e164 = self.e164(number, region, f"{where}.number")
        written = _get(d, "written", where, required=False)
        if written and self.e164(written, region, f"{where}.written") != e164:
            _fail(f"{where}.written", f"{written!r} is not the same line as {number!r}")
        alt = _get(d, "alternative", where, dict, required=False) or {}
        alt_number = alt.get("number")
        return Phone(**self.fact_kwargs(d, where), number=number, e164=e164, phone_region=region, written=written,
                     alternative=alt_number,
                     alternative_e164=self.e164(alt_number, region, f"{where}.alternative") if alt_number else None,
                     alternative_note=alt.get("note"), hours=_str_list(d, "hours", where))

    @staticmethod
    def e164(number: str, region: str, where: str) -> str:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException as e:
            _fail(where, f"cannot parse {number!r}: {e}")
        if not phonenumbers.is_valid_number(parsed):
            _fail(where, f"{number!r} is not a valid number for region {region}")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    def scheme(self, sid: str, d: Mapping) -> SeverityScheme:
        where = f"severity_schemes[{sid}]"
        levels = []
        for i, lv in enumerate(_get(d, "levels", where, list)):
            lw = f"{where}.levels[{lv.get('id', i) if isinstance(lv, Mapping) else i}]"
            values = _str_list(lv, "values", lw)
            for v in values:
                self.ref("severities", v, f"{lw}.values")
            plans = _str_list(lv, "plans", lw)
            for p in plans:
                self.ref("plans", p, f"{lw}.plans")
            examples = _get(lv, "examples", lw, dict, required=False, default={})
            levels.append(Level(_get(lv, "id", lw), frozenset(values), _text(lv, "label", lw),
                                _text(lv, "definition", lw), {k: tuple(v) for k, v in examples.items()}, plans))
        body = dict(d, id=sid)
        return SeverityScheme(**self.fact_kwargs(body, where), levels=tuple(levels), name=_text(d, "name", where))

    def response(self, d: Mapping, where: str, schemes: Mapping[str, SeverityScheme],
                 hours: Mapping[str, Hours]) -> ResponseTime:
        kw = self.fact_kwargs(d, where)
        scheme_id = _get(d, "scheme", where)
        if scheme_id not in schemes:
            _fail(f"{where}.scheme", f"unknown severity scheme {scheme_id!r}")
        level_id = _get(d, "level", where)
        level = next((lv for lv in schemes[scheme_id].levels if lv.id == level_id), None)
        if level is None:
            _fail(f"{where}.level", f"scheme {scheme_id!r} has no level {level_id!r}")
        if kw["applies"].get("severity") is not None:
            _fail(f"{where}.applies.severity", "set by the level; leave it out")
        kw["applies"] = Selector({**kw["applies"].allowed, "severity": level.values}, kw["applies"].raw_countries)
        dur = _get(d, "duration", where, dict)
        unit = _get(dur, "unit", f"{where}.duration")
        value = _get(dur, "value", f"{where}.duration", int)
        if unit not in ("minutes", "hours", "business_days") or value <= 0:
            _fail(f"{where}.duration", f"expected a positive value in minutes, hours or business_days, got {dur!r}")
        clock = _get(d, "clock", where)
        if clock.startswith("support_hours:"):
            target = hours.get(clock.split(":", 1)[1])
            if target is None:
                _fail(f"{where}.clock", f"unknown hours entry in {clock!r}")
            if not target.schedule.has_clock:
                _fail(f"{where}.clock", f"hours entry {target.id!r} has no clock times to count in")
        elif clock not in CLOCKS:
            _fail(f"{where}.clock", f"expected one of {CLOCKS} or support_hours:<id>, got {clock!r}")
        if (unit == "business_days") != (clock == "cn_business_days"):
            _fail(f"{where}.clock", "business_days durations need the cn_business_days clock, and only they")
        return ResponseTime(**kw, scheme=scheme_id, level=level_id, duration=Duration(value, unit), clock=clock,
                            text=_text(d, "text", where), follow_up=_text(d, "follow_up", where, required=False))

    def conflict(self, cid: str, d: Mapping) -> Conflict:
        where = f"conflicts[{cid}]"
        sides = []
        for i, s in enumerate(_get(d, "sides", where, list)):
            src = self.source(s, f"{where}.sides[{i}]")
            sides.append(ConflictSide(src.doc, src.section, _get(s, "says", f"{where}.sides[{i}]"),
                                      bool(s.get("absent", False))))
        if len(sides) < 2:
            _fail(f"{where}.sides", "a conflict has at least two sides")
        winner = _get(d, "winner", where)
        if winner not in {s.doc for s in sides}:
            _fail(f"{where}.winner", f"{winner!r} is not one of the sides' documents")
        return Conflict(cid, _text(d, "about", where), tuple(sides), winner, _get(d, "rule", where),
                        _text(d, "why", where))

    def inference(self, i: int, d: Mapping) -> Inference:
        where = f"inferences[{i}]"
        if set(d) - {"when", "set"}:
            _fail(where, f"unexpected keys {sorted(set(d) - {'when', 'set'})} (an inference has when and set)")
        when: Dict[str, frozenset] = {}
        for dim, values in _get(d, "when", where, dict).items():
            if dim not in DIMS:
                _fail(f"{where}.when", f"unknown dimension {dim!r}")
            when[dim] = self.selector({dim: values}, f"{where}.when").get(dim)
        setting = _get(d, "set", where, dict)
        for dim, value in setting.items():
            if dim not in DIMS:
                _fail(f"{where}.set", f"unknown dimension {dim!r}")
            self.ref(DIM_KIND[dim], str(value), f"{where}.set.{dim}", allow_group=True)
        return Inference(when, {k: str(v) for k, v in setting.items()})

    # ------------------------------------------------------------------------------------- assemble
    def build(self) -> Facts:
        self.documents_()
        self.vocabulary()
        raw = self.raw
        links = {}
        for lid, d in _get(raw, "links", "facts", dict).items():
            where = f"links[{lid}]"
            links[lid] = Link(lid, _get(d, "url", where), _text(d, "name", where),
                              self.source(_get(d, "source", where, dict), f"{where}.source"))
        notes = {}
        for nid, d in _get(raw, "notes", "facts", dict).items():
            where = f"notes[{nid}]"
            body = dict(d, id=nid)
            notes[nid] = Note(**self.fact_kwargs(body, where), text=_text(d, "text", where),
                              topics=_str_list(d, "topics", where),
                              link=_get(d, "link", where, required=False), derived=bool(d.get("derived", False)),
                              short=_text(d, "short", where, required=False))
        hours = {}
        for i, d in enumerate(_get(raw, "hours", "facts", list)):
            where = f"hours[{d.get('id', i)}]"
            h = Hours(**self.fact_kwargs(d, where),
                      schedule=self.schedule(_get(d, "schedule", where, dict), f"{where}.schedule"),
                      text=_text(d, "text", where), languages=_str_list(d, "languages", where),
                      inferred=_get(d, "inferred", where, required=False))
            if h.id in hours:
                _fail(where, "duplicate id")
            hours[h.id] = h
        business_hours = []
        for i, d in enumerate(_get(raw, "business_hours", "facts", list)):
            where = f"business_hours[{d.get('id', i)}]"
            regions = _str_list(d, "regions", where)
            for r in regions:
                if r not in self.regions:
                    _fail(f"{where}.regions", f"unknown region {r!r}")
            sched = self.schedule(_get(d, "schedule", where, dict), f"{where}.schedule")
            if sched.kind != "weekly" or not sched.has_clock:
                _fail(f"{where}.schedule", "business hours need a weekly schedule with clock times")
            business_hours.append(BusinessHours(_get(d, "id", where), regions, sched, _text(d, "text", where),
                                                _get(d, "quote", where),
                                                self.source(_get(d, "source", where, dict), f"{where}.source")))
        if not business_hours or business_hours[-1].regions:
            _fail("business_hours", "the last entry must be the default (regions: [])")
        schemes = {sid: self.scheme(sid, d) for sid, d in _get(raw, "severity_schemes", "facts", dict).items()}
        phones = tuple(self.phone(d, f"phones[{d.get('id', i)}]")
                       for i, d in enumerate(_get(raw, "phones", "facts", list)))
        no_phone = tuple(NoPhone(**self.fact_kwargs(d, f"no_phone[{d.get('id', i)}]"),
                                 note=_get(d, "note", f"no_phone[{d.get('id', i)}]"))
                         for i, d in enumerate(_get(raw, "no_phone", "facts", list)))
        portals = []
        for i, d in enumerate(_get(raw, "portals", "facts", list)):
            where = f"portals[{d.get('id', i)}]"
            url = _get(d, "url", where, required=False)
            if url is not None and not re.fullmatch(r"https://[\w.-]+(/[\w./?=&%+-]*)?", url):
                _fail(f"{where}.url", f"not an https URL: {url!r}")
            portals.append(Portal(**self.fact_kwargs(d, where), name=_text(d, "name", where), url=url,
                                  steps=_text(d, "steps", where, required=False)))
        responses = tuple(self.response(d, f"response_times[{d.get('id', i)}]", schemes, hours)
                          for i, d in enumerate(_get(raw, "response_times", "facts", list)))
        langs = []
        for i, d in enumerate(_get(raw, "language_support", "facts", list)):
            where = f"language_support[{d.get('id', i)}]"
            regions = _str_list(d, "regions", where)
            for r in regions:
                if r not in self.regions:
                    _fail(f"{where}.regions", f"unknown region {r!r}")
            langs.append(LanguageSupport(_get(d, "id", where), _str_list(d, "languages", where), regions,
                                         _text(d, "text", where), _get(d, "quote", where)))
        meta_raw = _get(raw, "language_support_meta", "facts", dict)
        meta = {"applies": self.selector(_get(meta_raw, "applies", "language_support_meta", dict),
                                         "language_support_meta.applies"),
                "source": self.source(_get(meta_raw, "source", "language_support_meta", dict),
                                      "language_support_meta.source"),
                "footnote": _text(meta_raw, "footnote", "language_support_meta"),
                "footnote_quote": _get(meta_raw, "footnote_quote", "language_support_meta"),
                "translation_note": _text(meta_raw, "translation_note", "language_support_meta"),
                "translation_note_quote": _get(meta_raw, "translation_note_quote", "language_support_meta")}
        conflicts = {cid: self.conflict(cid, d) for cid, d in _get(raw, "conflicts", "facts", dict).items()}
        inferences = tuple(self.inference(i, d) for i, d in enumerate(_get(raw, "inferences", "facts", list)))
        section_titles_zh = _get(raw, "section_titles_zh", "facts", dict)

        facts = Facts(self.documents, section_titles_zh, self.vocab, self.regions, inferences, phones, no_phone,
                      tuple(portals), links, hours, tuple(business_hours), schemes, responses, tuple(langs), meta,
                      notes, conflicts, _str_list(raw, "not_covered", "facts"), _str_list(raw, "not_mentions", "facts"))
        _check_references(facts)
        return facts


def _all_facts(facts: Facts) -> Iterable[Tuple[str, Any]]:
    yield from ((f"phones[{x.id}]", x) for x in facts.phones)
    yield from ((f"no_phone[{x.id}]", x) for x in facts.no_phone)
    yield from ((f"portals[{x.id}]", x) for x in facts.portals)
    yield from ((f"hours[{x.id}]", x) for x in facts.hours.values())
    yield from ((f"response_times[{x.id}]", x) for x in facts.response_times)
    yield from ((f"severity_schemes[{x.id}]", x) for x in facts.schemes.values())
    yield from ((f"notes[{x.id}]", x) for x in facts.notes.values())


def _check_references(facts: Facts) -> None:
    """No dangling reference anywhere: notes, links, conflicts, hours, and zh titles for every section used."""
    ids: Dict[str, str] = {}
    sections: List[Tuple[str, Source]] = []
    for where, fact in _all_facts(facts):
        key = where.split("[", 1)[0] + ":" + fact.id      # ids are unique within their kind
        if key in ids:
            _fail(where, "duplicate id")
        ids[key] = where
        for n in fact.notes:
            if n not in facts.notes:
                _fail(f"{where}.notes", f"unknown note {n!r}")
        if fact.conflict and fact.conflict not in facts.conflicts:
            _fail(f"{where}.conflict", f"unknown conflict {fact.conflict!r}")
        sections += [(where, s) for s in fact.sources]
        if not fact.quote and not isinstance(fact, (NoPhone, SeverityScheme)):  # those quote through notes / levels
            _fail(f"{where}.quote", "every fact quotes its source")
    for p in facts.phones:
        for h in p.hours:
            if h not in facts.hours:
                _fail(f"phones[{p.id}].hours", f"unknown hours entry {h!r}")
        if p.alternative_note and p.alternative_note not in facts.notes:
            _fail(f"phones[{p.id}].alternative.note", f"unknown note {p.alternative_note!r}")
    for np in facts.no_phone:
        if np.note not in facts.notes:
            _fail(f"no_phone[{np.id}].note", f"unknown note {np.note!r}")
    for nid, n in facts.notes.items():
        if n.link and n.link not in facts.links:
            _fail(f"notes[{nid}].link", f"unknown link {n.link!r}")
    sections += [(f"links[{lid}]", link.source) for lid, link in facts.links.items()]
    sections += [(f"business_hours[{b.id}]", b.source) for b in facts.business_hours]
    sections += [(f"conflicts[{c.id}].sides", Source(s.doc, s.section))
                 for c in facts.conflicts.values() for s in c.sides]
    for where, src in sections:
        if src.section not in facts.section_titles_zh:
            _fail(where, f"section {src.section!r} has no zh title in section_titles_zh")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FactsError(f"{path}: not valid YAML: {e}") from e


def load_facts(path: Optional[Path] = None, places: Optional[Path] = None) -> Facts:
    """Read and validate a facts file (default: the one beside this module), with the place names of
    `places` (default: places.yml beside this module when the facts file is the default one)."""
    places = places or (PLACES_PATH if path is None else None)
    return _Loader(_read_yaml(Path(path or FACTS_PATH)), _read_yaml(Path(places)) if places else None).build()
