"""The routing engine: a query in, every applicable fact out, plus what is missing to narrow it down.

A query names any of product, cloud, country, support type, severity and plan (each may be unknown, an
alias, or a group such as "Dynamics 365"). The router normalises it, applies the documented inferences
(China -> 21Vianet, ...), selects the facts whose selectors accept it, and for each answer part (phone,
portal, hours, response, severity) decides whether the rows are few enough to show or whether the
dialogue should ask: then `missing` names the dimension and its candidate values. It never picks one of
several numbers on the caller's behalf.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import schedule as sched
from .loader import load_facts
from .model import (
    DIM_KIND, DIMS, BusinessHours, Conflict, Facts, Hours, Level, Note, NoPhone, Phone, ResponseTime,
    Source, Term,
)
from .vocab import vocabulary_for

PARTS = ("phone", "portal", "hours", "response", "severity")
# How many distinct answers a part may show before the dialogue should ask instead.
MAX_ROWS = {"phone": 2, "portal": 4, "hours": 4, "response": 7, "severity": 2}
# The order in which missing dimensions are asked for.
ASK_ORDER = ("product", "country", "cloud", "support_type", "plan", "severity")
# When a part's rows split on support type and the caller named none, technical support is meant; for hours,
# when the caller named a severity level (a level is how technical requests are ranked: "Sev A - 24/7?").
PREFER_TECHNICAL = ("phone", "portal", "response")
PREFER_TECHNICAL_FOR_A_LEVEL = ("hours",)


@dataclass(frozen=True)
class Query:
    product: Optional[str] = None
    cloud: Optional[str] = None
    country: Optional[str] = None
    support_type: Optional[str] = None
    severity: Optional[str] = None
    plan: Optional[str] = None

    def get(self, dim: str) -> Optional[str]:
        return getattr(self, dim)

    def as_dict(self) -> Dict[str, str]:
        return {d: getattr(self, d) for d in DIMS if getattr(self, d) is not None}


@dataclass(frozen=True)
class Missing:
    dim: str
    candidates: Tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    code: str          # unknown_value | cloud_product_mismatch | billing_max_b | no_level_for_plan
    dim: Optional[str] = None
    value: Optional[str] = None


@dataclass(frozen=True)
class HoursAnswer:
    hours: Hours
    status: sched.LineStatus
    business_hours: Optional[BusinessHours] = None


@dataclass(frozen=True)
class ResponseAnswer:
    response: ResponseTime
    level: Level
    due: sched.Due
    business_hours: Optional[BusinessHours] = None


@dataclass(frozen=True)
class Part:
    """One answer part: the rows that apply, and what to ask when they are too many to show."""
    name: str
    rows: Tuple = ()
    missing: Optional[Missing] = None
    labels: Tuple[str, ...] = ()        # dimensions that tell the shown rows apart (label each row by them)

    @property
    def status(self) -> str:
        return "ask" if self.missing else ("answer" if self.rows else "none")


@dataclass(frozen=True)
class Route:
    """A typed routing answer: where to go online, what to call, hours, first response, notes, sources."""
    query: Query                                    # after normalisation and inference
    inferred: Mapping[str, str]                     # dims the router filled in, and with what
    candidates: Mapping[str, Optional[frozenset]]   # per dim: the values still possible (None = any)
    phone: Part
    no_phone: Tuple[NoPhone, ...]
    portal: Part
    hours: Part
    response: Part
    severity: Part
    notes: Tuple[Note, ...]
    conflicts: Tuple[Conflict, ...]
    problems: Tuple[Problem, ...]
    now: datetime
    facts: Facts = field(repr=False, compare=False)

    def part(self, name: str) -> Part:
        return getattr(self, name)

    def notes_for(self, topic: str) -> Tuple[Note, ...]:
        return tuple(n for n in self.notes if topic in n.topics)

    @property
    def sources(self) -> Tuple[Source, ...]:
        return _dedupe(s for p in PARTS for r in self.part(p).rows for s in row_fact(r).sources)

    def sources_for(self, part: str) -> Tuple[Source, ...]:
        return _dedupe(s for r in self.part(part).rows for s in row_fact(r).sources)

    def row_label(self, part: str, row) -> Dict[str, Tuple[str, ...]]:
        """For each labelling dimension of the part, the values this row applies to."""
        fact = row_fact(row)
        out = {}
        for dim in self.part(part).labels:
            values = within(fact.applies.get(dim), self.candidates.get(dim))
            if values:
                out[dim] = tuple(v for v in self.facts.vocab[DIM_KIND[dim]] if v in values)
        return out


def within(allowed: Optional[frozenset], cand: Optional[frozenset]) -> Optional[frozenset]:
    """The values a fact applies to among those the query still allows (None = any)."""
    if cand is None:
        return allowed
    return cand if allowed is None else allowed & cand


def row_fact(row):
    """The fact a part's row shows: an hours or response answer's fact, else the row itself."""
    return row.hours if isinstance(row, HoursAnswer) else row.response if isinstance(row, ResponseAnswer) else row


def _dedupe(items: Iterable) -> Tuple:
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return tuple(out)


# ------------------------------------------------------------------------------------------------ engine
class Router:
    def __init__(self, facts: Facts):
        self.facts = facts
        self.vocab = vocabulary_for(facts)

    # -------------------------------------------------------------------------- normalise + infer
    def normalise(self, query: Query) -> Tuple[Query, List[Problem]]:
        problems, values = [], {}
        for dim in DIMS:
            raw = query.get(dim)
            if raw is None or str(raw).strip() == "":
                continue
            canonical = self.vocab.resolve(dim, raw)
            if canonical is None:
                problems.append(Problem("unknown_value", dim, str(raw)))
            else:
                values[dim] = canonical
        return Query(**values), problems

    def candidates(self, q: Query) -> Dict[str, Optional[frozenset]]:
        cand: Dict[str, Optional[frozenset]] = {}
        for dim in DIMS:
            v = q.get(dim)
            if v is None:
                cand[dim] = None
                continue
            term = self.facts.vocab[DIM_KIND[dim]][v]
            cand[dim] = frozenset(term.members) if term.is_group else frozenset([v])
        return cand

    def infer(self, q: Query, cand: Dict[str, Optional[frozenset]], problems: List[Problem]):
        inferred: Dict[str, str] = {}
        cloud = q.cloud and self.facts.vocab["clouds"][q.cloud]
        if cloud and cloud.products:
            if cand["product"] is None:
                if len(cloud.products) == 1:
                    cand["product"] = frozenset(cloud.products)
                    inferred["product"] = cloud.products[0]
            elif not cand["product"] & set(cloud.products):
                problems.append(Problem("cloud_product_mismatch", "cloud", q.cloud))
                cand["cloud"] = None
        changed = True
        while changed:
            changed = False
            for rule in self.facts.inferences:
                target, value = next(iter(rule.set.items()))
                if cand[target] is not None:
                    continue
                if all(cand[d] is not None and cand[d] <= allowed for d, allowed in rule.when.items()):
                    term = self.facts.vocab[DIM_KIND[target]][value]      # a group stands for its members
                    cand[target] = frozenset(term.members) if term.is_group else frozenset([value])
                    inferred[target] = value
                    changed = True
        values = {d: v for d, v in q.as_dict().items() if cand[d] is not None}   # drops a rejected cloud
        values.update(inferred)
        return Query(**values), inferred

    def cloud_serves(self, cloud: str, country: str) -> bool:
        """Whether a phone, portal or hours fact of `cloud` names `country`, itself or through its region
        (Office 365 Germany names Germany and the rest of the EEA; 21Vianet names China only)."""
        cloud_id, country_id = self.vocab.resolve("cloud", cloud), self.vocab.resolve("country", country)
        for fact in (*self.facts.phones, *self.facts.portals, *self.facts.hours.values()):
            clouds, countries = fact.applies.get("cloud"), self._effective(fact, "country")
            if clouds and cloud_id in clouds and countries and country_id in countries:
                return True
        return False

    # -------------------------------------------------------------------------- selection
    def _select(self, rows: Sequence, cand: Mapping[str, Optional[frozenset]]) -> List:
        out = []
        for r in rows:
            named = r.applies.only_if_named
            ok = not named or any(cand[d] is not None for d in named)
            for d in DIMS if ok else ():
                allowed, values = self._effective(r, d), cand[d]
                if values is not None and allowed is not None and not allowed & values:
                    ok = False
                    break
            if ok:
                out.append(r)
        return out

    @staticmethod
    def _effective(fact, dim: str) -> Optional[frozenset]:
        """The values a fact applies to; a 21Vianet fact with no country applies to China only."""
        allowed = fact.applies.get(dim)
        if dim == "country" and allowed is None and fact.applies.get("cloud") == frozenset(["china_21v"]):
            return frozenset(["cn"])
        return allowed

    def _part(self, name: str, rows: List, cand: Mapping[str, Optional[frozenset]], key) -> Part:
        if cand["support_type"] is None and rows and (
                name in PREFER_TECHNICAL or name in PREFER_TECHNICAL_FOR_A_LEVEL and cand["severity"] is not None):
            technical = [r for r in rows if row_fact(r).applies.accepts("support_type", frozenset(["technical"]))]
            if technical and len(technical) < len(rows):
                rows = technical
        labels = tuple(d for d in DIMS if (cand[d] is None or len(cand[d]) > 1)
                       and len({within(self._effective(row_fact(r), d), cand[d]) for r in rows}) > 1)
        distinct = len({key(r) for r in rows})
        missing = None
        if distinct > MAX_ROWS[name]:
            missing = self._missing(rows, cand, key)
        return Part(name, tuple(rows), missing, labels)

    def _missing(self, rows: List, cand: Mapping[str, Optional[frozenset]], key) -> Optional[Missing]:
        for dim in ASK_ORDER:
            if cand[dim] is not None and len(cand[dim]) == 1:
                continue
            per_key: Dict[object, set] = {}
            for r in rows:
                eff = within(self._effective(row_fact(r), dim), cand[dim])
                per_key.setdefault(key(r), set()).add(eff)
            sets = {frozenset(s) for s in per_key.values()}
            if len(sets) <= 1 and all(len(s) == 1 for s in per_key.values()):
                continue
            values = set()
            for r in rows:
                fact = row_fact(r)
                if dim == "country" and fact.applies.raw_countries:
                    values |= {c for c in fact.applies.raw_countries if not c.startswith("@")}   # not whole regions
                elif dim == "country":
                    if fact.applies.get("country") is None:          # e.g. a 21Vianet row -> China
                        values |= set(self._effective(fact, dim) or ())
                else:
                    values |= set(within(fact.applies.get(dim), cand[dim]) or ())
            if cand[dim] is not None:
                values &= cand[dim]
            if len(values) > 1:
                order = list(self.facts.vocab[DIM_KIND[dim]])
                return Missing(dim, tuple(sorted(values, key=order.index)))
        return None

    @staticmethod
    def _display_zone(row, resolved, country: Optional[Term], user_tz: Optional[str]) -> ZoneInfo:
        """The caller's zone when known, else the line's own (21Vianet: Beijing), else the country's, else UTC."""
        if user_tz:
            return ZoneInfo(user_tz)
        if isinstance(resolved, sched.Resolved) and resolved.tz is not None:
            return resolved.tz
        if row.clock == "cn_business_days" or row.applies.get("cloud") == frozenset(["china_21v"]):
            return ZoneInfo("Asia/Shanghai")
        if country is not None and country.tz:
            return ZoneInfo(country.tz)
        return ZoneInfo("UTC")

    # -------------------------------------------------------------------------- the query
    def route(self, query: Query, now: Optional[datetime] = None, user_tz: Optional[str] = None) -> Route:
        now = now or sched.utc_now()
        if now.tzinfo is None:
            raise ValueError("route() needs an aware datetime for `now`")
        q, problems = self.normalise(query)
        cand = self.candidates(q)
        q, inferred = self.infer(q, cand, problems)
        f = self.facts
        country: Optional[Term] = f.vocab["countries"][q.country] if q.country else None

        if cand["support_type"] == frozenset(["billing"]) and cand["severity"] \
                and cand["severity"] <= {"a", "critical"} \
                and cand["product"] == frozenset(["m365"]) and cand["cloud"] == frozenset(["china_21v"]):
            problems.append(Problem("billing_max_b", "severity", q.severity))

        # phone rows: numbers, and what the pages say where they list none (both count as an answer)
        # every "no number here" row counts as one answer: the UK number of Microsoft 365 and "Dynamics 365
        # lists no number" answer "UK support number?" without asking the product first
        phone = self._part("phone", self._select(f.phones + f.no_phone, cand), cand,
                           key=lambda r: "no number" if isinstance(r, NoPhone) else getattr(r, "e164", r.id))
        no_phone = tuple(r for r in phone.rows if isinstance(r, NoPhone))

        portal = self._part("portal", self._select(f.portals, cand), cand, key=lambda p: p.url or p.name.en)

        hours_rows = []
        for h in self._select(list(f.hours.values()), cand):
            resolved = sched.resolve(h.schedule, f, country, user_tz)
            bh = resolved.business_hours if isinstance(resolved, sched.Resolved) else None
            hours_rows.append(HoursAnswer(h, sched.line_status(resolved, now), bh))
        hours = self._part("hours", hours_rows, cand, key=lambda a: a.hours.text.en)

        response_rows = []
        for r in self._select(f.response_times, cand):
            resolved, bh = None, None
            if r.clock == "business_hours":
                resolved = sched.resolve(sched.Schedule("business_hours"), f, country, user_tz)
            elif r.clock.startswith("support_hours:"):
                resolved = sched.resolve(f.hours[r.clock.split(":", 1)[1]].schedule, f, country, user_tz)
            if isinstance(resolved, sched.Resolved):
                bh = resolved.business_hours
            due = sched.due_at(r.clock, r.duration, resolved, now)
            if due.at is not None:        # say it on the clock the caller or the line lives by
                due = replace(due, at=due.at.astimezone(self._display_zone(r, resolved, country, user_tz)))
            response_rows.append(ResponseAnswer(r, f.schemes[r.scheme].level(r.level), due, bh))
        response = self._part("response", response_rows, cand, key=lambda a: a.response.text.en)
        if not response.rows and cand["plan"] and cand["severity"]:
            problems.append(Problem("no_level_for_plan", "severity", q.severity))

        severity = self._part("severity", self._select(list(f.schemes.values()), cand), cand, key=lambda s: s.id)

        shown = [r for part in (phone, portal, hours, response, severity) for r in part.rows]
        note_ids: List[str] = []
        for r in shown:
            fact = row_fact(r)
            note_ids += list(fact.notes)
            if isinstance(fact, NoPhone):
                note_ids.append(fact.note)
            if isinstance(fact, Phone) and fact.alternative_note:
                note_ids.append(fact.alternative_note)
        applicable = [n.id for n in self._select(list(f.notes.values()), cand)]
        notes = tuple(f.notes[n] for n in _dedupe(note_ids + applicable))
        conflicts = tuple(f.conflicts[c] for c in _dedupe(row_fact(r).conflict for r in shown if row_fact(r).conflict))
        return Route(q, inferred, dict(cand), phone, no_phone, portal, hours, response, severity, notes,
                     conflicts, tuple(problems), now, f)


@lru_cache(maxsize=1)
def default_router() -> Router:
    """The process-wide router over the bundled facts (loaded and validated once)."""
    return Router(load_facts())


def route(query: Optional[Query] = None, now: Optional[datetime] = None, user_tz: Optional[str] = None,
          **dims) -> Route:
    """Convenience: route(product="O365", cloud="21v") with the bundled facts."""
    return default_router().route(query or Query(**dims), now=now, user_tz=user_tz)
