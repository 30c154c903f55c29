"""Compose answers from a policy Route and the domain's templates.

Facts come from the route; words come from domain.yml (the `fragments:` section for list items,
statuses, dates and sources; `utter_answer_*` for the message). The result is a response name plus variables, which
the action sends with `dispatcher.utter_message(response=..., **variables)` so Rasa's NLG picks the
language variation. Lists are pre-composed here because templates cannot loop.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar

import yaml
from babel.dates import get_timezone, get_timezone_location

from core.routing import Route, Triage
from core.routing.model import DIM_KIND, Facts, Note, NoPhone, Phone, Source
from core.routing.router import HoursAnswer, ResponseAnswer
from core.routing.schedule import LineStatus
from core.routing.triage import SCHEME_LEVEL
from core.dialogue import DETAIL_DIMS, answered_by_general_notes
from core.language import SUPPORT_CODES, language_mentions, language_name, reply_request
from core.routing.note_search import VALUE_DIMS, note_index, terms
from core.topics import (NOTE_TOPICS, asked_parts, asking_sentences, asks_business_hours_only, asks_for_help,
                         asks_highest_level, parts_asked_plainly, question_clauses, without_part_cues)

DOMAIN_PATH = Path(__file__).resolve().parents[1] / "domain.yml"
MAX_NOTES = 3
SHORT_NOTES_ANSWER = 2       # at most this many notes in a short notes answer: the best match leads
CLOSE_NOTE = 0.8             # a further note joins it when it matches the question nearly as well
RARE_WORD = 2.0              # a word this rare among the notes (IDF: in about a tenth of them or fewer)
CLEAR_NOTE = 6.0             # a match this good (BM25) is the answer; below it the question is broad
# A note the question's own words ask for ("what will they ask for if I call from my mobile?") is part of
# the short answer: its BM25 score without the words that ask for a part, absolute and against the best.
ASKED_NOTE_SCORE, ASKED_NOTE_RATIO = 4.0, 0.5
ASKED_NOTES = 2              # at most this many of them beside a part's rows
LISTED_ROWS_ANY_CLOUD = 2    # a short list for no cloud named, longer than this: other clouds on request
NOTE_FIRST = 5.5             # a phone or portal note matched this well is what the question asks: it leads
_ASKS_EXAMPLES = re.compile(r"\b(?:examples?|e\.g|such as|like what|kind of (?:issue|problem)s?)\b"
                            r"|示例|例子|举例|比如|例如|哪些情况|什么情况", re.IGNORECASE)
_ASKS_LANGUAGE_LIST = re.compile(r"\b(what|which)\s+(other\s+)?languages?\b|\blanguages?\s+(are|is)\s+"
                                 r"(offered|available|supported|there)\b|哪些语言|什么语言|哪几种语言|哪种语言|几种语言",
                                 re.IGNORECASE)
_RULED_OUT_BEFORE = re.compile(r"(besides|other than|except|apart from|aside from|not in|除了|除)\s*$", re.IGNORECASE)
_FIRST_SENTENCE = re.compile(r".+?(?:\.(?=\s|$)|。|$)", re.DOTALL)
T = TypeVar("T")
_UTC_KEYS = {"UTC", "ETC/UTC", "ETC/UCT", "UCT", "ETC/GMT", "GMT", "ETC/ZULU", "ZULU", "ETC/UNIVERSAL", "UNIVERSAL"}


def _fact(row):
    """The fact behind a route row (hours and response rows wrap theirs)."""
    if isinstance(row, HoursAnswer):
        return row.hours
    if isinstance(row, ResponseAnswer):
        return row.response
    return row


# route problems that mean a severity does not exist for what was asked (billing at 21Vianet, a plan's levels)
LEVEL_RULED_OUT = ("billing_max_b", "no_level_for_plan")


class _Blank(dict):
    def __missing__(self, key):          # a template variable nobody filled renders empty, never "{x}"
        return ""


@lru_cache(maxsize=2)
def load_wording(path: str = str(DOMAIN_PATH)) -> Tuple[Dict[str, list], Dict[str, list]]:
    """(responses, fragments) of the domain, read once per process."""
    domain = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return domain["responses"], domain["fragments"]


def pick_variation(variations: Sequence[Mapping[str, Any]], lang: str) -> Mapping[str, Any]:
    for v in variations:
        for c in v.get("condition") or ():
            if c.get("name") == "language" and c.get("value") == lang:
                return v
    return next(v for v in variations if not v.get("condition"))


@dataclass
class Reply:
    response: str
    variables: Dict[str, Any] = field(default_factory=dict)
    buttons: List[Dict[str, str]] = field(default_factory=list)
    more: bool = False               # a short answer that held details back: they come on request


class Renderer:
    """Answers from routes. Short by default: the asked fact leads (a one-row answer says it in its first
    line), then one short source line; notes, further sources and the hours of each line are held back until
    the user asks for more (`detail`), and `held_back` says whether this answer held anything back."""

    def __init__(self, facts: Facts, lang: str, now: datetime, detail: bool = False, question: str = "",
                 support_types: Sequence[str] = ()):
        self.facts, self.lang, self.now, self.detail = facts, lang, now, detail
        self.support_types = tuple(support_types)    # an answer for several kinds of support (their hours)
        # the user's words without those that ask for a part: the notes they ask for stay in a short answer
        self.question = question
        self.asking = without_part_cues(question) if question.strip() else ""
        self.responses, self.fragments = load_wording()
        self.held_back = False
        self._caveats_said: set = set()               # what a reply says once: statuses for every row, zones
        self.said: set = set()                          # notes an earlier answer of the turn gave: not again
        self._clouds_held: List[str] = []               # the clouds whose rows a short list names only

    def asked(self, notes: Sequence[Note]) -> List[Note]:
        """The notes the question's words ask for, best first: the words that name the row it asks for (a
        level, a plan) do not ask for a note about that row."""
        hits = note_index(self.facts).search(self.asking, notes, without=VALUE_DIMS) if self.asking.strip() else []
        if not hits:
            return []
        bar = max(ASKED_NOTE_SCORE, ASKED_NOTE_RATIO * hits[0].score)
        return [h.note for h in hits if h.score >= bar]

    @staticmethod
    def fewest(notes: Sequence[Note]) -> List[Note]:
        """A short answer's notes without those another one makes redundant: our own reading of a page (a
        derived note) beside what the page says, and a second note pointing to the same page."""
        stated = [n for n in notes if not n.derived] or list(notes)
        out: List[Note] = []
        for n in stated:
            if not (n.link and any(n.link == o.link for o in out)):
                out.append(n)
        return out

    def clearly_asked(self, notes: Sequence[Note]) -> bool:
        """Whether the question's words match one of the notes clearly (see CLEAR_NOTE)."""
        hits = note_index(self.facts).search(self.asking, notes) if self.asking.strip() else []
        return bool(hits) and hits[0].score >= CLEAR_NOTE

    def close_to_best(self, notes: Sequence[Note]) -> List[Note]:
        """Of notes after the first (the answer's lead), those the question's words match nearly as well as
        the best match of all: a short answer gives the note asked for, and a second only in a near tie."""
        # the sentences that ask, not those that state ("how do we buy ProDirect? we're not on an EA")
        asking = asking_sentences(self.asking)
        hits = note_index(self.facts).search(asking, notes) if asking.strip() else []
        if not hits:
            return []
        bar = max(ASKED_NOTE_SCORE, CLOSE_NOTE * hits[0].score)
        close = {h.note.id for h in hits if h.score >= bar}
        return [n for n in notes[1:] if n.id in close]

    def best_per_question(self, notes: Sequence[Note]) -> List[Note]:
        """For a message that asks two things ("when are we charged, and do we get money back if we
        cancel?"), the note each of its questions matches best."""
        clauses = question_clauses(self.asking)
        if len(clauses) < 2:
            return []
        index, out = note_index(self.facts), []
        for clause in clauses:
            hits = index.search(clause, notes)
            if hits and hits[0].score >= ASKED_NOTE_SCORE:
                out.append(hits[0].note)
        return out

    def finish(self, reply: Reply) -> Reply:
        """The reply, marked when it held details back (the caller offers them)."""
        reply.more = self.held_back
        self._caveats_said, self._clouds_held = set(), []
        return reply

    def body(self, lines: Sequence[str]) -> str:
        """The lines under an answer's heading. A short answer says its first row (the best match first: see
        `best_first`, `narrowed`) on the heading's line, so the fact leads, and one number with its one
        hours line as one line; an answer in full lists every row under the heading."""
        if self._clouds_held:
            lines = list(lines) + [self.t("clouds_on_request", clouds=self.join(
                self.short_name("cloud", c, called=True) for c in self._clouds_held))]
        rows = [i for i, line in enumerate(lines) if line.startswith("• ")]
        if rows == [0] and len(lines) == 2 and lines[1].startswith("  "):
            # one number and its one hours line ("can I call the billing line on Saturday?"): one line
            return self.t("lead_sep") + lines[0][2:] + self.t("sub_sep") + lines[1].strip()
        if rows[:1] == [0] and (rows == [0] or not self.detail):
            return self.t("lead_sep") + "\n".join([lines[0][2:]] + list(lines[1:]))
        return "\n" + "\n".join(lines)

    # ------------------------------------------------------------------------------------ templates
    def pairs(self, fragment: str) -> Dict[str, str]:
        """A fragment written as "key=value;key=value" (the zones' names), as a mapping."""
        return dict(item.split("=", 1) for item in self.t(fragment).split(";"))

    def t(self, fragment: str, **variables: Any) -> str:
        return self._render(self.fragments[fragment], **variables)

    def text(self, response: str, **variables: Any) -> str:
        return self._render(self.responses[response], **variables)

    def _render(self, variations, **variables: Any) -> str:
        return pick_variation(variations, self.lang)["text"].format_map(_Blank(variables))

    def join(self, items: Iterable[str]) -> str:
        return self.t("list_sep").join(i for i in items if i)

    def name(self, dim: str, value: str) -> str:
        return self.facts.vocab[DIM_KIND[dim]][value].name.get(self.lang)

    def called(self, dim: str, value: str) -> str:
        """What an answer calls a product or cloud: a short answer uses the short name where there is one
        ("Microsoft 365 (21Vianet)"), the details the full one."""
        term = self.facts.vocab[DIM_KIND[dim]][value]
        return (term.name if self.detail or term.short is None else term.short).get(self.lang)

    def short_name(self, dim: str, value: str, called: bool = False) -> str:
        """A value's name without its article ("United States"); `called`: as the answer calls it."""
        n = self.called(dim, value) if called else self.name(dim, value)
        return n[4:] if n.startswith("the ") else n

    # ------------------------------------------------------------------------------------ dates
    def when(self, dt: datetime) -> str:
        """A time with its zone; a short answer names a zone once, at its first time."""
        local_now = self.now.astimezone(dt.tzinfo)
        tz = self._tz_name(getattr(dt.tzinfo, "key", str(dt.tzinfo)))
        same = "_same_zone" if tz in self._caveats_said and not self.detail else ""
        self._caveats_said.add(tz)
        if dt.hour == 0 and dt.minute == 0 and dt.date() == local_now.date() + timedelta(days=1):
            return self.t("datetime_today" + same, hm="24:00", tz=tz)
        if dt.date() == local_now.date():
            return self.t("datetime_today" + same, hm=dt.strftime("%H:%M"), tz=tz)
        weekdays, months = self.t("weekdays").split(","), self.t("months").split(",")
        return self.t("datetime" + same, weekday=weekdays[dt.weekday()], day=dt.day, month=dt.month,
                      month_name=months[dt.month - 1], hm=dt.strftime("%H:%M"), tz=tz)

    def _tz_name(self, key: str) -> str:
        """The wording's own name for the zones the documents use, "UTC" for UTC, else CLDR's name of the
        zone's place in the reply's language ("Austria Time", "加拿大（多伦多）时间"), never "Etc/UTC"."""
        names = self.pairs("tz_names")
        if key in names:
            return names[key]
        if key.upper() in _UTC_KEYS:
            return "UTC"
        try:
            return get_timezone_location(get_timezone(key), locale=self.t("cldr_locale"))
        except LookupError:
            return key

    def day(self, d) -> str:
        return self.t("day", weekday=self.t("weekdays").split(",")[d.weekday()], day=d.day, month=d.month,
                      month_name=self.t("months").split(",")[d.month - 1])

    # ------------------------------------------------------------------------------------ pieces
    def head(self, label: str) -> str:
        """A row's label prefix ("Technical support: "), or nothing."""
        return self.t("row_label", label=label) if label else ""

    def with_status(self, text: str, status: str) -> str:
        return self.t("with_status", text=text, status=status) if status else text

    def note_text(self, note: Note) -> str:
        """A note in the user's language, with its link when it has one; a short answer says a long note in
        its short form (the same fact in fewer words), the details in full."""
        if note.short is not None and not self.detail and not self.asks_detail_of(note):
            self.held_back = True
            text = note.short.get(self.lang)
        else:
            text = note.text.get(self.lang)
        if note.link:
            link = self.facts.links[note.link]
            text += " " + self.t("link", name=link.name.get(self.lang), url=link.url)
        return text

    def asks_detail_of(self, note: Note) -> bool:
        """Whether the question's words meet a word of the note that its short form leaves out ("how do I
        add the MSDN contract?" asks for the steps): then the note is said in full. Only words a few notes
        have count: "business" or "request" ask for no detail."""
        if not self.asking.strip() or note.short is None:
            return False
        index = note_index(self.facts)
        asked = {t for t in index.query_terms(self.asking) if index.weight(t) >= RARE_WORD}
        left_out = {t for lang in ("en", "zh") for t in terms(note.text.get(lang))} - \
                   {t for lang in ("en", "zh") for t in terms(note.short.get(lang))}
        return bool(asked & left_out)

    def status(self, s: LineStatus, business_regions: str = "", text: str = "") -> str:
        """A line's status now; `text`, the hours it is said with: a zone they name ("CST") is not named again
        in a short answer."""
        est = self.t("estimated") if s.estimated else ""
        if text and not self.detail:
            names = self.pairs("tz_names")
            for key, markers in self.pairs("tz_named_by").items():
                if any(m in text for m in markers.split(",")):
                    self._caveats_said.add(names[key])
        if s.reason == "always":
            # a line open round the clock says so in its hours: a short answer adds nothing
            return self.t("open_always") if self.detail else ""
        if s.open is True:
            return self.t("open_until", time=self.when(s.closes_at)) + est
        if s.reason in ("needs_timezone", "needs_country"):
            # what the status needs to know holds for each row that needs it: a short answer says it once
            if s.reason in self._caveats_said and not self.detail:
                return ""
            self._caveats_said.add(s.reason)
            if s.reason == "needs_timezone":
                return self.t("needs_timezone" if self.detail else "needs_timezone_short")
            return self.t("needs_country", regions=business_regions)
        if s.reason == "no_clock_times":            # its hours say the page gives no clock times
            return self.t("open_day_no_clock" if self.detail else "open_day_no_clock_short") + est
        if s.next_open_day and not s.next_open:
            return self.t("closed_day", day=self.day(s.next_open_day)) + est
        if s.holiday and s.next_open:
            return self.t("closed_holiday", holiday=s.holiday, time=self.when(s.next_open)) + est
        if s.next_open:
            return self.t("closed_next", time=self.when(s.next_open)) + est
        return ""

    def business_regions(self) -> str:
        return self.t("clause_sep").join(b.text.get(self.lang) for b in self.facts.business_hours)

    def label(self, route: Route, part: str, row, skip: Sequence[str] = ()) -> str:
        """What tells the row apart from the part's others. A product family's row that another dimension
        labels too ("worldwide"), and that holds for every product of the answer but those each named by a row
        of its own, does not list them ("worldwide", beside "Business Central" and "F&O · 21Vianet")."""
        parts = []
        label = {dim: values for dim, values in route.row_label(part, row).items() if dim not in skip}
        for dim, values in label.items():
            if dim == "product" and len(values) > 1 and len(label) > 1:
                labels = [route.row_label(part, other).get(dim, ()) for other in route.part(part).rows]
                every = {v for products in labels for v in products}
                own = {products[0] for products in labels if len(products) == 1}
                if set(values) | own >= every:
                    continue
            parts.append(self.join(self.short_name(dim, v, called=True) for v in values[:4]))
        return self.t("label_sep").join(parts)

    def sources(self, items: Iterable[Source]) -> str:
        seen, out = set(), []
        items = list(items)
        english = [s for s in items if self.facts.documents[s.doc].lang != "zh"]
        if self.lang == "en" and english:
            items = english                            # English replies cite the English page where there is one
        for s in items:
            doc = self.facts.documents[s.doc]
            key = (s.doc, s.section)
            if key in seen:
                continue
            seen.add(key)
            title = doc.title_zh if self.lang == "zh" else doc.title
            if not self.detail:
                if out:
                    self.held_back = True
                    break
                short = doc.short.get(self.lang) if doc.short else title
                out.append(self.t("source_item_short", title=short, date=doc.date.isoformat()))
                continue
            out.append(self.t("source_item", title=title, date=doc.date.isoformat(),
                              section=self.facts.section_title(s, self.lang)))
            if len(out) == 2:
                break
        return self.t("source", sources=self.t("clause_sep").join(out)) if out else ""

    def notes(self, notes: Iterable[Note], conflicts=(), kept: Sequence[str] = ()) -> str:
        """The notes of an answer and the documented conflicts behind it (always: they say why the answer is
        what it is). A short answer keeps only the notes the question asks for most and those in `kept` (a note
        that states a fact of a row, such as another number)."""
        out, seen = [], set(self.said)
        notes = list(notes)
        if not self.detail and notes:
            asked = {n.id for n in self.asked(notes)[:ASKED_NOTES]}
            short = [n for n in notes if n.id in asked or n.id in kept]
            self.held_back = self.held_back or len(short) < len(notes)
            notes = short
        for n in notes:
            if n.id in seen:
                continue
            seen.add(n.id)
            text = self.note_text(n)
            out.append(self.t("note", text=text))
            if len(out) == MAX_NOTES:
                break
        if conflicts and not self.detail:          # that the sources differ is said; why, on request
            self.held_back = True
            out.append(self.t("conflict_short"))
        else:
            out += [self.t("conflict", why=c.why.get(self.lang)) for c in conflicts]
        return "".join(out)

    def narrowed(self, rows: Sequence[T], keep: Callable[[T], bool]) -> List[T]:
        """A short answer's rows that `keep` selects, when it selects some but not all: the others come on
        request. An answer in full, and a choice of none or all, keeps every row."""
        rows = list(rows)
        chosen = [r for r in rows if keep(r)]
        if self.detail or not chosen or len(chosen) == len(rows):
            return rows
        self.held_back = True
        return chosen

    def best_first(self, route: Route, part: str, rows: Sequence[T]) -> List[T]:
        """A list in the order a short answer leads with (its first row goes on the heading's line). For a
        question that names no cloud, worldwide first: "Microsoft 365" unqualified is the worldwide service,
        the others are named variants of it, so even "worldwide lists no number" comes before another cloud's
        number. Within one cloud, a row that states the fact before one saying the sources list none, then
        the row for more of the products asked (a family's common portal before the one member that goes
        through partners). A short list of more than LISTED_ROWS_ANY_CLOUD rows for no cloud named keeps the
        worldwide rows and names the other clouds (`_clouds_held`, said by `body`); an answer in full keeps
        every row."""
        rows = list(rows)
        by_cloud = route.query.cloud is None and "cloud" in route.part(part).labels
        order = list(self.facts.vocab[DIM_KIND["cloud"]])
        every_product = len(self.facts.vocab[DIM_KIND["product"]])

        def rank(row) -> Tuple[int, bool, int]:
            fact = _fact(row)
            cloud, products = fact.applies.get("cloud"), fact.applies.get("product")
            return (min(order.index(c) for c in cloud) if by_cloud and cloud else 0, isinstance(row, NoPhone),
                    -len(products) if by_cloud and products else -every_product)

        ordered = sorted(rows, key=rank)
        if by_cloud and not self.detail and len(ordered) > LISTED_ROWS_ANY_CLOUD:
            # a long list for no cloud named: worldwide's rows, and the other clouds by name (More details)
            first = rank(ordered[0])[0]
            others = [r for r in ordered if rank(r)[0] != first]
            if others:
                self.held_back = True
                self._clouds_held = list(dict.fromkeys(
                    c for r in others for c in sorted(_fact(r).applies.get("cloud") or (), key=order.index)))
                return [r for r in ordered if rank(r)[0] == first]
        return ordered

    def not_held(self, rows: Sequence[T]) -> List[T]:
        """The rows of a list that are not of a cloud `best_first` named only (see `_clouds_held`)."""
        held = set(self._clouds_held)

        def of_held_cloud(row) -> bool:
            clouds = _fact(row).applies.get("cloud")
            return bool(held and clouds and set(clouds) <= held)
        return [r for r in rows if not of_held_cloud(r)]

    def of_named_cloud(self, route: Route, note: Note) -> bool:
        """Whether a note holds for the cloud the question names, or for worldwide when it names none
        ("Microsoft 365" unqualified is the worldwide service)."""
        clouds = note.applies.get("cloud")
        return not clouds or (route.query.cloud or next(iter(self.facts.vocab[DIM_KIND["cloud"]]))) in clouds

    def note_first(self, lines: List[str], notes: Sequence[Note]) -> Tuple[List[str], List[Note]]:
        """A short answer whose question asks clearly for one of its notes ("is calling that +49 number free?", "the
        other number, not the 0800 one?") says that note first, as its first row: the note is the answer, the
        rows are where it applies. Otherwise the rows lead and the notes follow them. For a phone number or a
        portal, whose notes are few and each about one thing (charges, another number, the steps)."""
        notes = list(notes)
        if self.detail or not notes or not self.asking.strip():
            return lines, notes
        # the words that name the line's kind of support ("pre-sales line?") ask for the line, not a note
        hits = [h for h in note_index(self.facts).search(self.asking, notes, without=VALUE_DIMS + ("support_type",))
                if h.note.id not in self.said]
        if not hits or hits[0].score < NOTE_FIRST:
            return lines, notes
        first = hits[0].note
        return [self.t("row", label="", text=self.note_text(first))] + lines, [n for n in notes if n.id != first.id]

    def for_any_plan(self, route: Route, part: str, rows: Sequence) -> list:
        """A short answer gives the rows for the plan the question names, or for any plan; those for another
        plan (Premier's own portal) come on request, unless no other row is left."""
        plan = route.query.plan
        return self.narrowed(rows, lambda r: plan in route.row_label(part, r).get("plan", (plan,)))

    def conditions(self, route: Route) -> List[Note]:
        """The conditions of the route's severity schemes: a scheme's first note states them (who may use
        Severity A, the highest level for billing)."""
        return [self.facts.notes[s.notes[0]] for s in route.severity.rows if s.notes]

    @staticmethod
    def conflicts_of(route: Route, rows) -> list:
        """The documented conflicts behind these rows (not the whole route's)."""
        ids = {_fact(r).conflict for r in rows}
        return [c for c in route.conflicts if c.id in ids]

    def subject(self, route: Route, product_fallback: bool = True) -> str:
        q = route.query
        product = self.called("product", q.product) if q.product else \
            (self.t("any_product") if product_fallback else "")
        where = ""
        if q.cloud == "china_21v" or (q.cloud and not q.country):
            where = self.called("cloud", q.cloud)
        elif q.country:
            where = self.short_name("country", q.country)
            if q.cloud == "germany":
                where = self.t("cloud_and_country", cloud=self.name("cloud", q.cloud), country=where)
        if where and not product:
            return where
        return self.t("subject_in", product=product, where=where) if where else product

    def row_notes(self, route: Route, rows) -> List[Note]:
        ids: List[str] = []
        for r in rows:
            fact = _fact(r)
            ids += list(fact.notes)
            if isinstance(fact, Phone) and fact.alternative_note:
                ids.append(fact.alternative_note)
            if isinstance(fact, NoPhone):
                ids.append(fact.note)
        return [self.facts.notes[i] for i in dict.fromkeys(ids)]

    # ------------------------------------------------------------------------------------ answers
    def no_fact(self, route: Route, topic: str) -> Reply:
        if (topic == "response" and any(p.code in LEVEL_RULED_OUT for p in route.problems)
                and route.notes_for("severity")):
            # "can billing be Severity A?": no time, because the level does not exist there; the severity
            # notes say so, which "my sources don't say" would hide
            return self.level_ruled_out(route)
        if answered_by_general_notes(route):          # e.g. Business Central: partners only, whatever is asked
            response = NOTE_TOPICS[topic].response if topic in NOTE_TOPICS else "utter_answer_portal"
            return self.from_notes(route, topic, response, ("general",))
        # the statement names every value that narrowed the question, so that it is true as said: the
        # sources may hold the fact for technical support and not for billing
        narrowed = [self.name(d, v) for d in DETAIL_DIMS if (v := getattr(route.query, d, None))]
        subject = self.subject(route)
        if narrowed:
            subject = self.t("name_with_qualifier", name=subject, qualifier=self.join(narrowed))
        return Reply("utter_no_fact", {"subject": subject, "what": self.t(f"what_{topic}"),
                                       "hint": self.t("hint_portal") if topic != "portal" else ""})

    def level_ruled_out(self, route: Route) -> Reply:
        """"Can I open a Sev A for a billing issue?": the conditions that rule the level out (a scheme's first
        note states them) lead the severity notes."""
        conditions = self.conditions(route)
        notes = conditions + [n for n in route.notes_for("severity") if n not in conditions]
        if conditions and not self.detail:           # they are the answer; the other notes come on request
            notes, self.held_back = conditions, True
        return self.from_notes(route, "severity", "utter_answer_severity", ("severity",), notes, by_level=False)

    def phone(self, route: Route) -> Reply:
        part = route.phone
        if not part.rows:
            return self.no_fact(route, "phone")
        lines, numbers, said_hours = [], [], set()
        asked = set(self.support_types) or {route.query.support_type} - {None}
        rows = self.best_first(route, "phone", part.rows)
        # a list of numbers is the answer; when each is open comes on request, unless the question asks when
        hours_asked = self.detail or len(rows) < 2 or "hours" in asked_parts(self.question)
        for row in rows:
            label = self.label(route, "phone", row, skip=("support_type",))
            if isinstance(row, NoPhone):
                text = self.note_text(self.facts.notes[row.note])
                lines.append(self.t("no_number_labelled", label=self.head(label), text=text) if label
                             else self.t("no_number", text=text, where=self.subject(route)))
                continue
            numbers.append(row.number)
            # an alternative number with a note of its own is said by that note, with its charges
            alt = self.t("alt_number", number=row.alternative) if row.alternative and not row.alternative_note else ""
            lines.append(self.t("phone_line", number=row.number, label=self.t("label", label=label) if label else "",
                                alt=alt))
            shown = 0
            for hid in row.hours:
                h = next((a for a in route.hours.rows if a.hours.id == hid), None)
                if h is None:
                    continue
                if not self.detail and (not hours_asked or shown >= max(len(asked), 1) or hid in said_hours or (
                        asked and not asked & set(h.hours.applies.get("support_type") or ()))):
                    # a short answer: the hours of the support asked, or the first, once for all numbers
                    self.held_back = True
                    continue
                said_hours.add(hid)
                shown += 1
                support = self.join(self.name("support_type", v)
                                    for v in sorted(h.hours.applies.get("support_type") or ()))
                lines.append(self.t("hours_of_line", support=support, text=self.with_status(
                    h.hours.text.get(self.lang), self.status(h.status, self.business_regions(),
                                                             h.hours.text.get(self.lang)))))
        said = {row.note for row in rows if isinstance(row, NoPhone)}               # already a line of its own
        notes = [n for n in self.row_notes(route, rows) if "phone" in n.topics and n.id not in said]
        # another number, and what a call costs, are part of which number to call: never held back; but for
        # a question that names no cloud, those of another cloud than worldwide come on request
        alternatives = [r.alternative_note for r in rows if isinstance(r, Phone) and r.alternative_note] + \
            [n.id for n in notes if "charges" in n.topics]
        if route.query.cloud is None:
            alternatives = [n for n in alternatives if self.of_named_cloud(route, self.facts.notes[n])]
        # a number whose sources differ is said with the other number's note, which shows both sides: why the
        # answer gives this one comes on request
        conflicts = self.conflicts_of(route, [r for r in rows if not (
            isinstance(r, Phone) and r.alternative_note and not self.detail)])
        self.held_back = self.held_back or len(conflicts) < len(self.conflicts_of(route, part.rows))
        led, rest = self.note_first(lines, notes)
        if len(led) > len(lines):         # the note asked for leads: the other notes come on request
            lines, alternatives, notes, self.held_back = led, [], [], self.held_back or bool(rest)
        variables = {"subject": self.subject(route), "lines": self.body(lines),
                     "notes": self.notes(notes, conflicts, kept=alternatives),
                     "numbers": numbers, "hours": sorted(said_hours),
                     "source": self.sources(s for r in part.rows for s in r.sources)}
        return self.finish(Reply("utter_answer_phone", variables))

    def hours(self, route: Route) -> Reply:
        part = route.hours
        if not part.rows:
            return self.no_fact(route, "hours")
        lines = []
        # "Sev A: around the clock?": the hours of Sev A, and of the lines that rank no level (any level's)
        level = route.query.severity
        rows = self.narrowed(part.rows, lambda a: a.hours.applies.get("severity") is None or
                             level in a.hours.applies.get("severity")) if level else list(part.rows)
        business_only = asks_business_hours_only(self.question)
        if business_only:
            # "when do business hours end in Japan?": the rows that run in business hours
            rows = self.narrowed(rows, lambda a: a.business_hours is not None)
        rows = self.best_first(route, "hours", rows)
        shared = {a.business_hours.text.en for a in rows if a.business_hours is not None}
        if business_only and not self.detail and len(rows) > 1 and len(shared) == 1:
            # they share their business hours (narrowed, every row has them): those are the answer (which levels
            # and plans use them: on request)
            a, self.held_back = rows[0], True
            status = self.status(a.status, self.business_regions(), a.business_hours.text.get(self.lang))
            lines.append(self.t("row", label=self.head(self.t("local_business_hours")),
                                text=self.with_status(a.business_hours.text.get(self.lang), status)))
        for a in rows if not lines else ():
            label = self.label(route, "hours", a, skip=("severity",))
            text = a.hours.text.get(self.lang)
            if a.business_hours is not None:
                text = self.t("then_business_hours", text=text, business=a.business_hours.text.get(self.lang))
            status = self.status(a.status, self.business_regions(), text)
            lines.append(self.t("row", label=self.head(label),
                                text=self.with_status(text, status)))
        notes = [n for n in self.row_notes(route, rows)] + list(route.notes_for("24x7"))[:1]
        sources = [s for a in rows for s in a.hours.sources] + \
                  [a.business_hours.source for a in rows if a.business_hours is not None]
        return self.finish(Reply("utter_answer_hours", {
            "subject": self.subject(route), "lines": self.body(lines),
            "notes": self.notes(notes, self.conflicts_of(route, rows)),
            "source": self.sources(sources), "hours": [a.hours.id for a in rows]}))

    def business_hours(self, route: Route) -> Reply:
        """"What counts as local business hours?": each region's, as the page defines them, whatever the
        product or region the question leaves open."""
        lines = [self.t("row", label=self.head(self.join(self.facts.regions[r].get(self.lang) for r in b.regions)
                                               if b.regions else self.t("most_regions")),
                        text=b.text.get(self.lang))
                 # the page's order: the rule for most countries, then the regions that differ
                 for b in sorted(self.facts.business_hours, key=lambda b: bool(b.regions))]
        return self.finish(Reply("utter_answer_hours", {
            "subject": self.subject(route), "lines": self.body(lines), "notes": "",
            "source": self.sources(b.source for b in self.facts.business_hours), "hours": []}))

    def portal(self, route: Route) -> Reply:
        part = route.portal
        if not part.rows:
            return self.no_fact(route, "portal")
        rows = self.best_first(route, "portal", self.for_any_plan(route, "portal", part.rows))
        lines = []
        for p in rows:
            label = self.label(route, "portal", p, skip=("support_type",))
            steps = f" {p.steps.get(self.lang)}" if p.steps else ""
            lines.append(self.t("portal_line", label=self.head(label),
                                name=p.name.get(self.lang), url=f" {p.url}" if p.url else "", steps=steps))
        number = self.the_one_number(route)
        extra = self.t("or_call", number=number) if number else ""
        rows_text = "\n".join(lines) + extra          # where to file, for other answers (`filing`)
        lines, notes = self.note_first(lines, route.notes_for("portal"))
        return self.finish(Reply("utter_answer_portal", {
            "subject": self.subject(route), "lines": self.body(lines) + extra, "rows": rows_text,
            "notes": self.notes(notes, self.conflicts_of(route, rows)),
            "source": self.sources(s for p in rows for s in p.sources),
            "urls": [p.url for p in rows if p.url]}))

    def response(self, route: Route) -> Reply:
        part = route.response
        if not part.rows:
            return self.no_fact(route, "response")
        lines: List[str] = []
        rows, seen = [], set()
        for a in part.rows:                             # the first row of each text
            if a.response.text.en not in seen:
                seen.add(a.response.text.en)
                rows.append(a)
        # a table of several times is the answer; when each would be due comes with one time, or on request
        rows = self.best_first(route, "response", rows)
        with_due = self.detail or len(rows) == 1
        self.held_back = self.held_back or not with_due
        for a in rows:
            label = self.label(route, "response", a, skip=("severity", "plan", "product"))
            text = a.response.text.get(self.lang)
            # the level always: it may be one read from a description; unless the row's text starts with it
            level = a.level.label.get(self.lang)
            level = "" if text.casefold().startswith(level.casefold()) else level
            head = self.t("label_sep").join(x for x in (level, label) if x)
            if not with_due:
                due = ""
            elif a.due.at is not None:
                due = self.t("due", time=self.when(a.due.at)) + (self.t("estimated") if a.due.estimated else "")
            else:
                due = self.t("due_unknown").strip()
            lines.append(self.t("row", label=self.head(head),
                                text=self.with_status(text, due)))
        listed = self.not_held(part.rows)               # every row of the clouds the list says
        notes = [n for n in self.row_notes(route, listed) if "response" in n.topics or "severity" in n.topics]
        notes += [n for n in route.notes_for("response") if not self._clouds_held or self.of_named_cloud(route, n)]
        return self.finish(Reply("utter_answer_response", {
            "subject": self.subject(route), "lines": self.body(lines),
            "notes": self.notes(notes, self.conflicts_of(route, listed)),
            "source": self.sources(s for a in listed for s in a.response.sources),
            "responses": [a.response.id for a in listed]}))

    def severity(self, route: Route) -> Reply:
        part = route.severity
        if not part.rows:
            return self.no_fact(route, "severity")
        if route.query.severity and any(p.code in LEVEL_RULED_OUT for p in route.problems) and not self.detail:
            return self.level_ruled_out(route)
        if route.query.support_type and asks_highest_level(self.question) and self.conditions(route) \
                and not self.detail:
            # "billing dispute: the highest severity I can file?": the conditions say it (Severity B)
            return self.level_ruled_out(route)
        lines = []
        # a short answer gives a level's examples when the question asks for examples or speaks of them
        asked_terms = set(note_index(self.facts).query_terms(self.asking)) if self.asking else set()
        wants_examples = self.detail or bool(_ASKS_EXAMPLES.search(self.asking))
        for scheme in part.rows:
            label = self.label(route, "severity", scheme)
            if label:
                lines.append(self.t("row_label", label=label).rstrip())
            levels = [lv for lv in scheme.levels_for(route.query.severity)
                      if not (route.query.plan and lv.plans and route.query.plan not in lv.plans)]
            if not route.query.plan:                         # a plan's own level ("Standard"): on request
                levels = self.narrowed(levels, lambda lv: not lv.plans)
            # how many of the question's words each level's examples hold (two or more: they speak of them)
            matched = {lv.id: len(asked_terms & set(terms(" ".join(e for v in lv.examples.values() for e in v))))
                       for lv in levels}
            if not self.detail:
                # "a user can't delete a contact: which level?": the level whose examples the words match leads
                levels = sorted(levels, key=lambda lv: -matched[lv.id] if matched[lv.id] >= 2 else 0)
            for lv in levels:
                definition = lv.definition.get(self.lang)
                if len(levels) > 1 and not self.detail:     # a list of levels: what each is, in its first sentence
                    first = _FIRST_SENTENCE.match(definition).group(0).strip()
                    self.held_back = self.held_back or first != definition
                    definition = first
                ex = [e.rstrip("。.") for e in lv.examples.get(self.lang, ())]
                if ex and not wants_examples and matched[lv.id] < 2:
                    ex, self.held_back = [], True
                examples = self.t("examples", examples=self.t("example_sep").join(ex)) if ex else ""
                lines.append(self.t("level", label=lv.label.get(self.lang), definition=definition, examples=examples))
        notes = [self.facts.notes[n] for s in part.rows for n in s.notes]
        # a level asked by name, or for one kind of support, comes with its scheme's conditions (who may use
        # Severity A, the highest level for billing): they are part of what the level means there
        # (a scheme's first note states them)
        conditions = [n.id for n in self.conditions(route)] \
            if route.query.severity in ("a", "critical") or route.query.support_type else []
        return self.finish(Reply("utter_answer_severity", {
            "subject": self.subject(route), "lines": self.body(lines), "notes": self.notes(notes, kept=conditions),
            "source": self.sources(s for x in part.rows for s in x.sources), "schemes": [s.id for s in part.rows]}))

    def languages(self, route: Route) -> Reply:
        lines, sources = [], []
        q = route.query
        d365 = q.product is None or q.product != "m365"
        if d365:
            meta = self.facts.language_meta
            rows = list(self.facts.language_support)
            asked = self.languages_asked()

            def listed(code: str) -> list:
                return [ls for ls in rows if SUPPORT_CODES.get(code, code) in ls.languages]

            if asked and not self.detail:             # "Italian support?": that language's rows
                for code in asked:
                    if not listed(code):              # "in Korean?": not listed, and the languages that are
                        codes = dict.fromkeys(c for ls in rows for c in ls.languages)
                        lines.append(self.t("language_not_listed", language=language_name(code, self.lang),
                                            listed=self.join(language_name(c, self.lang) for c in codes)))
                near = list({ls.id: ls for code in asked for ls in listed(code)}.values())
                self.held_back = self.held_back or len(near) < len(rows)
                rows = near
            if q.country and not self.detail:         # a short answer: the languages of the caller's region
                regions = set(self.facts.vocab[DIM_KIND["country"]][q.country].regions)
                rows = self.narrowed(rows, lambda ls: not ls.regions or bool(regions & set(ls.regions)))
            lines += [self.t("row", label="", text=ls.text.get(self.lang)) for ls in rows]
            if any("*" in ls.text.get(self.lang) for ls in rows):
                lines.append(meta["footnote"].get(self.lang))
            sources.append(meta["source"])
        if q.product in (None, "m365"):
            hours = self.best_first(route, "hours", [h for h in route.hours.rows if h.hours.languages])
            for h in hours:
                label = self.label(route, "hours", h, skip=("severity",))
                lines.append(self.t("row", label=self.head(label), text=h.hours.text.get(self.lang)))
                sources += list(h.hours.sources)
        if not lines:
            return self.no_fact(route, "languages")
        return self.finish(Reply("utter_answer_languages", {"subject": self.subject(route),
                                                            "lines": self.body(lines),
                                                            "notes": "", "source": self.sources(sources)}))

    def languages_asked(self) -> List[str]:
        """The languages a question asks about ("support in Korean?"), not one it asks the reply in ("answer in
        Chinese"), rules out ("besides English") or names in a question for the list ("which languages?")."""
        text = self.question or ""
        if not text or _ASKS_LANGUAGE_LIST.search(text):
            return []
        request = reply_request(text)
        return list(dict.fromkeys(code for code, start, end in language_mentions(text)
                                  if not (request and request[1] <= start < request[2])
                                  and not _RULED_OUT_BEFORE.search(text[max(0, start - 15):start])))

    def from_notes(self, route: Route, topic: str, response: str, topics: Sequence[str],
                   notes: Optional[Sequence[Note]] = None, lead: Optional[str] = None, by_level: bool = True) -> Reply:
        """A notes answer: `notes` (by default every note of `topics`), after the lines of the `lead` part;
        `by_level`: a short answer puts the notes about the level asked first."""
        notes = list({n.id: n for n in (notes if notes is not None else
                                        [n for t in topics for n in route.notes_for(t)])}.values())
        lines: List[str] = []
        sources: List[Source] = []
        if lead == "portal":
            portal = self.portal(route)
            if portal.response == "utter_answer_portal":
                lines += portal.variables["rows"].split("\n")
                sources += [s for p in route.portal.rows for s in p.sources]
        if not notes and not lines and "general" not in topics:
            return self.no_fact(route, topic)
        if not self.detail and (len(notes) > 1 or (lines and notes)):
            # the notes about the level asked ("what do they expect from us on a Sev A?") come first
            level = route.query.severity
            about_level = [n for n in notes if by_level and level and not n.derived and (
                level in (n.applies.get("severity") or ()) or
                (level in ("a", "critical") and "contact_sev_a" in n.topics))]
            if by_level and level and topic == "who_can_open":
                # who may open a level's request: its scheme's conditions (a scheme's first note states them)
                about_level = self.conditions(route) + about_level
            # the first note about the level asked, then the note the words ask for clearly (one per question);
            # a broad question ("what does support cover?") gets the first notes
            if self.clearly_asked(notes):
                short = about_level[:1] + notes[:1] + self.best_per_question(notes) + self.close_to_best(notes)
            elif lines:
                # "how do I file it?": the lead part's rows and steps are the answer, with the first note when
                # the whole message matches it clearly ("can't sign in to PPAC to file it, what now?")
                hits = note_index(self.facts).search(self.question, notes[:1], without=VALUE_DIMS)
                short = about_level[:1] + (notes[:1] if hits and hits[0].score >= CLEAR_NOTE else [])
            else:
                short = about_level[:1] + notes[:SHORT_NOTES_ANSWER]
            short = self.fewest(list({n.id: n for n in short}.values()))[:SHORT_NOTES_ANSWER]
            if route.query.cloud is None:
                # a question that names no cloud: a further note of one cloud that is not the worldwide service
                # ("21Vianet assigns the severity") comes on request
                short = short[:1] + [n for n in short[1:] if self.of_named_cloud(route, n)]
            self.held_back, notes = self.held_back or len(short) < len(notes), short
        for n in notes:
            lines.append(self.t("row", label="", text=self.note_text(n)))
        sources += [s for n in notes for s in n.sources]
        # "notes": the part responses this can stand in for (no_fact) have a notes line; it is said above
        return self.finish(Reply(response, {"subject": self.subject(route), "lines": self.body(lines),
                                            "notes": "",
                                            "source": self.sources(sources), "notes_used": [n.id for n in notes]}))

    def filing(self, route: Route) -> str:
        """Where to open the request: the portal lines, and the one number to call when there is one."""
        portal = self.portal(route)
        lines = portal.variables.get("rows", "") if portal.response == "utter_answer_portal" else ""
        number = self.the_one_number(route)
        if number and number not in lines:
            lines += self.t("or_call", number=number)
        return lines

    @staticmethod
    def the_one_number(route: Route) -> Optional[str]:
        """The number to offer beside a portal: only when every line of the question has it. Dynamics 365
        asked without a cloud has one number (21Vianet's) and no number worldwide; offering it unlabelled
        would send a worldwide admin to a China hotline."""
        rows = route.phone.rows
        numbers = {r.number for r in rows if isinstance(r, Phone)}
        if rows and route.phone.missing is None and len(numbers) == 1 and all(isinstance(r, Phone) for r in rows):
            return next(iter(numbers))
        return None

    def filing_block(self, route: Route) -> str:
        """"Where to open it:" and the filing lines, for a reply about a problem; empty until the product is
        known (without it the portal is still a question)."""
        lines = self.filing(route) if route.query.product else ""
        return self.t("file_it", lines=lines) + "\n" if lines else ""

    def handoff(self, route: Route, severity: Optional[str], proposed: bool, problem: Optional[str]) -> Reply:
        q = route.query
        lines = self.filing(route)
        sev_text = self.t("not_set")
        if severity:
            sev_text = self.name("severity", severity) + (self.t("proposed") if proposed else "")
        where = self.join([self.name("cloud", q.cloud)] if q.cloud else []) or self.t("not_set")
        if q.country and q.cloud != "china_21v":
            where = self.join([where if q.cloud else "", self.short_name("country", q.country)])
        # the first contact reminder of the route; a Sev A-only one counts only for Sev A
        contact_notes = [n for n in route.notes if {"contact", "contact_sev_a"} & set(n.topics)]
        contact = self.t("contact")
        if contact_notes and (severity in ("a", "critical") or "contact" in contact_notes[0].topics):
            contact = self.t("two_sentences", first=contact, second=contact_notes[0].text.get(self.lang))
        caveats = [n for n in route.notes if "handoff" in n.topics]
        return Reply("utter_answer_handoff", {
            "product": self.name("product", q.product) if q.product else self.t("not_set"),
            "where": where, "severity": sev_text,
            "impact": (problem or "").strip() or self.t("impact_missing"), "contact": contact,
            "lines": lines, "notes": self.notes(caveats[:2], kept=[n.id for n in caveats[:2]]),
            "source": self.sources([s for p in route.portal.rows for s in p.sources]
                                   + [s for r in route.phone.rows for s in r.sources])})

    def triage(self, t: Triage, scheme_id: str, route: Route) -> Reply:
        scheme = self.facts.schemes[scheme_id]
        level_id = t.level_in(scheme_id)
        level = scheme.level(level_id)
        reasons = self.join(self.t("signal_with_evidence", label=s.label.get(self.lang), evidence=s.evidence)
                            if s.evidence else s.label.get(self.lang) for s in t.signals)
        extra = ""
        if t.alternative:
            alternative = scheme.level(SCHEME_LEVEL[scheme_id][t.alternative])
            extra += self.t("scope_question", alternative=alternative.label.get(self.lang))
        if t.rule == "how_to":
            extra += self.t("how_to")
        scheme_name = scheme.name.get(self.lang)
        buttons = [{"title": self.t("button_yes"), "payload": "/affirm"}]
        for lv in scheme.levels:
            if lv.id != level_id and (not lv.plans or not route.query.plan or route.query.plan in lv.plans):
                value = sorted(lv.values)[0] if lv.id not in lv.values else lv.id
                buttons.append({"title": lv.label.get(self.lang),
                                "payload": "/inform" + json.dumps({"severity": value})})
        # the proposal is the level and why; the definition's first sentence says what the level is (the rest,
        # and where to open the request, come once a level is chosen: utter_triage_confirmed) ...
        definition = level.definition.get(self.lang)
        if not self.detail:
            definition = _FIRST_SENTENCE.match(definition).group(0).strip()
        # ... unless the message asks that too ("what sev is that and what do I do?", "报哪里？"), or the level
        # is the top one: someone whose production is down needs where to open it now
        asks_where = asks_for_help(self.question) or level_id in ("a", "critical") or \
            bool({"portal", "phone"} & set(parts_asked_plainly(self.question)))
        return Reply("utter_triage_result", {"level": level.label.get(self.lang), "scheme": scheme_name,
                                             "reasons": reasons, "definition": definition, "extra": extra,
                                             "filing": self.filing_block(route) if asks_where else "",
                                             "proposed": level_id}, buttons)

    # ------------------------------------------------------------------------------------ clarifying
    def ask(self, slot: str, candidates: Sequence[str], retry: bool, route: Optional[Route] = None) -> Reply:
        """The clarifying question for `slot`. Asking the severity for a hand-off, where to open the request
        comes first when it is known: the user may file it without answering."""
        buttons = []
        for value in candidates:
            title = self.short_name(slot, value)
            if slot == "country" and value == "cn":
                title = self.t("name_with_qualifier", name=title, qualifier=self.name("cloud", "china_21v"))
            buttons.append({"title": title, "payload": "/inform" + json.dumps({slot: value}, ensure_ascii=False)})
        variables = {"retry": self.t("retry") if retry else ""}
        if slot == "severity":
            variables["filing"] = self.filing_block(route) if route is not None else ""
        return Reply(f"utter_ask_{slot}", variables, buttons)
