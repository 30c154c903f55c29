"""Conversations and turns from stored events, and the outcome of each turn.

A **conversation** is one session of one sender: Rasa starts a new one with `action_session_start` /
`session_started` (after `session_expiration_time` idle, domain.yml). A **turn** is one user message and the
bot messages that follow it up to the next user message. Each bot message names its response in
`metadata.utter_action`; the responses of domain.yml fall in these kinds:

    answer     utter_answer_* (the hand-off summary utter_answer_handoff too), utter_triage_result,
               utter_triage_confirmed, utter_same_for_both, utter_not_the_same
    clarify    utter_ask_* (the form's clarifying questions), utter_what_topic, utter_triage_unclear
    fallback   utter_default (the NLU fallback: "Sorry, I didn't understand")
    no_fact    utter_no_fact, utter_unknown_value, utter_no_email_address (understood; the sources have no
               answer, or the product is not covered)
    scope      utter_out_of_scope
    error      utter_error, and a bot message without a response name (the apology sent when the action
               server failed: server/patches/action_failure_apology.py)
    social     utter_greet, utter_goodbye, utter_thanks, utter_iamabot, utter_help, utter_language_switched,
               utter_restart, utter_cancelled, utter_anything_else

Each turn gets exactly one outcome, the first that holds:

    given_up                  the bot's previous message was its MAX_CLARIFY-th clarifying question for a slot
                              (`requested_slot` set, `clarify_attempts` = MAX_CLARIFY - 1 before the message),
                              the message neither gave that value nor asked a new question (its intent is not
                              a question intent), and the bot stopped asking for that slot and answered with
                              what it had (an answer or "not in my sources"): actions/actions.py gives up
    answered_after_clarifying an answer, in reply to the user's response to a clarifying question (the
                              previous turn asked; the value was given, or the user did not switch to a new
                              question)
    answered                  an answer to a question asked outright
    fallback                  the fallback response (also when the form then asks again)
    error                     the apology for a failure
    abandoned_clarification   the bot asked a clarifying question and the user never wrote again in that
                              conversation
    clarifying                the bot asked a clarifying question and the user went on
    not_in_sources            understood, but the sources hold no answer (or the product is not covered)
    out_of_scope              the out-of-scope reply
    small_talk                greetings, thanks, help, language switches, restarts
    no_reply                  no bot message at all
    other                     a response of none of the kinds above (a new response not yet classified here)

A turn that answers and then asks for more (one question answered, the next needs a value) is answered.
The language of a turn is the language of the bot's reply (the response variation's `condition`; English is
the unconditioned default), else the `language` slot; its channel is the user message's `input_channel`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from core.dialogue import INTENT_TOPIC, MAX_CLARIFY
from review.store import SESSION_START_ACTION, Event

ANSWER, CLARIFY, FALLBACK_KIND, NO_FACT, SCOPE, ERROR_KIND, SOCIAL, OTHER_KIND = (
    "answer", "clarify", "fallback", "no_fact", "scope", "error", "social", "other")

_ANSWERS = {"utter_triage_result", "utter_triage_confirmed", "utter_same_for_both", "utter_not_the_same"}
_CLARIFY = {"utter_what_topic", "utter_triage_unclear"}
_KIND = {"utter_default": FALLBACK_KIND, "utter_no_fact": NO_FACT, "utter_unknown_value": NO_FACT,
         "utter_no_email_address": NO_FACT,
         "utter_out_of_scope": SCOPE, "utter_error": ERROR_KIND, "": ERROR_KIND,
         **{name: SOCIAL for name in ("utter_greet", "utter_goodbye", "utter_thanks", "utter_iamabot", "utter_help",
                                      "utter_language_switched", "utter_restart", "utter_cancelled",
                                      "utter_anything_else")}}

ANSWERED, AFTER_CLARIFYING, GIVEN_UP, FALLBACK = "answered", "answered_after_clarifying", "given_up", "fallback"
ERROR, ABANDONED, CLARIFYING, NOT_IN_SOURCES = "error", "abandoned_clarification", "clarifying", "not_in_sources"
OUT_OF_SCOPE, SMALL_TALK, NO_REPLY, OTHER = "out_of_scope", "small_talk", "no_reply", "other"
OUTCOMES = (ANSWERED, AFTER_CLARIFYING, GIVEN_UP, FALLBACK, ERROR, ABANDONED, CLARIFYING, NOT_IN_SOURCES,
            OUT_OF_SCOPE, SMALL_TALK, NO_REPLY, OTHER)
HEADLINE = (ANSWERED, AFTER_CLARIFYING, FALLBACK, GIVEN_UP)        # the shares issue 17 asks for
# one line each, for review.json and the page (the module docstring has the full rules)
DESCRIPTIONS = {
    ANSWERED: "answered a question asked outright",
    AFTER_CLARIFYING: "answered once the user replied to a clarifying question",
    GIVEN_UP: f"answered with what it had after {MAX_CLARIFY} clarifying questions went unanswered",
    FALLBACK: "the fallback: the bot did not understand the message",
    ERROR: "an apology for a failure (an action or the action server failed)",
    ABANDONED: "the bot asked a clarifying question and the user never wrote again",
    CLARIFYING: "the bot asked a clarifying question and the user went on",
    NOT_IN_SOURCES: "understood, but the sources hold no answer, or the product is not covered",
    OUT_OF_SCOPE: "out of scope",
    SMALL_TALK: "greetings, thanks, help, language switches, restarts",
    NO_REPLY: "no bot message",
    OTHER: "a response review/turns.py does not classify yet",
}
GOT_AN_ANSWER = (ANSWERED, AFTER_CLARIFYING, GIVEN_UP)
UNANSWERED = (FALLBACK, ABANDONED)                                  # the unanswered list
PLACES = ("product", "cloud", "country", "other_product")            # entities counted as "asked about"
HANDOFF = "utter_answer_handoff"


def response_kind(name: Optional[str]) -> str:
    name = name or ""
    if name.startswith("utter_answer_") or name in _ANSWERS:
        return ANSWER
    if name.startswith("utter_ask_") or name in _CLARIFY:
        return CLARIFY
    return _KIND.get(name, OTHER_KIND)


def response_topic(name: str) -> Optional[str]:
    """The topic an answer answers (core/topics.py names; triage for the severity proposals)."""
    if name.startswith("utter_answer_"):
        return name[len("utter_answer_"):]
    return "triage" if name.startswith("utter_triage_") else None


@dataclass
class Turn:
    timestamp: float
    text: str
    intent: Optional[str]
    channel: str
    language: str
    responses: List[str]
    entities: Tuple[Tuple[str, str], ...]
    topics: Tuple[str, ...]
    handoffs: List[Dict[str, Any]]
    outcome: str = OTHER


@dataclass
class Conversation:
    sender: str
    turns: List[Turn] = field(default_factory=list)

    def turns_to_first_answer(self) -> Optional[int]:
        """User messages up to and including the first one that got an answer, from the start."""
        return next((i + 1 for i, t in enumerate(self.turns) if t.outcome in GOT_AN_ANSWER), None)


def split_sessions(events: Sequence[Event]) -> List[List[Event]]:
    """A sender's events (id order) cut where a session starts: at `action_session_start`, or at a
    `session_started` that does not directly follow one."""
    sessions: List[List[Event]] = []
    previous: Optional[Event] = None
    for event in events:
        starts = (event.type_name == "action" and event.action_name == SESSION_START_ACTION) or (
            event.type_name == "session_started"
            and not (previous is not None and previous.type_name == "action"
                     and previous.action_name == SESSION_START_ACTION))
        if starts or not sessions:
            if not sessions or sessions[-1]:
                sessions.append([])
        sessions[-1].append(event)
        previous = event
    return [s for s in sessions if s]


def conversations(sender: str, events: Sequence[Event]) -> List[Conversation]:
    return [c for c in (_conversation(sender, s) for s in split_sessions(events)) if c.turns]


@dataclass
class _Raw:
    user: Event
    before: Dict[str, Any]
    after: Dict[str, Any] = field(default_factory=dict)
    bots: List[Dict[str, Any]] = field(default_factory=list)


def _conversation(sender: str, events: Iterable[Event]) -> Conversation:
    slots: Dict[str, Any] = {}
    raws: List[_Raw] = []
    for event in events:
        kind = event.type_name
        if kind == "user":
            if raws:
                raws[-1].after = dict(slots)
            raws.append(_Raw(event, dict(slots)))
        elif kind == "bot":
            if raws and event.data is not None:
                raws[-1].bots.append(event.data)
        elif kind == "slot":
            slots[event.action_name or (event.data or {}).get("name")] = (event.data or {}).get("value")
        elif kind == "restarted":
            slots = {}
    if raws:
        raws[-1].after = dict(slots)
    conversation = Conversation(sender)
    for i, raw in enumerate(raws):
        previous_asked = i > 0 and CLARIFY in _kinds(raws[i - 1])
        turn = _turn(raw)
        turn.outcome = _outcome(raw, turn, previous_asked, last=i == len(raws) - 1)
        conversation.turns.append(turn)
    return conversation


def _names(raw: _Raw) -> List[str]:
    return [str((b.get("metadata") or {}).get("utter_action") or "") for b in raw.bots]


def _kinds(raw: _Raw) -> List[str]:
    return [response_kind(n) for n in _names(raw)]


def _turn(raw: _Raw) -> Turn:
    data = raw.user.data or {}
    parse = data.get("parse_data") or {}
    intent = raw.user.intent_name or (parse.get("intent") or {}).get("name")
    names = _names(raw)
    # a notes answer (utter_answer_notes) answers the question in hand: the `topic` slot names it
    topics = tuple(dict.fromkeys((raw.after.get("topic") or t) if t == "notes" else t
                                 for t in map(response_topic, names) if t))
    if not topics:
        asked = INTENT_TOPIC.get(intent or "") or ("triage" if intent == "describe_problem" else None)
        topics = (asked,) if asked else ()
    entities = tuple(dict.fromkeys(
        (str(e.get("entity")), str(e.get("value"))) for e in parse.get("entities") or []
        if isinstance(e, dict) and e.get("entity") in PLACES and e.get("value") and not e.get("role")))
    handoffs = [b.get("metadata") or {} for b, n in zip(raw.bots, names, strict=True) if n == HANDOFF]
    return Turn(raw.user.timestamp, str(data.get("text") or ""), intent, str(data.get("input_channel") or "unknown"),
                _language(raw), names, entities, topics, handoffs)


def _language(raw: _Raw) -> str:
    for bot in reversed(raw.bots):
        metadata = bot.get("metadata") or {}
        conditions = metadata.get("condition") or []
        for c in conditions if isinstance(conditions, list) else []:
            if isinstance(c, dict) and c.get("name") == "language" and c.get("value"):
                return str(c["value"])
        if metadata.get("utter_action") or metadata.get("template"):
            return "en"                               # the unconditioned variation: English
    return str(raw.after.get("language") or raw.before.get("language") or "unknown")


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _outcome(raw: _Raw, turn: Turn, previous_asked: bool, last: bool) -> str:
    kinds = _kinds(raw)
    pending = raw.before.get("requested_slot") if previous_asked else None
    filled = bool(pending and raw.after.get(pending))
    new_question = turn.intent in INTENT_TOPIC
    if (pending and not filled and not new_question
            and _number(raw.before.get("clarify_attempts")) >= MAX_CLARIFY - 1
            and raw.after.get("requested_slot") != pending and (ANSWER in kinds or NO_FACT in kinds)):
        return GIVEN_UP
    if ANSWER in kinds:
        return AFTER_CLARIFYING if previous_asked and (filled or not pending or not new_question) else ANSWERED
    for kind, outcome in ((FALLBACK_KIND, FALLBACK), (ERROR_KIND, ERROR)):
        if kind in kinds:
            return outcome
    if CLARIFY in kinds:
        return ABANDONED if last else CLARIFYING
    for kind, outcome in ((NO_FACT, NOT_IN_SOURCES), (SCOPE, OUT_OF_SCOPE), (SOCIAL, SMALL_TALK)):
        if kind in kinds:
            return outcome
    return NO_REPLY if not kinds else OTHER
