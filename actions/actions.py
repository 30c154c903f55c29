"""Rasa custom actions: thin glue from slots to the routing core to `utter_*` responses.

Every action is `async` and does no I/O beyond in-memory lookups, so one slow user never blocks another.
The facts and the router are loaded once per process (core.routing.default_router).

`tracker.events` holds the events of the last `core.history.ACTION_USER_TURNS` user turns only, not the
whole conversation (the Rasa server sends no more); slots and the latest message are complete. Nothing here
reads further back than that.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Collection, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Text, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from core.dialogue import (INTENT_TOPIC, INTERRUPTIONS, MAX_CLARIFY, ROUTE_PART, also_asked, answered_by_general_notes,
                              asked_only_as_whom, asks_for_more, asks_if_same, asks_languages_apart, fact_compared,
                              is_value_follow_up, merge_dims, notes_answering, notes_for_every_candidate,
                              product_of_notes, query_of, to_ask, topic_for, topic_with_an_answer, values_named_twice,
                              whom_answered)
from core.routing import Route, default_router, triage as run_triage
from core.routing.model import DIMS, Phone
from core.routing.schedule import utc_now
from core.routing.triage import SCHEME_LEVEL
from core.routing.vocab import is_negated, normalize
from core.render import Renderer, Reply, load_wording
from core.topics import MENU, NOTE_TOPICS, asked_parts, asks_business_hours_only, asks_for_email, note_topic_cued
from core.language import effective_language

logger = logging.getLogger(__name__)

# The facts, the router and the wording load when the action server imports this module, not in the first
# user's message (~0.6 s: it was the whole of the first message's extra latency).
default_router()
load_wording()

DEFAULT_CANDIDATES = {
    "product": ("m365", "d365_ce", "d365_fo", "d365_bc", "power_platform"),
    "country": ("us", "ca", "au", "uk", "de", "cn"),
    "cloud": ("worldwide", "china_21v"),
    "support_type": ("technical", "billing", "presales"),
    "plan": ("subscription", "prodirect", "premier", "unified_core", "unified_advanced", "unified_performance"),
    "severity": ("a", "b", "c"),
}


# ---------------------------------------------------------------------------------------------- helpers
def user_texts(tracker: Tracker) -> Iterator[str]:
    """The user's messages, newest first."""
    return (e.get("text") for e in reversed(tracker.events) if e.get("event") == "user" and e.get("text"))


def language_of(tracker: Tracker) -> str:
    return effective_language(tracker.latest_message.get("metadata"), tracker.get_slot("language_pref"),
                              user_texts(tracker))


def user_timezone(tracker: Tracker) -> Optional[str]:
    """The caller's IANA zone when the channel sends one (web widget, shell); ignored when invalid."""
    tz = (tracker.latest_message.get("metadata") or {}).get("timezone")
    if not isinstance(tz, str) or len(tz) > 64:
        return None
    try:
        ZoneInfo(tz)
        return tz
    except (ZoneInfoNotFoundError, ValueError):
        return None


def changed(tracker: Tracker, **values: Any) -> List[EventType]:
    """SlotSet events for the values that differ from the tracker's (no event for a no-op)."""
    return [SlotSet(k, v) for k, v in values.items()
            if tracker.get_slot(k) != v and not (v == 0.0 and not tracker.get_slot(k))]


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The message's intent; a question's intent read from a message that only gives new values for the
    question in hand ("what if we had ProDirect instead?", "那 B 级呢") is `inform`: it asks that again."""
    message = tracker.latest_message
    intent = (message.get("intent") or {}).get("name")
    if intent in INTENT_TOPIC and tracker.get_slot("topic") and \
            is_value_follow_up(message.get("text"), message.get("entities") or []):
        return "inform"
    return intent


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    variables = dict(reply.variables, held_back=True) if reply.more else reply.variables
    dispatcher.utter_message(response=reply.response, buttons=reply.buttons or None, **variables)


def offer_more(dispatcher: CollectingDispatcher, since: int, r: Renderer) -> None:
    """One "More details" button under the turn's last message, when an answer of the turn held details back
    and that message offers no buttons of its own. Its title is also what it sends (core.dialogue)."""
    messages = dispatcher.messages[since:]
    if messages and any(m.get("held_back") for m in messages) and not messages[-1].get("buttons"):
        title = r.t("button_more")
        messages[-1]["buttons"] = [{"title": title, "payload": title}]


class SafeAction(Action, ABC):
    """Runs `act`; an unexpected error is logged with its traceback and the user gets an apology in their
    language instead of the silent empty reply Rasa's REST channel would give."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception:  # the last line of defence for one user's turn
            logger.exception("action %s failed for sender %s", self.name(), tracker.sender_id)
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_error")
            return []

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        """The action's work; exceptions become an apology (see run)."""


