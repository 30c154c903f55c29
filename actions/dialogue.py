"""Dialogue logic between the tracker and the policy module, on plain values (no Rasa import), so it is
unit-testable: which question is being answered, what the user has told us so far, what to ask next.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from actions.policy import Query, Route
from actions.policy.model import DIMS
from actions.topics import NOTE_TOPICS, PART_TOPICS, TOPICS, asked_parts

# The question (topic) each intent asks. describe_problem is handled by action_triage.
INTENT_TOPIC = {t.intent: t.name for t in TOPICS}
# Intents that interrupt a clarifying question; the form steps aside and the rules answer them.
INTERRUPTIONS = {"greet", "goodbye", "thank", "bot_challenge", "help", "out_of_scope", "nlu_fallback",
                 "switch_language", "restart", "deny", "affirm"}
ROUTE_PART = {name: name for name in PART_TOPICS}
MAX_CLARIFY = 2          # unanswered clarifying questions before answering with what we have


def topic_for(intent: Optional[str], current: Optional[str], text: Optional[str] = None,
              named: Iterable[str] = ()) -> Optional[str]:
    """The topic after this user turn: a new question sets it, anything else keeps the current one; with no
    question yet, the words of the message may ask one ("the o365 support # for our toronto office"), and a
    severity it names (`named`: the dimensions of its entities) asks about that level ("账单问题能开 A 级吗").
    Describing the problem while preparing a hand-off stays in the hand-off."""
    if intent in INTENT_TOPIC:
        return INTENT_TOPIC[intent]
    if intent == "describe_problem" and current != "handoff":
        return "triage"
    if current is None and intent not in INTERRUPTIONS:
        parts = asked_parts(text)
        return parts[0] if parts else "severity" if "severity" in named else None
    return current


def also_asked(text: Optional[str], topic: Optional[str]) -> List[str]:
    """The other routing parts one message asks for besides its topic, in the order it asks them. Only a
    message that asks a question of its own counts (the hand-off and triage answer several parts already)."""
    if topic not in ROUTE_PART and topic not in NOTE_TOPICS:
        return []
    return [name for name in asked_parts(text) if name != topic]


def values_named_twice(message_entities: Iterable[Mapping[str, Any]]) -> Tuple[Optional[str], List[str]]:
    """The first dimension for which one message names two or more values plainly ("US and UK", "Sev A vs
    Sev C", "技术和帐单"), with the values in the order named; (None, []) when there is none. A value the
    user rules out ("Australia, not the UK") has a role and does not count."""
    named: Dict[str, List[str]] = {}
    for e in message_entities:
        dim, value = e.get("entity"), e.get("value")
        if dim in DIMS and value and not e.get("role") and value not in named.setdefault(dim, []):
            named[dim].append(value)
    for dim, values in named.items():
        if len(values) > 1:
            return dim, values
    return None, []


# A new question that names what it is about starts afresh on these, unless it names them too.
DETAIL_DIMS = ("support_type", "severity", "plan")


def merge_dims(slots: Mapping[str, Any], message_entities: Iterable[Mapping[str, Any]],
               intent: Optional[str] = None,
               cloud_serves: Optional[Callable[[str, str], bool]] = None) -> Dict[str, Optional[str]]:
    """Slot values for the query, with corrections applied: naming a new country forgets a cloud named
    earlier and vice versa ("no, Germany" after "21Vianet"), unless both came in the same message or the
    cloud serves the new country too (`cloud_serves`: Office 365 Germany serves Austria); a value ruled out
    ("not the 21Vianet one") is dropped when it is the one in hand. A new question
    that names a product or place ("21Vianet Office 365 hotline?") drops the support type, severity and
    plan of the previous question; a follow-up ("and billing hours?") keeps the context."""
    dims = {d: slots.get(d) for d in DIMS}
    message_entities = list(message_entities)
    said = {e.get("entity") for e in message_entities if not e.get("role")}
    for e in message_entities:                 # "no, not the 21Vianet one": the value in hand is ruled out
        if e.get("role") and e.get("entity") in dims and dims[e["entity"]] == e.get("value"):
            dims[e["entity"]] = None
    if intent in INTENT_TOPIC and said & {"product", "cloud", "country"}:
        for d in DETAIL_DIMS:
            if d not in said:
                dims[d] = None
    if "country" in said and "cloud" not in said:
        if not (cloud_serves and dims["cloud"] and dims["country"] and cloud_serves(dims["cloud"], dims["country"])):
            dims["cloud"] = None
    if "cloud" in said and "country" not in said:
        dims["country"] = None
    return dims


def query_of(dims: Mapping[str, Optional[str]]) -> Query:
    return Query(**{d: v for d, v in dims.items() if d in DIMS and v})


def to_ask(topic: Optional[str], route: Route, dims: Mapping[str, Optional[str]], has_problem: bool = False) -> List[str]:
    """The slots still to ask for this topic (the first is asked next); [] means answer now."""
    if topic in ROUTE_PART:
        missing = route.part(ROUTE_PART[topic]).missing
        return [missing.dim] if missing else []
    if topic in NOTE_TOPICS:
        return ["product"] if not dims.get("product") else []
    if topic == "handoff":
        if not dims.get("product"):
            return ["product"]
        for part in ("portal", "phone"):
            missing = route.part(part).missing
            if missing:
                return [missing.dim]
        if not dims.get("severity") and not has_problem:
            return ["severity"]
        return []
    return []
