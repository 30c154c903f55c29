"""The figures of a review window, added up conversation by conversation (memory holds counters, the
unanswered messages and the hand-offs, never the conversations).

What each figure counts (README, "Conversation review and retention"):
- turns: user messages sent in the window (review.turns defines a turn and its outcome);
- conversations: conversations (sessions) with a turn in the window, on the day of their first such turn,
  under the channel of that turn and the language most of their turns in the window were answered in
  (a tie: the language of the first);
- outcomes: turns per outcome, and each outcome's share of all turns in the window;
- topics: per turn, the topics of the answers it got (utter_answer_<topic>; triage for severity proposals),
  or, without an answer, the topic of its intent; `answered` counts the turns among them that got an answer;
- products, clouds, countries: per turn, each value the user's message named (entities; a value ruled out,
  "not the 21Vianet one", does not count); `not_covered`: Microsoft products the sources do not cover;
- hand-offs: the hand-off summaries sent (utter_answer_handoff), by product and severity, with their
  business impact masked;
- turns to a first answer: per conversation, the user messages from its start up to and including the first
  one answered (answered, answered after clarifying, or given up); the median over the conversations that got
  one, and how many never did;
- unanswered: the messages of fallback turns and abandoned clarifications, masked, grouped (review.grouping).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Callable, Dict, List, Optional
from zoneinfo import ZoneInfo

from review.grouping import group
from review.privacy import mask
from review.turns import ABANDONED, FALLBACK, GOT_AN_ANSWER, HEADLINE, OUTCOMES, UNANSWERED, Conversation

PLACE_KINDS = {"product": "products", "cloud": "clouds", "country": "countries", "other_product": "not_covered"}
_SEVERITY = re.compile(r"(?:severity|sev|严重级别)\s*([abc])\b", re.IGNORECASE)
DISTRIBUTION_CAP = 5                     # turns to a first answer: 1, 2, 3, 4, 5 or more


@dataclass(frozen=True)
class Window:
    """Whole days from `since` to `until` (both included) in `tz`."""
    since: date
    until: date
    tz: ZoneInfo

    @classmethod
    def last_days(cls, days: int, tz: ZoneInfo, until: Optional[date] = None) -> "Window":
        """`days` days up to `until` (default: today in `tz`)."""
        until = until or datetime.now(tz).date()
        return cls(until - timedelta(days=days - 1), until, tz)

    @cached_property
    def start(self) -> float:
        return datetime.combine(self.since, time(), self.tz).timestamp()

    @cached_property
    def end(self) -> float:
        return datetime.combine(self.until + timedelta(days=1), time(), self.tz).timestamp()

    def contains(self, timestamp: float) -> bool:
        return self.start <= timestamp < self.end

    def day(self, timestamp: float) -> str:
        return datetime.fromtimestamp(timestamp, self.tz).date().isoformat()

    def days(self) -> List[str]:
        return [(self.since + timedelta(days=i)).isoformat() for i in range((self.until - self.since).days + 1)]


@dataclass
class Names:
    """Display names of the fact base's ids (core/routing/facts.yml), and the ids of its names."""
    names: Dict[str, Dict[str, str]]

    @classmethod
    def from_facts(cls) -> "Names":
        from core.routing import default_router             # 0.7 s: loaded only when a review runs
        names: Dict[str, Dict[str, str]] = {}
        for kind, terms in default_router().facts.vocab.items():
            names[kind] = {tid: (term.name.en if term.name else tid) for tid, term in terms.items()}
            names[kind + ":ids"] = {n: tid for tid, term in terms.items() if term.name
                                    for n in (term.name.en, term.name.zh) if n}
        return cls(names)

    def name(self, kind: str, tid: str) -> str:
        return self.names.get(kind, {}).get(tid, tid)

    def id_of(self, kind: str, name: str) -> Optional[str]:
        return self.names.get(kind + ":ids", {}).get(name)