@dataclass
class State:
    """Everything an action needs about this turn: what is asked, what is known, the policy's answer."""
    topic: Optional[str]
    dims: Dict[str, Optional[str]]
    route: Route
    lang: str
    now: datetime
    resets: List[EventType]
    user_tz: Optional[str] = None
    text: str = ""                     # the user's message this turn (notes are matched to its words)
    support_types: Tuple[str, ...] = ()  # the kinds of support one answer is for, when it is for several

    @property
    def detail(self) -> bool:
        """The user asked for the whole answer ("more details", "详细"): notes and sources are not held back."""
        return asks_for_more(self.text)

    @property
    def renderer(self) -> Renderer:
        return Renderer(self.route.facts, self.lang, self.now, detail=self.detail, question=self.text,
                        support_types=self.support_types)

    def with_values(self, **values: Optional[str]) -> "State":
        """The same turn with some values changed, routed afresh."""
        dims = dict(self.dims, **values)
        route = default_router().route(query_of(dims), now=self.now, user_tz=self.user_tz)
        return dataclasses.replace(self, dims=dims, route=route)


def state_of(tracker: Tracker, topic: Optional[str] = None) -> State:
    entities = tracker.latest_message.get("entities") or []
    dims = merge_dims(tracker.slots, entities, latest_intent(tracker), default_router().cloud_serves)
    resets = [SlotSet(d, None) for d in DIMS if tracker.get_slot(d) and not dims[d]]
    now, tz = utc_now(), user_timezone(tracker)
    route = default_router().route(query_of(dims), now=now, user_tz=tz)
    text = tracker.latest_message.get("text") or ""
    topic = topic if topic is not None else tracker.get_slot("topic")
    if topic in NOTE_TOPICS and not dims.get("product"):
        product = product_of_notes(route, text)        # what the notes the question matches are about
        if product:                                    # for this answer only: no slot is set from it
            dims = dict(dims, product=product)
            route = default_router().route(query_of(dims), now=now, user_tz=tz)
    return State(topic, dims, route, language_of(tracker), now, resets, tz, text)


def candidates_for(state: State, slot: str) -> List[str]:
    for part in ("phone", "portal", "hours", "response", "severity"):
        missing = state.route.part(part).missing
        if missing and missing.dim == slot:
            return list(missing.candidates)
    return list(DEFAULT_CANDIDATES.get(slot, ()))


def scheme_for_dims(dims: Dict[str, Optional[str]]) -> str:
    """The severity scheme to triage against: D365 products by cloud, otherwise 21Vianet Office 365 (the only
    Office 365 definitions with examples)."""
    product, cloud = dims.get("product"), dims.get("cloud")
    if product and product != "m365":
        return "d365_21v" if cloud == "china_21v" and product in ("d365_fo", "d365_ce") else "d365"
    return "o365_21v"


def level_for(scheme, scheme_id: str, severity: str):
    """The scheme's level for a severity value: generic a/b/c through the triage mapping, others by value."""
    if severity in SCHEME_LEVEL[scheme_id]:
        return scheme.level(SCHEME_LEVEL[scheme_id][severity])
    return next(iter(scheme.levels_for(severity)), scheme.levels[0])


