"""Turns, conversations and outcomes from stored events (review/turns.py)."""
from __future__ import annotations

import json

import pytest
import yaml

from review import turns as t
from review.store import Event
from tests.conftest import ROOT
from tests.review.builder import Conversation

RESPONSES = sorted(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"])


def events_of(conversation: Conversation) -> list:
    out = []
    for i, (_, type_name, ts, intent, action, data) in enumerate(conversation.rows, start=1):
        parsed = json.loads(data) if type_name in ("user", "bot", "slot") else None
        out.append(Event(i, type_name, ts, action, intent, parsed))
    return out


def outcomes(conversation: Conversation) -> list:
    return [turn.outcome for c in t.conversations(conversation.sender, events_of(conversation)) for turn in c.turns]


@pytest.mark.parametrize("response", RESPONSES)
def test_every_response_of_the_domain_has_a_kind(response):
    """A response added to domain.yml must be classified here (review/turns.py) before reviews count it."""
    assert t.response_kind(response) != t.OTHER_KIND, f"{response}: add it to a kind in review/turns.py"


@pytest.mark.parametrize("name,kind", [
    ("utter_answer_phone", t.ANSWER), ("utter_answer_handoff", t.ANSWER), ("utter_triage_result", t.ANSWER),
    ("utter_ask_product", t.CLARIFY), ("utter_triage_unclear", t.CLARIFY), ("utter_what_topic", t.CLARIFY),
    ("utter_default", t.FALLBACK_KIND), ("utter_no_fact", t.NO_FACT), ("utter_unknown_value", t.NO_FACT),
    ("utter_out_of_scope", t.SCOPE), ("utter_error", t.ERROR_KIND), (None, t.ERROR_KIND),
    ("utter_greet", t.SOCIAL), ("utter_something_new", t.OTHER_KIND)])
def test_response_kinds(name, kind):
    assert t.response_kind(name) == kind


def test_sessions_split_at_each_session_start():
    c = Conversation("s", 1000.0)
    c.answered("UK number", "ask_phone", "phone")
    c.session(gap=3600 * 9)
    c.answered("AU number", "ask_phone", "phone")
    sessions = t.split_sessions(events_of(c))
    assert len(sessions) == 2
    assert [e.type_name for e in sessions[1][:2]] == ["action", "session_started"]
    assert sum(len(s) for s in sessions) == len(c.rows)
    assert [len(x.turns) for x in t.conversations("s", events_of(c))] == [1, 1]


def test_a_session_started_without_the_action_also_starts_a_conversation():
    events = [Event(1, "session_started", 1.0, None, None, None), Event(2, "action", 2.0, "action_listen", None, None),
              Event(3, "session_started", 3.0, None, None, None)]
    assert [len(s) for s in t.split_sessions(events)] == [2, 1]


def test_clarify_then_answer():
    c = Conversation("s", 0.0).ask("phone number?", "ask_phone", "product").reply("M365", "product", "m365")
    assert outcomes(c) == [t.CLARIFYING, t.AFTER_CLARIFYING]


def test_two_unanswered_questions_then_an_answer_is_given_up():
    c = (Conversation("s", 0.0).ask("phone number?", "ask_phone", "product").unrecognised("hmm", "product")
         .gives_up("whatever"))
    assert outcomes(c) == [t.CLARIFYING, t.CLARIFYING, t.GIVEN_UP]


def test_given_up_with_not_in_my_sources_is_still_given_up():
    c = Conversation("s", 0.0).ask("phone number?", "ask_phone", "product").unrecognised("hmm", "product")
    c.user("no idea", "inform")
    c.bot("utter_no_fact", "My sources don't give that.")
    c.slot("clarify_attempts", 0.0)
    c.slot("requested_slot", None)
    assert outcomes(c)[-1] == t.GIVEN_UP


def test_one_unanswered_question_then_an_answer_is_not_given_up():
    """After the first question the form asks again; an answer then came from the user's reply."""
    c = Conversation("s", 0.0).ask("phone number?", "ask_phone", "product").gives_up("the usual one")
    assert outcomes(c) == [t.CLARIFYING, t.AFTER_CLARIFYING]


def test_a_new_question_while_asked_is_answered_outright():
    c = Conversation("s", 0.0).ask("phone number?", "ask_phone", "product")
    c.answered("what are the D365 hours?", "ask_hours", "hours")
    assert outcomes(c) == [t.CLARIFYING, t.ANSWERED]


def test_a_new_question_that_gives_the_value_answers_the_clarification():
    c = Conversation("s", 0.0).ask("phone number?", "ask_phone", "product")
    c.answered("M365 phone number?", "ask_phone", "phone", [("product", "m365")])
    assert outcomes(c) == [t.CLARIFYING, t.AFTER_CLARIFYING]


def test_a_question_left_unanswered_at_the_end_is_abandoned():
    c = Conversation("s", 0.0).answered("UK number", "ask_phone", "phone").ask("and hours?", "ask_hours", "product")
    assert outcomes(c) == [t.ANSWERED, t.ABANDONED]


def test_fallback_while_asking_is_a_fallback_even_when_the_form_asks_again():
    c = Conversation("s", 0.0).ask("phone number?", "ask_phone", "product")
    c.user("asdf qwer", "nlu_fallback", confidence=0.45)
    c.bot("utter_default", "Sorry, I didn't understand that.")
    c.bot("utter_ask_product", "Which product is it about?")
    assert outcomes(c) == [t.CLARIFYING, t.FALLBACK]


def test_an_answer_that_asks_for_more_is_answered():
    c = Conversation("s", 0.0)
    c.user("UK number and weekend hours?", "ask_phone")
    c.bot("utter_answer_hours", "Support hours ...")
    c.bot("utter_ask_product", "Which product is it about?")
    c.slot("requested_slot", "product")
    assert outcomes(c) == [t.ANSWERED]


@pytest.mark.parametrize("response,outcome", [("utter_greet", t.SMALL_TALK), ("utter_out_of_scope", t.OUT_OF_SCOPE),
                                              ("utter_no_fact", t.NOT_IN_SOURCES), ("utter_error", t.ERROR),
                                              ("utter_brand_new", t.OTHER)])
def test_single_response_turns(response, outcome):
    assert outcomes(Conversation("s", 0.0).utter("text", "greet", response)) == [outcome]


def test_a_turn_without_reply():
    c = Conversation("s", 0.0)
    c.user("hello?", "greet")
    assert outcomes(c) == [t.NO_REPLY]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_language_is_the_reply_variation(language):
    c = Conversation("s", 0.0, language=language).answered("UK number", "ask_phone", "phone")
    turn = t.conversations("s", events_of(c))[0].turns[0]
    assert turn.language == language and turn.channel == "rest"


def test_the_language_of_an_unnamed_reply_comes_from_the_slot():
    c = Conversation("s", 0.0, language="en").answered("UK number", "ask_phone", "phone").apology("and AU?")
    assert [x.language for x in t.conversations("s", events_of(c))[0].turns] == ["en", "en"]


def test_turns_to_first_answer_counts_from_the_start():
    c = Conversation("s", 0.0).utter("hi", "greet", "utter_greet").ask("number?", "ask_phone", "product")
    c.reply("M365", "product", "m365")
    assert t.conversations("s", events_of(c))[0].turns_to_first_answer() == 3
    assert t.conversations("s", events_of(Conversation("s", 0.0).fallback("x")))[0].turns_to_first_answer() is None


def test_a_notes_answer_counts_under_the_question_in_hand(tmp_path):
    """utter_answer_notes answers the topic in hand, which the `topic` slot names (read from the store)."""
    from review.endpoints import store_config
    from review.store import Store
    from tests.review.builder import endpoints_for_sqlite, write_sqlite
    c = Conversation("s", 0.0)
    c.user("We have Premier: where do I open a Dynamics case?", "ask_portal")
    c.bot("utter_answer_notes", "What my sources say (Dynamics): ...")
    c.slot("topic", "portal")
    c.utter("and who covers network issues?", "ask_coverage", "utter_answer_notes")
    c.slot("topic", "coverage")
    endpoints = endpoints_for_sqlite(tmp_path, write_sqlite(tmp_path / "t.db", [c]))
    with Store(store_config(endpoints)) as store:
        [(sender, events)] = list(store.events(["s"]))
    assert [x.topics for x in t.conversations(sender, events)[0].turns] == [("portal",), ("coverage",)]