def _counts() -> Dict[str, Any]:
    return {"conversations": 0, "turns": 0, "outcomes": Counter()}


class Figures:
    def __init__(self, window: Window, hasher: Callable[[str], str], names: Names) -> None:
        self.window, self.hasher, self.names = window, hasher, names
        self.conversations = 0
        self.turns = 0
        self.senders: set = set()
        self.outcomes: Counter = Counter()
        self.per_day: Dict[str, Dict[str, Any]] = {d: _counts() for d in window.days()}
        self.per_language: Dict[str, Dict[str, Any]] = defaultdict(_counts)
        self.per_channel: Dict[str, Dict[str, Any]] = defaultdict(_counts)
        self.topics: Dict[str, Counter] = defaultdict(Counter)
        self.places: Dict[str, Counter] = defaultdict(Counter)
        self.spellings: Dict[str, Counter] = defaultdict(Counter)       # not-covered products as typed
        self.handoffs: List[Dict[str, Any]] = []
        self.to_first_answer: Counter = Counter()
        self.never_answered = 0
        self.unanswered: List[tuple] = []

    def add(self, conversation: Conversation) -> None:
        turns = [t for t in conversation.turns if self.window.contains(t.timestamp)]
        if not turns:
            return
        who = self.hasher(conversation.sender)
        self.conversations += 1
        self.senders.add(who)
        languages = Counter(t.language for t in turns)
        top = max(languages.values())
        language = next(t.language for t in turns if languages[t.language] == top)
        for counts in (self.per_day[self.window.day(turns[0].timestamp)], self.per_language[language],
                       self.per_channel[turns[0].channel]):
            counts["conversations"] += 1
        for turn in turns:
            day = self.window.day(turn.timestamp)
            self.turns += 1
            self.outcomes[turn.outcome] += 1
            for counts in (self.per_day[day], self.per_language[turn.language], self.per_channel[turn.channel]):
                counts["turns"] += 1
                counts["outcomes"][turn.outcome] += 1
            for topic in turn.topics:
                self.topics[topic]["turns"] += 1
                self.topics[topic]["answered"] += turn.outcome in GOT_AN_ANSWER
            for entity, value in turn.entities:
                if entity == "other_product":
                    self.spellings[value.casefold()][value] += 1
                    value = value.casefold()
                self.places[PLACE_KINDS[entity]][value] += 1
            for summary in turn.handoffs:
                self.handoffs.append(self._handoff(summary, turn, day, who))
            if turn.outcome in UNANSWERED:
                self.unanswered.append((mask(turn.text), {
                    "kind": turn.outcome, "language": turn.language, "channel": turn.channel, "day": day,
                    "conversation": who}))
        first = conversation.turns_to_first_answer()
        if first is None:
            self.never_answered += 1
        else:
            self.to_first_answer[first] += 1

    def _handoff(self, summary: Dict[str, Any], turn: Any, day: str, who: str) -> Dict[str, Any]:
        product, where = str(summary.get("product") or ""), str(summary.get("where") or "")
        severity = _SEVERITY.search(str(summary.get("severity") or ""))
        return {"day": day, "language": turn.language, "channel": turn.channel, "conversation": who,
                "product": self.names.id_of("products", product) or product,
                "environment": self.names.id_of("clouds", where) or where,
                "severity": severity.group(1).upper() if severity else "not given",
                "severity_as_sent": str(summary.get("severity") or ""),
                "impact": mask(str(summary.get("impact") or ""))}

    # ---------------------------------------------------------------------------------------------- result
    def result(self) -> Dict[str, Any]:
        def rows(table: Dict[str, Dict[str, Any]], key: str) -> List[Dict[str, Any]]:
            ordered = sorted(table.items(), key=lambda kv: (-kv[1]["turns"], kv[0]))
            return [{key: k, "conversations": v["conversations"], "turns": v["turns"],
                     "outcomes": {o: v["outcomes"][o] for o in OUTCOMES}} for k, v in ordered]

        def share(n: int) -> float:
            return round(n / self.turns, 4) if self.turns else 0.0

        asked = {kind: [{"id": v, "name": self._place_name(kind, v), "turns": n}
                        for v, n in sorted(self.places[kind].items(), key=lambda kv: (-kv[1], kv[0]))]
                 for kind in PLACE_KINDS.values()}
        return {
            "totals": {"conversations": self.conversations, "turns": self.turns, "senders": len(self.senders),
                       "unanswered_messages": len(self.unanswered), "handoffs": len(self.handoffs)},
            "per_day": [{"date": d, "conversations": v["conversations"], "turns": v["turns"],
                         "outcomes": {o: v["outcomes"][o] for o in OUTCOMES}} for d, v in self.per_day.items()],
            "per_language": rows(self.per_language, "language"),
            "per_channel": rows(self.per_channel, "channel"),
            "outcomes": [{"outcome": o, "turns": self.outcomes[o], "share": share(self.outcomes[o])}
                         for o in OUTCOMES],
            "headline": {o: share(self.outcomes[o]) for o in HEADLINE},
            "topics": [{"topic": t, "turns": c["turns"], "answered": c["answered"]}
                       for t, c in sorted(self.topics.items(), key=lambda kv: (-kv[1]["turns"], kv[0]))],
            "asked_about": asked,
            "handoffs": self._handoffs(),
            "turns_to_first_answer": self._first_answer(),
            "unanswered": self._unanswered(),
        }

    def _place_name(self, kind: str, value: str) -> str:
        if kind == "not_covered":
            return self.spellings[value].most_common(1)[0][0]
        return self.names.name(kind, value)

    def _handoffs(self) -> Dict[str, Any]:
        by_product = Counter(h["product"] for h in self.handoffs)
        by_severity = Counter(h["severity"] for h in self.handoffs)
        return {"count": len(self.handoffs),
                "by_product": [{"product": p, "name": self.names.name("products", p), "count": n}
                               for p, n in sorted(by_product.items(), key=lambda kv: (-kv[1], kv[0]))],
                "by_severity": [{"severity": s, "count": by_severity[s]}
                                for s in sorted(by_severity, key=lambda s: (s == "not given", s))],
                "items": sorted(self.handoffs, key=lambda h: (h["day"], h["conversation"]))}

    def _first_answer(self) -> Dict[str, Any]:
        values = sorted(self.to_first_answer.elements())
        median: Optional[float] = None
        if values:
            mid = len(values) // 2
            median = float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
        buckets = Counter(min(v, DISTRIBUTION_CAP) for v in values)
        return {"median": median, "conversations": len(values), "never_answered": self.never_answered,
                "distribution": [{"turns": f"{k}+" if k == DISTRIBUTION_CAP else str(k), "conversations": buckets[k]}
                                 for k in range(1, DISTRIBUTION_CAP + 1)]}

    def _unanswered(self) -> Dict[str, Any]:
        groups = []
        for g in group(self.unanswered):
            items: List[Dict[str, Any]] = g.items                # type: ignore[assignment]
            kinds = Counter(i["kind"] for i in items)
            days = sorted(i["day"] for i in items)
            groups.append({
                "text": g.text, "count": g.count,
                "kinds": {FALLBACK: kinds[FALLBACK], ABANDONED: kinds[ABANDONED]},
                "languages": dict(Counter(i["language"] for i in items).most_common()),
                "channels": dict(Counter(i["channel"] for i in items).most_common()),
                "conversations": len({i["conversation"] for i in items}),
                "first_seen": days[0], "last_seen": days[-1],
                "variants": [t for t, _ in g.texts.most_common() if t != g.text][:5],
                "examples": sorted({i["conversation"] for i in items})[:3]})
        return {"messages": len(self.unanswered), "groups": groups}