# ---------------------------------------------------------------------------------------------- the form
class ValidateRouteForm(FormValidationAction):
    """Decides, every turn of route_form, which question is being answered and what to ask next, and
    answers it the moment nothing is missing (the form then ends; answering here rather than in a separate
    action after the form saves an action call and a policy prediction per question: docs/performance.md).

    Returning no events for an interruption (greeting, out-of-scope, "no", ...) makes Rasa reject the form
    for this turn so the rules answer it; otherwise the form follows the user, even to a new question."""

    def name(self) -> Text:
        return "validate_route_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            return await self._validate(dispatcher, tracker)
        except Exception:  # one user's turn: apologise and stop asking
            logger.exception("validate_route_form failed for sender %s", tracker.sender_id)
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_error")
            return [SlotSet("requested_slot", None)]

    async def _validate(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        intent = latest_intent(tracker)
        entities = tracker.latest_message.get("entities") or []
        if intent in INTERRUPTIONS and not entities:
            return []
        topic = topic_for(intent, tracker.get_slot("topic"), tracker.latest_message.get("text"),
                          {e.get("entity"): e.get("value") for e in entities if not e.get("role")}, entities)
        state = state_of(tracker, topic)
        answerable = topic_with_an_answer(state.route, topic, state.text)
        if answerable != topic:
            topic, state = answerable, state_of(tracker, answerable)
        # only what changes: every event is re-read and re-featurised on each later turn
        events: List[EventType] = (([SlotSet("topic", topic)] if topic != tracker.get_slot("topic") else [])
                                   + state.resets)
        other = [e.get("value") for e in entities if e.get("entity") == "other_product"]
        if other and topic not in NOTE_TOPICS and not any(e.get("entity") == "product" for e in entities):
            # "Azure 中国区的电话": what is covered, not the numbers of the products that are
            send(dispatcher, Reply("utter_unknown_value", {"value": other[0]}))
            return events + [SlotSet("clarify_attempts", 0.0), SlotSet("requested_slot", None)]
        problem = tracker.get_slot("problem")
        if intent == "describe_problem" and topic == "handoff":
            events += _triage_for_handoff(dispatcher, tracker, state)
            problem = tracker.latest_message.get("text")
            state.dims["severity"] = next(e["value"] for e in events if e.get("name") == "severity")
        asked = tracker.get_slot("requested_slot")
        attempts = int(tracker.get_slot("clarify_attempts") or 0)
        # an unanswered clarifying question counts; a new question starts afresh
        attempts = attempts + 1 if asked and not state.dims.get(asked) and intent not in INTENT_TOPIC else 0
        ask = to_ask(topic, state.route, state.dims, bool(problem))
        cued = note_topic_cued(state.text)
        if ask and cued and topic in ROUTE_PART and not to_ask(cued, state.route, state.dims):
            # "I'm not an admin - can I still use the support line?": who may use it comes before any number
            topic, state, ask = cued, state_of(tracker, cued), []
            events.append(SlotSet("topic", cued))
        if ask and topic in ROUTE_PART and not asked and state.dims.get("product"):
            # "is O365 phone support reachable at 3am?": the hours can be answered now; the number, which needs
            # the country, is asked for after them (answer_every_question's waiting parts). Without a product,
            # the other part's answer would be one for every product: the product is asked first.
            ready = [p for p in also_asked(state.text, topic) if p in ROUTE_PART and not to_ask(p, state.route,
                                                                                                state.dims)]
            if ready:
                topic, state, ask = ready[0], state_of(tracker, ready[0]), []
                events.append(SlotSet("topic", topic))
        if attempts >= MAX_CLARIFY:
            logger.info("giving up clarifying %s after %d attempts", asked, attempts)
            ask = []
        if not ask or ask[0] != asked:
            attempts = 0
        for_every = answer_for_every_candidate(state, topic) if ask else None
        if for_every:                             # what it asks holds whatever the value we would ask for
            send(dispatcher, for_every)
            events += changed(tracker, language=state.lang)
            ask, attempts = [], 0
        if not ask and not for_every:
            # the cloud a product implies stays the context ("F&O 呢" after a model-driven apps answer, which
            # is worldwide only), as the answer said it; one implied by a country goes with the country
            inferred = state.route.inferred.get("cloud")
            product = state.dims.get("product")
            if inferred and product and not state.dims.get("cloud") and not tracker.get_slot("cloud") and \
                    default_router().route(query_of({"product": product})).inferred.get("cloud") == inferred:
                events.append(SlotSet("cloud", inferred))
            after = dict(tracker.slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"})
            waiting = answer_every_question(dispatcher, state, after, tracker.latest_message)
            events += changed(tracker, language=state.lang)
            if waiting:
                # "英国电话多少 周末技术支持有人吗": the hours are answered, the number needs the product: ask it,
                # and its answer goes to that question
                topic, ask, attempts = waiting[0], to_ask(waiting[0], state.route, state.dims), 0
                events.append(SlotSet("topic", topic))
        # always one slot event besides requested_slot: without it Rasa treats the turn as "nothing
        # extracted", rejects the form and lets the rules guess
        return events + [SlotSet("clarify_attempts", float(attempts)),
                         SlotSet("requested_slot", ask[0] if ask else None)]


def answer_for_every_candidate(state: State, topic: Optional[str]) -> Optional[Reply]:
    """An answer that holds whatever the value the form would ask for: the notes the question asks ("is calling
    faster than filing online?"), or each region's business hours for "what counts as local business hours?"
    (the worldwide Dynamics 365 page defines them for every product)."""
    notes = notes_for_every_candidate(state.route, topic, state.text)
    if notes:
        return state.renderer.from_notes(state.route, topic, "utter_answer_notes", (), notes)
    if topic == "hours" and asks_business_hours_only(state.text) and \
            any(a.hours.schedule.kind == "business_hours" for a in state.route.hours.rows):
        return state.renderer.business_hours(state.route)
    return None


def _triage_for_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, state: State) -> List[EventType]:
    text = tracker.latest_message.get("text") or ""
    t = run_triage(text)
    level = t.level or "b"
    scheme = scheme_for_dims(state.dims)
    if t.level:
        reply = state.renderer.triage(t, scheme, state.route)
        dispatcher.utter_message(response=reply.response, **reply.variables)
    return [SlotSet("problem", text[:2000]), SlotSet("proposed_severity", level), SlotSet("severity", level)]


class AskSlotAction(SafeAction, ABC):
    """action_ask_<slot>: the clarifying question with buttons for the candidate answers."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        latest = tracker.latest_message
        state = state_of(tracker, topic_for(latest_intent(tracker), tracker.get_slot("topic"), latest.get("text"),
                                            {e.get("entity"): e.get("value") for e in latest.get("entities") or []
                                             if not e.get("role")}, latest.get("entities") or []))
        retry = int(tracker.get_slot("clarify_attempts") or 0) > 0
        send(dispatcher, state.renderer.ask(self.slot, candidates_for(state, self.slot), retry,
                                            state.route if state.topic == "handoff" else None))
        return []


class ActionAskProduct(AskSlotAction):
    slot = "product"  # type: ignore[assignment]


class ActionAskCountry(AskSlotAction):
    slot = "country"  # type: ignore[assignment]


class ActionAskCloud(AskSlotAction):
    slot = "cloud"  # type: ignore[assignment]


class ActionAskSupportType(AskSlotAction):
    slot = "support_type"  # type: ignore[assignment]


class ActionAskPlan(AskSlotAction):
    slot = "plan"  # type: ignore[assignment]


class ActionAskSeverity(AskSlotAction):
    slot = "severity"  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------- answers
def answer(dispatcher: CollectingDispatcher, state: State, slots: Mapping[str, Any],
           said: Collection[str] = ()) -> None:
    """Answers the state's topic from the policy route, in the user's language, with sources. `slots` are
    the conversation's values after this turn's events (the hand-off reads severity, problem, proposal);
    `said`: notes and hours an earlier answer of the turn gave, which a notes or hours answer does not repeat."""
    r = state.renderer
    r.said = set(said)
    route = state.route
    for problem in route.problems:
        if problem.code == "unknown_value" and problem.dim == "product":
            send(dispatcher, Reply("utter_unknown_value", {"value": problem.value}))
    topic = state.topic
    if topic is None and answered_by_general_notes(route):
        # Business Central: partners only, whatever would be asked next
        send(dispatcher, r.no_fact(route, "portal"))
    elif topic is None:
        subject = r.subject(route, product_fallback=False) or r.t("any_product")
        buttons = [{"title": r.t(f"topic_{t.name}"), "payload": f"/{t.intent}"} for t in MENU]
        send(dispatcher, Reply("utter_what_topic", {"subject": subject}, buttons))
    elif topic == "triage":
        send(dispatcher, confirmed(state, slots.get("severity") or slots.get("proposed_severity")))
    elif topic == "handoff":
        severity = slots.get("severity")
        proposed = bool(slots.get("proposed_severity")) and severity == slots.get("proposed_severity")
        send(dispatcher, r.handoff(route, severity, proposed, slots.get("problem")))
    elif topic in ("phone", "hours", "portal", "response", "severity", "languages"):
        reply = getattr(r, topic)(route)
        hours = reply.variables.get("hours") if topic == "hours" else None
        if hours and set(hours) <= set(said):
            return                            # "the billing line - open on Saturdays?": the number's answer said them
        used = reply.variables.get("notes_used")
        if used and set(used) <= set(said):
            return                            # "highest sev for billing?" after who may open: its note was said
        if topic == "portal" and asks_for_email(state.text):
            # "support email?": the documents list none, which is the answer; where a request starts follows
            send(dispatcher, Reply("utter_no_email_address", {"subject": r.subject(route)}))
        send(dispatcher, reply)
    elif topic in NOTE_TOPICS:
        t = NOTE_TOPICS[topic]
        notes = notes_answering(route, topic, state.text)
        fresh = [n for n in notes if n.id not in said]
        if said and notes and not fresh:
            return                            # "EA 客户怎么从订阅支持升级到 ProDirect": one answer, not two alike
        send(dispatcher, r.from_notes(route, topic, t.response, t.note_topics, fresh, t.lead))


def answer_every_question(dispatcher: CollectingDispatcher, state: State, slots: Mapping[str, Any],
                          message: Mapping[str, Any]) -> List[str]:
    """The state's question and the others the same message asks: another part ("the number, and is it open
    on Saturdays?") when it needs nothing more, and the same question for each of two values it names
    ("US and UK numbers", "Sev A vs Sev C"), when each can be answered. Returns the other parts that wait
    for a value (the caller asks for it)."""
    text = message.get("text")
    since = len(dispatcher.messages)
    extras = also_asked(text, state.topic)
    if asks_languages_apart(text, message.get("entities") or [], state.topic):
        extras.append("languages")            # "D365 hours in Paris? can they speak French?"
    cued = note_topic_cued(text)
    if cued and cued != state.topic and state.topic in ROUTE_PART:
        extras.append(cued)                   # "I'm not an admin - can I still use the support line?"
    if state.topic in ("response", "hours") and "portal" not in extras and text and \
            run_triage(without_levels(text, message.get("entities") or [])).level == "a":
        # "prod is down - how fast will they respond?": where to open it too; naming the level ("关键业务影响的
        # 工单多快响应？") describes no outage
        extras.append("portal")
    if state.topic in NOTE_TOPICS and NOTE_TOPICS[state.topic].lead in extras:
        extras.remove(NOTE_TOPICS[state.topic].lead)    # "how do I file it, on which site?": said as its lead
    order = asked_parts(text)                 # answer in the order asked: "the number, and is it open?"
    # answer in the order asked; who may use it before any part ("not an admin - the number?", "what kind of
    # customer may open a Sev A?")
    topics = sorted([state.topic] + extras,
                    key=lambda t: -2 if t == cued else order.index(t) if t in order else
                    -1 if t == state.topic else len(order))
    if "hours" in topics and "phone" in topics:
        # "when can I call, and on which number?": the number's answer says when it is open, so it comes first
        # and the hours answer follows only with what that one did not say
        topics.remove("phone")
        topics.insert(topics.index("hours"), "phone")
    dim, values = values_named_twice(message.get("entities") or [], text) if state.topic else (None, [])
    states = [state.with_values(**{dim: v}) for v in values] if dim else [state]
    if any(to_ask(state.topic, s.route, s.dims) for s in states):
        states = [state]
    compare = len(states) > 1 and asks_if_same(text)
    if dim == "support_type" and state.topic == "phone" and len(states) > 1 and not compare:
        states = one_number_for_all(state, states, values)
    waiting = [t for t in extras if t in ROUTE_PART and to_ask(t, state.route, state.dims)] \
        if state.topic in ROUTE_PART else []
    facts: List[str] = []
    whom_only = asked_only_as_whom(text, state.topic)
    said: Set[str] = set()                    # the notes an answer of this turn gave
    starts: List[int] = []                    # where each value's answers begin
    for one in states:
        starts.append(len(dispatcher.messages))
        hours_said: Set[str] = set()          # the hours this value's number was given with
        lead_notes: List[str] = []            # the notes of this value's answer to the question
        for topic in topics:
            if topic in whom_only and whom_answered(one.route, text, lead_notes):
                continue                      # "buying Premier: who do I talk to?": the note said whom
            if topic == state.topic or not to_ask(topic, one.route, one.dims):
                # per part: the support type one question named stays for the others
                asked = detail_of_another_question_dropped(one, topic) if len(topics) > 1 else one
                before = len(dispatcher.messages)
                answer(dispatcher, dataclasses.replace(asked, topic=topic), slots, said | hours_said)
                for m in dispatcher.messages[before:]:
                    said |= set(m.get("notes_used") or ())
                    if topic == state.topic:
                        lead_notes += list(m.get("notes_used") or ())
                    if m.get("response") == "utter_answer_phone":
                        hours_said |= set(m.get("hours") or ())
                if compare and topic == state.topic:
                    facts.append(the_fact(dispatcher.messages[before:]))
    if len(states) > 1 and not compare:
        said_once(dispatcher.messages, starts, state.renderer)
    if compare and all(facts):
        r = state.renderer
        named = r.join(r.name(dim, v) for v in values)
        compared = [fact_compared(one.route, state.topic) for one in states]
        if len(set(compared if all(compared) else facts)) == 1:
            send(dispatcher, Reply("utter_same_for_both", {"values": named, "fact": facts[0]}))
        else:
            send(dispatcher, Reply("utter_not_the_same", {"values": named}))
    cite_once(dispatcher.messages[since:])
    offer_more(dispatcher, since, state.renderer)
    return waiting


def said_once(messages: List[Dict[str, Any]], starts: Sequence[int], r: Renderer) -> None:
    """Answers that came out the same for each value named ("Spanish support for our Brazil and Argentina
    users?") are said once, their subject naming every value."""
    ends = list(starts[1:]) + [len(messages)]
    answers = [messages[a:b] for a, b in zip(starts, ends, strict=True)]

    def said(ms: List[Dict[str, Any]]) -> list:
        return [{k: v for k, v in m.items() if k != "subject"} for m in ms]

    if not answers[0] or any(said(a) != said(answers[0]) for a in answers[1:]):
        return
    for i, m in enumerate(answers[0]):
        if "subject" in m:
            m["subject"] = r.join(dict.fromkeys(a[i]["subject"] for a in answers))
    del messages[starts[1]:]


def without_levels(text: str, entities: Sequence[Mapping[str, Any]]) -> str:
    """The message with the severity levels it names blanked out: what is left describes the problem."""
    for e in sorted((e for e in entities if e.get("entity") == "severity" and isinstance(e.get("start"), int)),
                    key=lambda e: -e["start"]):
        text = text[:e["start"]] + " " * (e["end"] - e["start"]) + text[e["end"]:]
    return text


def one_number_for_all(state: State, states: List[State], support_types: Sequence[str]) -> List[State]:
    """"Presales or billing - which number?": where one number serves every kind of support asked, one
    answer says it once, with the hours of each; else an answer per kind."""
    def numbers(s: State) -> set:
        return {r.number for r in s.route.phone.rows if isinstance(r, Phone)}

    every = dataclasses.replace(state.with_values(support_type=None), support_types=tuple(support_types))
    first = numbers(states[0])
    if first and all(numbers(s) == first for s in states + [every]) \
            and len(every.route.phone.rows) == len(states[0].route.phone.rows):
        return [every]
    return states


def cite_once(messages: List[Dict[str, Any]]) -> None:
    """A source line said by a later answer of the same turn is said there only: two answers from one page
    read as one answer with one source."""
    for k, m in enumerate(messages):
        if m.get("source") and any(later.get("source") == m["source"] for later in messages[k + 1:]):
            m["source"] = ""


# The labels before a row's fact ("Severity A (critical business impact): Subscription: < 1 hour"): they name
# the values compared, which differ by design, not the fact.
_ROW_LABEL = re.compile(r"^[^:：\d]{1,40}[:：]\s*")


def the_fact(messages: List[Dict[str, Any]]) -> str:
    """What one answer says, to compare two: its numbers, else its first line without the labels that name
    the row ("" when it answered nothing)."""
    for m in messages:
        if m.get("numbers"):
            return ", ".join(m["numbers"])
        lines = (m.get("lines") or "").strip().splitlines()
        if lines and m.get("response") != "utter_no_fact":
            fact = lines[0].lstrip("• ").strip()
            while (label := _ROW_LABEL.match(fact)):
                fact = fact[label.end():]
            return re.split(r"；|; ", fact)[0]       # not what it means right now ("closed now, opens ...")
    return ""


def detail_of_another_question_dropped(state: State, topic: str) -> State:
    """In "what's the presales line, and how fast is the first response for a critical SR?" the support type
    belongs to the number: a part that has no rows with it is answered without it, rather than with "my
    sources don't say"."""
    part = ROUTE_PART.get(topic)
    if part is None or state.route.part(part).rows or not state.dims.get("support_type"):
        return state
    other = state.with_values(support_type=None)
    return other if other.route.part(part).rows else state


def confirmed(state: State, severity: Optional[str]) -> Reply:
    """The accepted severity level and what it means for the first response."""
    r = state.renderer
    if not severity:
        return Reply("utter_triage_unclear")
    scheme_id = scheme_for_dims(state.dims)
    level = level_for(state.route.facts.schemes[scheme_id], scheme_id, severity)
    response = r.response(state.route) if state.route.response.rows else None
    text = ""
    if response is not None and response.response == "utter_answer_response":
        text = " ".join(line.lstrip("• ") for line in response.variables["lines"].splitlines())
    buttons = [{"title": r.t("button_open"), "payload": "/open_request"}]
    return Reply("utter_triage_confirmed", {"level": level.label.get(state.lang), "first_response": text,
                                            "filing": r.filing_block(state.route)}, buttons)


def severity_stated(text: str, entities: List[Dict[str, Any]]) -> Optional[str]:
    """The one severity a message names plainly (not ruled out: "it's not Sev A"), else None."""
    text = normalize(text)
    values = {e.get("value") for e in entities if e.get("entity") == "severity" and not e.get("role")
              and not is_negated(text, e.get("start", 0))}
    return values.pop() if len(values) == 1 else None


class ActionTriage(SafeAction):
    """Proposes a severity from the user's description, with the document's reasoning."""

    def name(self) -> Text:
        return "action_triage"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "")[:2000]
        state = state_of(tracker, "triage")
        events: List[EventType] = state.resets + [SlotSet("problem", text)] + \
            changed(tracker, topic="triage", language=state.lang)
        stated = severity_stated(text, tracker.latest_message.get("entities") or [])
        if stated:               # "it's Sev A, nobody can log in": the user has classified it; no proposal
            send(dispatcher, confirmed(state.with_values(severity=stated), stated))
            return events + [SlotSet("severity", stated), SlotSet("proposed_severity", None)]
        t = run_triage(text)
        if t.level is None:
            send(dispatcher, Reply("utter_triage_unclear"))
            return events
        scheme = scheme_for_dims(state.dims)
        send(dispatcher, state.renderer.triage(t, scheme, state.route))
        return events + [SlotSet("proposed_severity", t.level)]


class ActionTriageConfirm(SafeAction):
    """The user accepted the proposed severity: take it, and say what it means for the first response."""

    def name(self) -> Text:
        return "action_triage_confirm"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        proposed = tracker.get_slot("proposed_severity")
        state = state_of(tracker, "triage")
        if proposed:
            state = state.with_values(severity=proposed)
        send(dispatcher, confirmed(state, proposed))
        return state.resets + [SlotSet("severity", proposed)] + changed(tracker, language=state.lang)


class ActionSwitchLanguage(SafeAction):
    """"用中文再说一遍" / "in English please": acknowledge the switch and, when the last question was answered,
    say that answer again in the new language, since a user who asks to switch usually wants to read it."""

    def name(self) -> Text:
        return "action_switch_language"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        state = state_of(tracker)
        dispatcher.utter_message(response="utter_language_switched")
        events = changed(tracker, language=state.lang)
        topic = state.topic
        # inside the form the form asks its question again; a proposal awaiting "yes" is not an answer
        if tracker.active_loop.get("name") or topic in (None, "triage"):
            return events
        if to_ask(topic, state.route, state.dims, bool(tracker.get_slot("problem"))):
            return events
        # the answer said again is the answer to the question asked before ("说中文" asks for no note)
        asked = list(itertools.islice(user_texts(tracker), 2))
        state = dataclasses.replace(state, text=asked[1] if len(asked) > 1 else state.text)
        since = len(dispatcher.messages)
        answer(dispatcher, state, tracker.slots)
        offer_more(dispatcher, since, state.renderer)
        return events
