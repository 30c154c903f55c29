"""The topic registry (core/topics.py) is the one list of questions: the rules, the domain and the fact
base must agree with it, and every note the fact base holds for a question is reachable through it."""
from pathlib import Path

import pytest
import yaml

from core.routing import load_facts
from core.topics import (ATTACHED_NOTE_TOPICS, MENU, NOTE_TOPICS, TOPICS, asked_parts, asks_for_email,
                         asks_where_to_file, note_topic_cued)
from tests.actions.test_actions import answer, tracker

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FACTS = load_facts()


def form_starting_intents():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    rule = next(r for r in rules if r["rule"] == "a question starts the clarifying form")
    return {step["intent"] for step in rule["steps"][0]["or"]}


def test_every_topic_intent_starts_the_form_and_nothing_else_does():
    assert form_starting_intents() == {t.intent for t in TOPICS} | {"inform"}


def test_every_topic_has_its_intent_and_its_answer_in_both_languages_in_the_domain():
    responses, fragments = DOMAIN["responses"], DOMAIN["fragments"]
    for t in TOPICS:
        assert t.intent in DOMAIN["intents"], t.intent
        variations = responses[t.response]
        assert any(v.get("condition") for v in variations) and any(not v.get("condition") for v in variations), t.name
        if t.answer == "notes":
            assert f"what_{t.name}" in fragments, t.name     # said when the sources hold nothing for it
    for t in MENU:
        assert f"topic_{t.name}" in fragments


def test_every_note_answers_a_known_question():
    known = {nt for t in NOTE_TOPICS.values() for nt in t.note_topics} | set(ATTACHED_NOTE_TOPICS)
    unknown = {n.id: sorted(set(n.topics) - known) for n in FACTS.notes.values() if set(n.topics) - known}
    assert unknown == {}
    assert all(n.topics for n in FACTS.notes.values())


def test_every_question_answered_from_notes_has_notes():
    used = {nt for n in FACTS.notes.values() for nt in n.topics}
    assert [t.name for t in NOTE_TOPICS.values() if not set(t.note_topics) & used] == []


def query_slots(note):
    """Slot values that name exactly what a note applies to (the first value of each selector)."""
    order = {kind: list(FACTS.vocab[kind]) for kind in FACTS.vocab}
    kinds = {"product": "products", "cloud": "clouds", "country": "countries", "support_type": "support_types",
             "plan": "plans", "severity": "severities"}
    slots = {}
    for dim, kind in kinds.items():
        values = note.applies.get(dim)
        if values:
            slots[dim] = min(values, key=lambda v: order[kind].index(v) if v in order[kind] else 999)
    return slots


REACHABLE = [(n.id, topic) for n in FACTS.notes.values() for topic in NOTE_TOPICS.values()
             if set(n.topics) & set(topic.note_topics)]


@pytest.mark.parametrize("note_id,topic", REACHABLE, ids=[f"{n}-{t.name}" for n, t in REACHABLE])
@pytest.mark.parametrize("text,lang", [("question", "en"), ("请问一下", "zh")])
def test_every_note_is_answered_for_its_question_in_both_languages(note_id, topic, text, lang):
    """In the short answer, or, when that held details back, in the answer to "more details"."""
    note = FACTS.notes[note_id]
    slots = query_slots(note)
    if "product" not in slots:
        slots["product"] = "m365"
    msgs, events = answer(tracker(text, topic.intent, topic=topic.name, **slots))
    reply = msgs[0]
    assert reply["response"] == topic.response, (note_id, slots)
    if note_id not in reply["notes_used"]:
        assert reply.get("held_back"), (note_id, slots, reply.get("notes_used"))
        more = "详细信息" if lang == "zh" else "more details"
        msgs, events = answer(tracker(f"{text} {more}", topic.intent, topic=topic.name, **slots))
        reply = msgs[0]
    assert note_id in reply["notes_used"], (note_id, slots, reply.get("notes_used"))
    assert reply["source"].strip()
    language = next(e["value"] for e in events if e.get("name") == "language")
    assert language == lang
    said = [note.text.get(lang)[:20]] + ([note.short.get(lang)[:20]] if note.short else [])   # in full or short
    line = next(x for x in reply["lines"].splitlines() if any(s in x for s in said))
    assert line


@pytest.mark.parametrize("text, parts", [
    ("Opening a non-critical F&O case with 21Vianet - is there anything they expect from our side?", []),
    ("what are the opening hours?", ["hours"]),
    ("Which site do I actually raise a support request on?", ["portal"]),
    ("our SharePoint site is down for everyone", []),
])
def test_cue_words_tell_opening_a_case_and_a_users_site_from_hours_and_portals(text, parts):
    from core.topics import asked_parts
    assert asked_parts(text) == parts


@pytest.mark.parametrize("text, asks", [
    ("We run Dynamics on-premises with Software Assurance. Could you tell me where we should submit a support "
     "request?", True),
    ("我们有 Premier 合同，工单在哪里提交？", True),
    ("how do we buy ProDirect? where do we submit the order", False),
])
def test_asking_where_a_request_is_filed(text, asks):
    from core.topics import asks_where_to_file
    assert asks_where_to_file(text) is asks


def test_the_name_of_the_response_part_asks_for_no_note():
    from core.topics import without_part_cues
    left = without_part_cues("On Unified Core, what's the initial response time for a standard case?")
    assert "initial" not in left and "response" not in left and "Unified Core" in left


@pytest.mark.parametrize("text, cued", [
    ("Who is entitled to open Severity A cases for Office 365 operated by 21Vianet?", "who_can_open"),
    ("is our company eligible for Sev A?", "who_can_open"),
    ("世纪互联 O365 谁有资格开 A 级工单？", "who_can_open"),
    ("who is eligible for ProDirect?", None),               # a plan, not who may open a level's request
    ("what does sev A mean?", None),
])
def test_who_may_use_a_level_asks_who_can_open(text, cued):
    from core.topics import note_topic_cued
    assert note_topic_cued(text) == cued


@pytest.mark.parametrize("text, asks", [
    ("is there a support email for 21Vianet Office 365?", True),
    ("any email for 21Vianet support?", True),
    ("Can we just email them instead of calling?", True),
    ("世纪互联 F&O 的支持有没有邮箱地址？", True),
    ("能不能直接发邮件给支持团队", True),
    ("F&O 报障可以发邮件报修吗，邮箱多少", True),
    ("收发邮件报错，邮件提交不了", False),
    ("half the company can't send email", False),
    ("收发邮件普遍存在问题，算几级", False),
    ("Office 365 邮箱迁移在支持范围内吗", False),
    ("They said they would send a code to my email address", False),
    ("用户邮箱地址改不了怎么办", False),
])
def test_asking_for_a_support_email_address_is_told_from_a_problem_with_mail(text, asks):
    assert asks_for_email(text) is asks
    assert ("portal" in asked_parts(text)) is asks


@pytest.mark.parametrize("text, parts", [
    ("we bought ProDirect online last week - when are we billed?", []),
    ("在线购买的 ProDirect 什么时候扣费", []),
    ("after purchasing the Dynamics 365 ProDirect plan online, is the first month billed at once?", []),
    ("we paid online for Premier - where do I file?", ["portal"]),
    ("where can we raise an M365 ticket online?", ["portal"]),
    ("在线提交工单", ["portal"]),
    # the portal or online form that fails, told as the reason: the other way in is asked
    ("which number do we call when the online form won't submit?", ["phone"]),
    ("门户一直报错，电话多少", ["phone"]),
    ("the portal is down - what's the hotline?", ["phone"]),
    ("online or by phone, which is quicker?", ["portal", "phone"]),
    ("门户在哪", ["portal"]),
])
def test_part_words_that_do_not_ask_for_the_part(text, parts):
    """"online" of a purchase, and a failing portal told as the reason (topics._NOT_ASKING)."""
    assert asked_parts(text) == parts


@pytest.mark.parametrize("text, parts", [
    # answering the phone is a question of when; picking a request up, of how soon
    ("do they pick up support calls on a Sunday?", ["hours"]),
    ("will they pick up our billing calls at night?", ["hours"]),
    ("how soon does someone pick up a Sev B ticket?", ["response"]),
    # a clock time to reach them at asks when; one when something happened does not
    ("is anyone answering the Microsoft 365 line at 4 am?", ["hours"]),
    ("our mail died at 3am - what severity is that?", ["severity"]),
    # an e-mail address for the support, however the support is named
    ("what's the email address of the Dynamics 365 21Vianet support team?", ["portal"]),
])
def test_cue_words_are_read_with_the_words_around_them(text, parts):
    """"pick up", a clock time and an e-mail address ask for a part by what stands beside them."""
    assert asked_parts(text) == parts


@pytest.mark.parametrize("text, asks", [
    ("F&O on premises: where do support incidents get logged?", True),
    ("where are tickets raised for Business Central?", True),
    ("where the incident happened nobody knows", False),
])
def test_where_a_request_is_filed_asked_in_the_passive(text, asks):
    assert asks_where_to_file(text) is asks


@pytest.mark.parametrize("text, cued", [
    ("could any customer file a Severity A request at 21Vianet?", "who_can_open"),
    ("世纪互联 O365 谁都能开 A 级吗", "who_can_open"),
    ("哪种客户可以开严重级别 A 的工单", "who_can_open"),
    ("what sort of customers may file a critical case?", "who_can_open"),
    ("what kind of problem counts as Sev A?", None),
    ("can anyone tell me the number", None),
    # where a Premier contract's identifiers go asks about the plan
    ("where in PPAC does our Premier access ID go?", "plans"),
    ("顾问支持的合同 ID 填在哪里", "plans"),
    ("what does Premier include?", None),
])
def test_words_that_ask_a_notes_question(text, cued):
    assert note_topic_cued(text) == cued


@pytest.mark.parametrize("text, parts", [
    ("Office 365 Germany billing support: which time zone is that?", ["hours"]),
    ("德国版帐单支持按哪个时区算", ["hours"]),
    ("世纪互联的 F&O，开工单要登录哪个地址", ["portal"]),
    ("邮箱地址是哪个", []),
])
def test_a_time_zone_asks_for_hours_and_where_to_sign_in_for_the_portal(text, parts):
    assert asked_parts(text) == parts
