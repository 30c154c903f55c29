"""Rendering: facts from the route, words from domain.yml, in both languages."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.routing import default_router, route, triage
from core.render import Renderer, load_wording, pick_variation
from core.dialogue import notes_answering

FACTS_NOTES = default_router().facts.notes

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))      # a Monday


def r(lang, detail=False):
    return Renderer(default_router().facts, lang, NOW, detail=detail)


def fixed_words(lang, fragment):
    """A fragment's words before its first variable: what marks it in a reply."""
    return pick_variation(load_wording()[1][fragment], lang)["text"].split("{")[0].strip()


def test_every_fragment_and_response_has_both_languages():
    """A Chinese variation and an English default; or, for what a channel says before any message is
    understood (`channel_*`), one text holding both languages."""
    responses, fragments = load_wording()
    bilingual = [name for name in fragments if name.startswith("channel_")]
    assert len(bilingual) >= 5
    for name, variations in list(responses.items()) + list(fragments.items()):
        langs = {c["value"] for v in variations for c in v.get("condition") or [] if c["name"] == "language"}
        defaults = [v for v in variations if not v.get("condition")]
        if name in bilingual:
            assert langs == set() and len(defaults) == 1, name
            assert re.search(r"[\u4e00-\u9fff]", defaults[0]["text"]) and re.search(r"[A-Za-z]{3}", defaults[0]["text"])
        else:
            assert langs == {"zh"} and len(defaults) == 1, name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_phone_answer_carries_the_number_and_a_source(lang):
    reply = r(lang).phone(route(product="F&O", cloud="21v", now=NOW))
    assert reply.response == "utter_answer_phone"
    assert reply.variables["numbers"] == ["+86 400-089-0365"]
    assert ("来源" if lang == "zh" else "Source") in reply.variables["source"]
    assert "9:00" in reply.variables["lines"] and "24:00" in reply.variables["lines"]


def test_open_now_and_closing_time_in_the_lines_timezone():
    q = route(product="F&O", cloud="21v", support_type="technical", now=NOW)
    assert "open now, until today 24:00 (Beijing time)" in r("en", detail=True).hours(q).variables["lines"]
    # a short answer whose hours name the zone ("China Standard Time (CST)") does not name it again
    short = r("en").hours(q).variables["lines"]
    assert "open now, until today 24:00" in short and "Beijing time" not in short


def test_holiday_closure_is_explained():
    oct1 = datetime(2026, 10, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    rr = Renderer(default_router().facts, "en", oct1, detail=True)
    lines = rr.hours(route(product="F&O", cloud="21v", support_type="billing", now=oct1)).variables["lines"]
    assert "closed today (National Day), opens Thu 8 Oct 09:00 (Beijing time)" in lines


def test_response_deadline_and_conflict_note():
    reply = r("en").response(route(product="o365", cloud="21v", severity="b", now=NOW))
    assert "1 business day or less" in reply.variables["lines"] and "Tue 24 Nov 10:00" in reply.variables["lines"]
    assert reply.more and r("en").t("conflict_short") in reply.variables["notes"]   # that the pages differ
    full = r("en", detail=True).response(route(product="o365", cloud="21v", severity="b", now=NOW))
    assert "2020-07-28" in full.variables["notes"]                    # and why: the newer page wins


def test_no_fact_instead_of_a_guess():
    reply = r("en").severity(route(product="m365", cloud="worldwide", now=NOW))
    assert reply.response == "utter_no_fact"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_fact_names_what_narrowed_the_question(lang):
    """The sources give Dynamics 365 response times for technical support, not for billing: "my sources don't
    give one" is only true with "billing" and the level said."""
    renderer = r(lang)
    answered = renderer.response(route(product="d365_ce", cloud="worldwide", severity="c", plan="subscription",
                                       now=NOW))
    assert answered.response == "utter_answer_response"
    reply = renderer.response(route(product="d365_ce", cloud="worldwide", support_type="billing", severity="c",
                                    now=NOW))
    assert reply.response == "utter_no_fact"
    for dim, value in (("support_type", "billing"), ("severity", "c"), ("product", "d365_ce")):
        assert renderer.name(dim, value) in reply.variables["subject"], (dim, reply.variables["subject"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_level_that_does_not_exist_is_explained_not_called_unknown(lang):
    """Billing at 21Vianet has no Severity A: the severity notes say so, not "my sources don't say"."""
    reply = r(lang).response(route(product="m365", cloud="21v", support_type="billing", severity="a", now=NOW))
    assert reply.response == "utter_answer_severity"
    assert "o365_21v_sev_a_conditions" in reply.variables["notes_used"]


def test_english_replies_hold_no_chinese():
    reply = r("en").phone(route(product="m365", cloud="21v", now=NOW))
    text = " ".join(str(v) for v in reply.variables.values())
    assert not any("\u4e00" <= c <= "\u9fff" for c in text)


def test_ask_buttons_send_payloads_and_show_names():
    reply = r("zh").ask("country", ["us", "cn"], retry=True)
    assert reply.response == "utter_ask_country" and reply.variables["retry"]
    assert reply.buttons[0] == {"title": "美国", "payload": '/inform{"country": "us"}'}
    assert "世纪互联" in reply.buttons[1]["title"]


def test_triage_reply_offers_confirmation_and_the_other_levels():
    t = triage("SharePoint site down.")
    reply = r("en").triage(t, "o365_21v", route(product="m365", now=NOW))
    assert reply.variables["proposed"] == "a" and reply.buttons[0]["payload"] == "/affirm"
    assert {b["payload"] for b in reply.buttons[1:]} == {'/inform{"severity": "b"}', '/inform{"severity": "c"}'}
    assert "Office 365 operated by 21Vianet" == reply.variables["scheme"]


def test_an_english_reply_cites_the_chinese_page_when_it_is_the_only_source():
    """A statement only the zh-CN translation (004) makes is still sourced in English, as that page."""
    from core.routing.model import Source
    only_zh = [Source("m365_contact_zh", "Online support")]
    both = [Source("m365_contact_zh", "Online support"), Source("m365_contact", "Online support")]
    facts = default_router().facts
    zh_page, en_page = facts.documents["m365_contact_zh"], facts.documents["m365_contact"]
    assert zh_page.short.en in r("en").sources(only_zh) and "2020-05-27" in r("en").sources(only_zh)
    assert "2020-05-27" not in r("en").sources(both) and en_page.short.en in r("en").sources(both)
    assert zh_page.title in r("en", detail=True).sources(only_zh)          # the full title, in full only
    assert "Online support" in r("en", detail=True).sources(both)              # the section, in full only


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("dims", [dict(product="m365", country="in"), dict(product="Business Central", country="us")])
def test_a_missing_number_is_said_once_not_again_as_a_note(lang, dims):
    reply = r(lang).phone(route(now=NOW, **dims))
    said = [n for n in default_router().facts.notes.values() if r(lang).note_text(n) in reply.variables["lines"]]
    assert said, reply.variables
    for note in said:
        assert r(lang).note_text(note) not in reply.variables["notes"], (note.id, reply.variables["notes"])


def _replies(lang):
    """Every reply the renderer builds over a grid of queries, as the actions send them."""
    from actions.actions import confirmed, State
    from core.dialogue import query_of
    from core.topics import NOTE_TOPICS

    rr = r(lang)
    grid = [dict(product=p, cloud=c, country=k, severity=s, plan=pl, support_type=st)
            for p in (None, "m365", "d365_ce", "d365_fo", "d365_bc", "power_platform", "d365")
            for c in (None, "worldwide", "china_21v", "germany")
            for k in (None, "us", "de", "cn", "jp")
            for s, pl, st in ((None, None, None), ("a", "premier", None), ("c", "subscription", "billing"))]
    for dims in grid:
        rt = default_router().route(query_of(dims), now=NOW)
        yield rr.phone(rt)
        yield rr.hours(rt)
        yield rr.portal(rt)
        yield rr.response(rt)
        yield rr.severity(rt)
        yield rr.languages(rt)
        for t in NOTE_TOPICS.values():
            yield rr.from_notes(rt, t.name, t.response, t.note_topics)
        yield rr.handoff(rt, dims["severity"], False, "mail is down")
        yield confirmed(State("triage", dims, rt, lang, NOW, []), dims["severity"] or "b")
        for slot in ("product", "country", "cloud", "support_type", "plan", "severity"):
            yield rr.ask(slot, ["us"] if slot == "country" else [], False)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_reply_leaves_a_template_placeholder_unfilled(lang):
    """Rasa's NLG sends a template untouched, every {placeholder} in it, when one variable is missing
    (interpolate_text catches the KeyError): each reply must carry every variable its response uses."""
    from rasa.core.nlg.interpolator import interpolate_text

    responses, _ = load_wording()
    seen = 0
    for reply in _replies(lang):
        variation = next(v for v in responses[reply.response]
                         if any(c.get("value") == lang for c in v.get("condition") or []) or
                         (lang == "en" and not v.get("condition")))
        text = interpolate_text(variation["text"], {k: v for k, v in reply.variables.items()})
        assert "{" not in text.replace("{{", ""), (reply.response, sorted(reply.variables), text[:200])
        seen += 1
    assert seen > 5000


@pytest.mark.parametrize("lang,zone,name", [
    ("en", "Etc/UTC", "UTC"), ("zh", "UTC", "UTC"), ("en", "Asia/Shanghai", "Beijing time"),
    ("en", "Europe/Vienna", "Austria Time"), ("zh", "Europe/Vienna", "奥地利时间"),
    ("en", "America/Toronto", "Canada (Toronto) Time"),
])
def test_a_time_is_told_with_a_zone_name_people_read(lang, zone, name):
    when = r(lang).when(datetime(2026, 11, 23, 15, 0, tzinfo=ZoneInfo(zone)))
    assert f"({name})" in when or f"（{name}）" in when, when
    assert "Etc/" not in when


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_how_to_file_leads_with_the_portal_and_its_steps_then_the_notes(lang):
    from core.topics import NOTE_TOPICS
    t = NOTE_TOPICS["how_to_file"]
    rt = route(product="F&O", cloud="worldwide", now=NOW)
    reply = r(lang, detail=True).from_notes(rt, "how_to_file", t.response, t.note_topics, lead=t.lead)
    lines = reply.variables["lines"]
    portal = rt.portal.rows[0]
    note = r(lang, detail=True).note_text(rt.notes_for("how_to_file")[0])
    assert lines.index(portal.url) < lines.index(note)
    assert portal.steps.get(lang) in lines
    assert reply.response == "utter_answer_how_to_file"
    # a short answer to a question that asks no note: the portal and its steps, the notes on request
    short = r(lang).from_notes(rt, "how_to_file", t.response, t.note_topics, lead=t.lead)
    assert portal.steps.get(lang) in short.variables["lines"] and note not in short.variables["lines"]
    assert short.more
    # one note, not asked for, waits as well (21Vianet's F&O: the MSDN forum)
    china = route(product="F&O", cloud="21v", now=NOW)
    assert len(china.notes_for("how_to_file")) >= 1
    one = r(lang).from_notes(china, "how_to_file", t.response, t.note_topics, china.notes_for("how_to_file")[:1],
                             lead=t.lead)
    assert one.variables["notes_used"] == [] and one.more


def test_a_product_family_does_not_answer_with_one_members_only_note():
    """Business Central's "partners only" answers a Business Central question, not every Dynamics one."""
    reply = r("en").response(route(product="d365", support_type="billing", now=NOW))
    assert "partners only" not in reply.variables.get("lines", "")
    bc = r("en").response(route(product="d365_bc", now=NOW))
    assert "partners only" in bc.variables["lines"]



# ------------------------------------------------------------------------------------ short answers
ONE_FACT = [   # (answer, route): questions whose answer is one row
    ("phone", dict(product="o365", country="uk")),
    ("hours", dict(product="F&O", cloud="21v", support_type="technical")),
    ("response", dict(product="o365", cloud="21v", severity="a")),
    ("portal", dict(product="F&O", cloud="21v")),
]


@pytest.mark.parametrize("kind, dims", ONE_FACT, ids=[k for k, _ in ONE_FACT])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_one_row_answer_says_its_fact_on_the_first_line(kind, dims, lang):
    reply = getattr(r(lang), kind)(route(now=NOW, **dims))
    lines = reply.variables["lines"]
    assert not lines.startswith("\n") and lines.strip()                  # on the heading's line
    assert not lines.lstrip().startswith("•")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_list_says_its_first_row_on_the_heading_line_and_a_full_one_lists_every_row(lang):
    q = route(product="F&O", cloud="21v", now=NOW)
    short, full = r(lang).hours(q).variables["lines"], r(lang, detail=True).hours(q).variables["lines"]
    assert not short.startswith("\n") and short.count("\n•") == full.count("\n•") - 1 >= 1
    assert full.startswith("\n•")


WORLDWIDE_OFFICE_URL = "admin.microsoft.com"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind, dims, first, other", [
    ("hours", dict(product="m365", support_type="technical"), "24", "china_21v"),
    ("portal", dict(product="m365"), WORLDWIDE_OFFICE_URL, "china_21v"),
    ("languages", dict(product="m365", support_type="billing"), None, "germany"),
])
def test_a_list_for_no_named_cloud_says_the_worldwide_row_on_the_first_line(lang, kind, dims, first, other):
    q = route(now=NOW, **dims)
    reply = getattr(r(lang), kind)(q)
    lines = reply.variables["lines"]
    head, rest = lines.split("\n", 1)
    assert head.strip() and r(lang).name("cloud", "worldwide") in head or \
        r(lang).short_name("cloud", "worldwide", called=True) in head
    assert first is None or first in head
    assert r(lang).short_name("cloud", other, called=True) in rest             # the other clouds still follow
    full = getattr(r(lang, detail=True), kind)(q).variables["lines"]
    assert full.startswith("\n")                                             # in full: a list, as before


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind, dims, held_fact", [
    ("portal", dict(product="m365"), "Support > New service request"),
    ("hours", dict(product="m365", support_type="billing"), "Berlin"),
    ("phone", dict(product="d365"), "400-089-0365"),
])
def test_a_long_list_for_no_named_cloud_names_the_other_clouds_and_gives_their_rows_on_request(lang, kind, dims,
                                                                                               held_fact):
    q = route(now=NOW, **dims)
    short, full = getattr(r(lang), kind)(q), getattr(r(lang, detail=True), kind)(q)
    said, all_rows = short.variables["lines"], full.variables["lines"]
    held = [c for c in ("china_21v", "germany") if r(lang).short_name("cloud", c, called=True) in all_rows]
    assert short.more and held
    assert all(r(lang).short_name("cloud", c, called=True) in said.split("\n")[-1] for c in held)   # named, last
    fact = held_fact if lang == "en" or held_fact[0].isdigit() else None
    assert fact is None or (fact not in said and fact in all_rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_notes_of_a_cloud_a_short_list_only_names_stay_with_its_rows(lang):
    # Microsoft 365 in France, no cloud named: the Office 365 Germany line's charges note comes on request;
    # Sev A for Dynamics 365, no cloud named: the 21Vianet rows and their notes too
    phone = r(lang).phone(route(product="m365", country="fr", now=NOW))
    assert FACTS_NOTES["germany_international_charges"].text.get(lang) not in phone.variables["notes"]
    assert phone.more
    response = r(lang).response(route(product="d365", severity="a", now=NOW))
    said = [FACTS_NOTES[n] for n in FACTS_NOTES if FACTS_NOTES[n].text.get(lang) in response.variables["notes"]]
    assert all(not n.applies.get("cloud") or "worldwide" in n.applies.get("cloud") for n in said)
    full = r(lang, detail=True).response(route(product="d365", severity="a", now=NOW))
    assert len(full.variables["responses"]) > len(response.variables["responses"])


def test_a_list_for_a_named_cloud_is_not_reordered():
    q = route(product="F&O", cloud="21v", now=NOW)
    assert r("en").hours(q).variables["hours"] == [a.hours.id for a in q.hours.rows]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_cloud_s_numbers_come_before_its_no_number_row_but_worldwide_still_leads(lang):
    # Microsoft 365 in France: the Office 365 Germany number before worldwide's "no number listed" would send a
    # worldwide admin to another cloud's line; within the one cloud named, the numbers lead
    no_cloud = route(product="m365", now=NOW)
    head = r(lang).phone(no_cloud).variables["lines"].split("\n")[0]
    assert r(lang).short_name("cloud", "worldwide", called=True) in head
    d365 = r(lang).phone(route(product="d365", now=NOW)).variables["lines"].split("\n")[0]
    assert "400" not in d365                                            # not the 21Vianet number first
    rows = r(lang).best_first(no_cloud, "phone", no_cloud.phone.rows)
    clouds = [next(iter(sorted(row.applies.get("cloud") or ["worldwide"]))) for row in rows]
    for cloud in set(clouds):
        kinds = [type(row).__name__ for row, c in zip(rows, clouds, strict=True) if c == cloud]
        assert kinds == sorted(kinds, key=lambda k: k == "NoPhone"), cloud


@pytest.mark.parametrize("lang, question", [("en", "Spanish support for our users?"), ("zh", "有西班牙语支持吗")])
def test_a_language_asked_from_a_country_gives_that_region_s_row(lang, question):
    q = route(product="d365", country="br", now=NOW)
    short = Renderer(default_router().facts, lang, NOW, question=question).languages(q)
    full = Renderer(default_router().facts, lang, NOW, detail=True, question=question).languages(q)
    assert short.more and short.variables["lines"].count("•") == 0      # one row: South America's
    assert full.variables["lines"].count("•") > 1


@pytest.mark.parametrize("lang, question", [
    ("zh", "一个同事在 Exchange Online 里删不掉联系人，世纪互联 O365，算几级？"),
    ("en", "one user can't delete a contact in Exchange Online on 21Vianet - which severity?"),
])
def test_a_severity_question_with_a_problem_gets_the_levels_not_a_note(lang, question):
    """A problem's words match a note's loosely (Chinese character pairs): the levels lead, never a note."""
    q = route(product="o365", cloud="21v", now=NOW)
    lines = Renderer(default_router().facts, lang, NOW, question=question).severity(q).variables["lines"]
    labels = [lv.label.get(lang) for lv in q.severity.rows[0].levels]
    assert lines.count("\n•") >= 2 and any(lines.split("\n")[0].lstrip().startswith(x) for x in labels)


@pytest.mark.parametrize("question, dims, first", [
    ("is calling the +49 69 number from Paris free?", dict(product="o365", cloud="germany", country="fr"),
     "germany_international_charges"),
    ("is there another number besides the 0800 one?", dict(product="o365", cloud="germany"), "germany_local_charges"),
    ("pre-sales line for Dynamics 365 Sales in China?", dict(product="d365_ce", cloud="china_21v",
                                                            support_type="presales"), None),
    ("calling from Toronto as the tenant admin - the number?", dict(product="o365", country="ca"), None),
])
def test_a_note_the_question_asks_for_leads_a_phone_answer(question, dims, first):
    q = route(now=NOW, **dims)
    renderer = Renderer(default_router().facts, "en", NOW, question=question)
    head = renderer.phone(q).variables["lines"].split("\n")[0]
    if first is None:                                               # the number is what it asks
        assert any(p.number in head for p in q.phone.rows if hasattr(p, "number"))
    else:
        assert renderer.note_text(FACTS_NOTES[first]) in head
        short = Renderer(default_router().facts, "en", NOW, question=question).phone(q)
        assert "Note:" not in short.variables["notes"] and short.more          # the other notes on request
        detail = Renderer(default_router().facts, "en", NOW, detail=True, question=question).phone(q)
        assert renderer.note_text(FACTS_NOTES[first]) not in detail.variables["lines"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_answer_holds_notes_back_and_cites_one_source_without_its_section(lang):
    q = route(product="o365", cloud="21v", severity="b", now=NOW)           # has notes and a conflict
    short, full = r(lang).response(q), r(lang, detail=True).response(q)
    assert short.more is True and full.more is False
    note = "注意" if lang == "zh" else "Note:"
    assert note not in short.variables["notes"] and note in full.variables["notes"]
    assert r(lang).t("conflict_short") in short.variables["notes"]      # that the sources differ stays
    assert fixed_words(lang, "conflict") in full.variables["notes"]       # and why, in full
    assert short.variables["source"].count("2020-") == 1
    assert len(short.variables["source"]) < len(full.variables["source"])


def test_a_notes_answer_gives_the_note_asked_for_then_the_rest_on_request():
    q = route(product="o365", cloud="21v", now=NOW)
    every = list(q.notes_for("responsibilities"))
    short = r("en").from_notes(q, "responsibilities", "utter_answer_responsibilities", ("responsibilities",))
    full = r("en", detail=True).from_notes(q, "responsibilities", "utter_answer_responsibilities",
                                           ("responsibilities",))
    from core.render import SHORT_NOTES_ANSWER
    # no words to match (a broad question): the first notes
    assert short.variables["notes_used"] == [n.id for n in every[:SHORT_NOTES_ANSWER]] and short.more
    assert len(full.variables["notes_used"]) == len(every) and not full.more


@pytest.mark.parametrize("question, expected", [
    # two questions in one message: each one's note
    ("When are we charged for a support plan bought online, and do we get money back if we cancel mid-term?",
     {"d365_plan_billing", "d365_plan_no_refund"}),
    # one question whose words match a note clearly: that note alone, said on the heading's line
    ("do we get money back if we cancel our support plan mid-term?", {"d365_plan_no_refund"}),
])
def test_a_short_notes_answer_gives_each_questions_best_note(question, expected):
    from core.render import SHORT_NOTES_ANSWER
    q = route(product="d365", cloud="worldwide", now=NOW)
    renderer = Renderer(default_router().facts, "en", NOW, question=question)
    reply = renderer.from_notes(q, "plan_lifecycle", "utter_answer_plan_lifecycle", ("plan_lifecycle",),
                                notes_answering(q, "plan_lifecycle", question))
    assert set(reply.variables["notes_used"]) == expected and reply.more
    assert len(expected) > 1 or not reply.variables["lines"].startswith("\n")
    assert len(reply.variables["notes_used"]) <= SHORT_NOTES_ANSWER


def test_an_answer_with_nothing_to_hold_back_offers_no_more():
    q = route(product="o365", country="uk", now=NOW)
    full = r("en", detail=True).phone(q)
    assert full.more is False
    assert r("en").languages(route(product="F&O", now=NOW)).more is False      # one source, no notes


@pytest.mark.parametrize("severity, kept", [("b", True), (None, False)])
def test_a_notes_answer_about_a_level_leads_with_that_levels_notes(severity, kept):
    """The customer's duties for Sev B/C are the sixth note of the 21Vianet duties: first when B is asked."""
    q = route(product="o365", cloud="21v", severity=severity, now=NOW)
    short = r("en").from_notes(q, "responsibilities", "utter_answer_responsibilities", ("responsibilities",))
    assert ("o365_21v_sev_bc_customer_duty" in short.variables["notes_used"]) is kept


@pytest.mark.parametrize("dims, number", [
    (dict(product="d365"), None),                      # 21Vianet's number only, none worldwide: not offered
    (dict(product="d365_ce"), None),
    (dict(product="d365_ce", cloud="21v"), "+86 400-089-0365"),
    (dict(product="o365", country="uk"), "0800 032 6417"),
])
def test_a_number_is_offered_beside_the_portal_only_when_every_line_has_it(dims, number):
    q = route(now=NOW, **dims)
    filing, portal = r("en").filing(q), r("en").portal(q).variables["lines"]
    for text in (filing, portal):
        assert ("Or call" in text) is (number is not None)
        if number:
            assert number in text
    assert "400-089-0365" not in filing or q.query.cloud == "china_21v"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_answer_calls_product_and_cloud_by_their_short_names(lang):
    facts = default_router().facts
    q = route(product="o365", cloud="21v", country="cn", now=NOW)
    short, full = r(lang).phone(q), r(lang, detail=True).phone(q)
    product, cloud = facts.vocab["products"]["m365"], facts.vocab["clouds"]["china_21v"]
    assert product.short.get(lang) in short.variables["subject"] and cloud.short.get(lang) in short.variables["subject"]
    assert product.name.get(lang) not in short.variables["subject"]
    assert product.name.get(lang) in full.variables["subject"] and cloud.name.get(lang) in full.variables["subject"]
    assert short.variables["numbers"] == full.variables["numbers"] == ["+86 400-089-0365"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_table_of_response_times_gives_when_each_is_due_only_in_full(lang):
    q = route(product="o365", cloud="21v", now=NOW)                       # Sev A, B, C
    short, full = r(lang).response(q), r(lang, detail=True).response(q)
    due = fixed_words(lang, "due")
    assert short.more and due not in short.variables["lines"] and full.variables["lines"].count(due) == 3
    for text in ("1 hour or less", "1 business day or less", "3 business days or less") if lang == "en" else ():
        assert text in short.variables["lines"]
    one = r(lang).response(route(product="o365", cloud="21v", severity="a", now=NOW))
    assert due in one.variables["lines"]                                  # one time: when it is due, too


@pytest.mark.parametrize("lang, question, shown", [
    ("en", "what are the 21Vianet severity levels", False),
    ("en", "what does Sev C mean for 21Vianet", False),
    ("en", "give me examples of each 21Vianet severity", True),
    ("en", "is a user password that should never expire a severity C case?", True),
    ("zh", "世纪互联的严重级别有哪些", False),
    ("zh", "设置永不过期的用户密码算哪个级别", True),
    ("zh", "每个级别举例说明一下", True),
])
def test_a_short_severity_answer_gives_examples_when_asked_or_spoken_of(lang, question, shown):
    q = route(product="o365", cloud="21v", now=NOW)
    reply = Renderer(default_router().facts, lang, NOW, question=question).severity(q)
    marker = fixed_words(lang, "examples")
    assert (marker in reply.variables["lines"]) is shown and (shown or reply.more)
    assert marker in r(lang, detail=True).severity(q).variables["lines"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_languages_answer_names_the_callers_region(lang):
    q = route(product="d365_ce", cloud="worldwide", country="jp", now=NOW)
    facts = default_router().facts
    short, full = r(lang).languages(q), r(lang, detail=True).languages(q)
    rows = {ls.id: ls.text.get(lang) for ls in facts.language_support}
    assert rows["japanese"] in short.variables["lines"] and rows["english"] in short.variables["lines"]
    assert rows["european"] not in short.variables["lines"] and short.more
    assert all(text in full.variables["lines"] for text in rows.values())


@pytest.mark.parametrize("lang, question, said", [
    ("en", "Office 365 Germany numbers, and their hours?", 1),
    ("zh", "德国版 Office 365 的电话和营业时间", 1),
    ("en", "Office 365 Germany phone numbers?", 0),              # a list of numbers: their hours on request
    ("zh", "德国版 Office 365 的电话", 0),
])
def test_numbers_that_share_their_hours_say_them_once_when_asked(lang, question, said):
    q = route(product="o365", cloud="germany", now=NOW)                   # two numbers, the same hours
    short = Renderer(default_router().facts, lang, NOW, question=question).phone(q)
    full = r(lang, detail=True).phone(q)
    hours = default_router().facts.hours["germany_technical"].text.get(lang)
    assert short.variables["lines"].count(hours) == said and full.variables["lines"].count(hours) == 2
    assert short.variables["numbers"] == full.variables["numbers"] and len(short.variables["numbers"]) == 2
    assert short.more


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("dims", [dict(product="d365_fo", cloud="21v", severity="a"),
                                  dict(product="d365_ce", cloud="21v", severity="c"),
                                  dict(product="o365", cloud="21v", severity="a")])
def test_a_response_row_names_its_level_once(lang, dims):
    reply = r(lang).response(route(now=NOW, **dims))
    row = route(now=NOW, **dims).response.rows[0]
    label = row.level.label.get(lang)
    assert reply.variables["lines"].count(label) == 1, reply.variables["lines"]


@pytest.mark.parametrize("plan, premier_online", [(None, False), ("premier", True)])
def test_a_plans_own_portal_comes_when_the_plan_is_named(plan, premier_online):
    """Premier Online is Premier's own portal: a question naming no plan gets the portal for any plan."""
    q = route(product="d365_ce", cloud="worldwide", plan=plan, now=NOW)
    reply = r("en").portal(q)
    assert ("https://support.microsoft.com/premier" in reply.variables["urls"]) is premier_online
    assert "https://admin.powerplatform.microsoft.com" in reply.variables["urls"]
    assert reply.more or plan is not None                        # held back: offered on request
    assert "https://support.microsoft.com/premier" in r("en", detail=True).portal(q).variables["urls"]


def test_the_hours_of_the_level_asked_lead_a_short_answer():
    """"Sev A with 21Vianet: around the clock?": Sev A's hours, not billing's and presales' too."""
    q = route(product="m365", cloud="21v", severity="a", now=NOW)
    short, full = r("en").hours(q), r("en", detail=True).hours(q)
    assert short.variables["hours"] == full.variables["hours"] == ["o365_21v_technical_a"]   # a level: technical
    assert "24" in short.variables["lines"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_level_asked_of_a_family_gets_that_levels_hours_and_the_lines_that_rank_none(lang):
    """"D365 sev A - 24/7?": every member's worldwide Sev A hours lead, the 21Vianet lines (no levels) follow,
    named in a short answer and in full on request."""
    q = route(product="d365", severity="a", now=NOW)
    assert q.hours.status == "answer"                                      # no "which product?"
    reply, full = r(lang).hours(q), r(lang, detail=True).hours(q)
    assert reply.variables["hours"] == ["d365_ww_technical_a"] and reply.more
    assert r(lang).short_name("cloud", "china_21v", called=True) in reply.variables["lines"]
    assert set(full.variables["hours"]) == {"d365_ww_technical_a", "fo_21v_technical", "ce_21v_technical"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_level_ruled_out_is_answered_by_its_condition(lang):
    """"Can I open a Sev A for billing at 21Vianet?": the condition that rules it out leads the answer."""
    q = route(product="m365", cloud="21v", support_type="billing", severity="a", now=NOW)
    reply = r(lang).severity(q)
    assert reply.response == "utter_answer_severity"
    assert reply.variables["notes_used"] == ["o365_21v_sev_a_conditions"] and reply.more    # the rest on request
    full = r(lang, detail=True).severity(q)                       # in full: the definition and every note
    assert FACTS_NOTES["o365_21v_sev_a_conditions"].text.get(lang) in full.variables["notes"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_long_note_is_said_in_its_short_form_and_in_full_on_request(lang):
    q = route(product="d365", cloud="worldwide", now=NOW)
    note = FACTS_NOTES["d365_plan_purchase"]
    question = "how do we buy Professional Direct?" if lang == "en" else "怎么购买专业直接支持 ProDirect？"
    short = Renderer(default_router().facts, lang, NOW, question=question).from_notes(
        q, "plans", "utter_answer_plans", ("plans",), [note])
    full = Renderer(default_router().facts, lang, NOW, detail=True, question=question).from_notes(
        q, "plans", "utter_answer_plans", ("plans",), [note])
    assert note.short.get(lang) in short.variables["lines"] and note.text.get(lang) not in short.variables["lines"]
    assert short.more and note.text.get(lang) in full.variables["lines"]


@pytest.mark.parametrize("question, in_full", [
    ("can we use MSDN incidents for CE on-premises?", False),
    ("where do I enter the access ID and contract ID for our MSDN benefit?", True),    # the steps: in full
    ("is MSDN support ok for our business?", False),                                   # a common word: short
])
def test_a_long_note_is_said_in_full_when_the_question_asks_a_detail_of_it(question, in_full):
    note = FACTS_NOTES["d365_msdn_benefits"]
    text = Renderer(default_router().facts, "en", NOW, question=question).note_text(note)
    assert text.startswith(note.text.en if in_full else note.short.en)


def test_a_short_answer_drops_notes_another_one_makes_redundant():
    """Our reading of a page beside what the page says, and a second note to the same page, are held back."""
    notes = FACTS_NOTES
    derived, stated = notes["d365_21v_clock"], notes["d365_21v_customer_duties"]
    assert derived.derived and not stated.derived
    assert Renderer.fewest([derived, stated]) == [stated]
    assert Renderer.fewest([derived]) == [derived]                    # alone, it is the answer
    same_page = [n for n in notes.values() if n.link == "m365_service_health"]
    assert len(same_page) >= 2 and Renderer.fewest(same_page) == same_page[:1]


# ------------------------------------------------------------------ short answers: what each says once
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_line_open_round_the_clock_adds_no_open_now_in_a_short_answer(lang):
    q = route(product="o365", cloud="germany", support_type="technical", now=NOW)
    always = r(lang).t("open_always")
    assert always not in r(lang).hours(q).variables["lines"]
    assert always in r(lang, detail=True).hours(q).variables["lines"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hours_without_clock_times_are_not_told_so_twice_in_a_short_answer(lang):
    """The hours already say the page gives no clock times; the short status only says it is a working day."""
    q = route(product="o365", cloud="21v", support_type="billing", now=NOW)     # NOW is a Monday
    short, full = r(lang).hours(q).variables["lines"], r(lang, detail=True).hours(q).variables["lines"]
    assert r(lang).t("open_day_no_clock_short") in short and r(lang).t("open_day_no_clock") not in short
    assert r(lang).t("open_day_no_clock") in full


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_list_of_levels_gives_each_definitions_first_sentence_and_the_rest_on_request(lang):
    q = route(product="o365", cloud="21v", now=NOW)
    short, full = r(lang).severity(q), r(lang, detail=True).severity(q)
    levels = default_router().facts.schemes["o365_21v"].levels
    for lv in levels:
        definition = lv.definition.get(lang)
        first = re.match(r".+?(?:\.(?=\s|$)|。|$)", definition, re.DOTALL).group(0).strip()
        assert first in short.variables["lines"] and definition in full.variables["lines"]
        assert first == definition or definition not in short.variables["lines"]
    assert short.more and len(short.variables["lines"]) < len(full.variables["lines"])


def test_one_level_asked_keeps_its_whole_definition():
    q = route(product="o365", cloud="21v", severity="b", now=NOW)
    level = default_router().facts.schemes["o365_21v"].level("b")
    assert level.definition.en in r("en").severity(q).variables["lines"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_other_numbers_note_stands_for_the_conflict_line_in_a_short_answer(lang):
    """The pre-sales number of 21Vianet's customer engagement apps: the note about the technical line shows
    both sides of the conflict, so a short answer does not add that the sources differ; the reasons come on
    request."""
    q = route(product="d365_ce", cloud="21v", support_type="presales", now=NOW)
    short, full = r(lang).phone(q), r(lang, detail=True).phone(q)
    alternative = FACTS_NOTES["ce_presales_same_number"].text.get(lang)
    assert alternative in short.variables["notes"] and "400-089-0365" in short.variables["notes"]
    assert r(lang).t("conflict_short").strip() not in short.variables["notes"] and short.more
    assert fixed_words(lang, "conflict") in full.variables["notes"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_number_for_two_kinds_of_support_is_said_once_with_the_hours_of_each(lang):
    q = route(product="o365", cloud="21v", now=NOW)
    reply = Renderer(default_router().facts, lang, NOW, support_types=("presales", "billing")).phone(q)
    assert reply.variables["numbers"] == ["+86 400-089-0365"]
    assert sorted(reply.variables["hours"]) == ["o365_21v_billing", "o365_21v_presales"]


LANGUAGE_QUESTIONS = [
    ("Can I get Dynamics 365 support in Korean?", None, ["Korean"], "japanese"),
    ("When is Italian-language Dynamics 365 support available?", "european", [], "japanese"),
    ("what languages does Dynamics 365 support offer besides english?", None, ["Japanese", "Italian"], None),
    ("Dynamics 365 支持有韩语吗？", None, ["韩语"], "japanese"),
]


@pytest.mark.parametrize("question, row, words, left_out", LANGUAGE_QUESTIONS)
def test_a_language_asked_about_gets_its_row_or_that_it_is_not_listed(question, row, words, left_out):
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", question) else "en"
    facts = default_router().facts
    reply = Renderer(facts, lang, NOW, question=question).languages(route(product="d365", now=NOW))
    lines = reply.variables["lines"]
    rows = {ls.id: ls.text.get(lang) for ls in facts.language_support}
    if row:
        assert rows[row] in lines and sum(text in lines for text in rows.values()) == 1
    for word in words:
        assert word in lines
    if left_out:
        assert rows[left_out] not in lines
    else:
        assert all(text in lines for text in rows.values())


def test_a_short_notes_answer_says_its_lead_note_on_the_heading_line():
    q = route(product="m365", cloud="worldwide", now=NOW)
    question = "I'm just a regular user, not an admin. Where do I go for help?"
    reply = Renderer(default_router().facts, "en", NOW, question=question).from_notes(
        q, "who_can_open", "utter_answer_who_can_open", ("who_can_open",), notes_answering(q, "who_can_open", question))
    lines = reply.variables["lines"]
    first = FACTS_NOTES[reply.variables["notes_used"][0]]
    assert not lines.startswith("\n") and lines.strip().startswith((first.short or first.text).en[:30])
    assert len(reply.variables["notes_used"]) < 2 or "\n• " in lines


@pytest.mark.parametrize("question, dims, note", [
    # the whole message matches the note clearly: it comes with the portal
    ("PPAC 登不进去，没法在线提交工单，怎么办", dict(product="power_platform", cloud="worldwide"),
     "d365_phone_not_faster"),
    # a plain "how do I file it?": the portal and its steps
    ("how do I open a support request for F&O?", dict(product="d365_fo", cloud="worldwide"), None),
])
def test_how_to_file_adds_a_note_only_when_the_message_asks_for_it(question, dims, note):
    from core.topics import NOTE_TOPICS
    t = NOTE_TOPICS["how_to_file"]
    q = route(now=NOW, **dims)
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", question) else "en"
    reply = Renderer(default_router().facts, lang, NOW, question=question).from_notes(
        q, "how_to_file", t.response, t.note_topics, notes_answering(q, "how_to_file", question), lead=t.lead)
    assert reply.variables["notes_used"] == ([note] if note else [])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_number_with_its_one_hours_line_is_said_on_one_line(lang):
    """"Can I call 21Vianet on a Saturday about an F&O invoice?": the number and its hours lead together."""
    reply = r(lang).phone(route(product="F&O", cloud="21v", support_type="billing", now=NOW))
    lines = reply.variables["lines"]
    assert "\n" not in lines.strip() and "+86 400-089-0365" in lines and "18:00" in lines


@pytest.mark.parametrize("question, business_only", [
    ("日本那边 D365 支持的营业时间下午几点结束", True),
    ("What are business hours for D365 support in Japan?", True),
    ("is D365 support in Japan 24/7 or business hours only?", False),      # both asked: every row
    ("D365 support hours in Japan?", False),
])
def test_a_business_hours_question_gets_the_rows_that_run_in_business_hours(question, business_only):
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", question) else "en"
    q = route(product="d365", country="jp", now=NOW)
    reply = Renderer(default_router().facts, lang, NOW, question=question).hours(q)
    shown = reply.variables["hours"]
    business = [a.hours.id for a in q.hours.rows if a.business_hours is not None]
    assert business and len(business) < len(q.hours.rows)
    assert (shown == business) is business_only and set(business) <= set(shown)
    if business_only:           # they share their business hours: those, on the heading's line
        hours = {a.business_hours.text.get(lang) for a in q.hours.rows if a.business_hours is not None}
        assert len(hours) == 1 and hours.pop() in reply.variables["lines"]
        assert "\n" not in reply.variables["lines"].strip() and reply.more


@pytest.mark.parametrize("lang, question, conditions_lead", [
    ("en", "billing question on our 21V Office 365 - highest severity we may open?", True),
    ("zh", "世纪互联 O365 帐单问题最高能开几级？", True),
    ("en", "what do the severity levels mean for billing with 21Vianet O365?", False),
])
def test_the_highest_level_for_a_kind_of_support_is_said_by_its_conditions(lang, question, conditions_lead):
    renderer = Renderer(default_router().facts, lang, NOW, question=question)
    reply = renderer.severity(route(product="m365", cloud="china_21v", support_type="billing", now=NOW))
    first = reply.variables["lines"].strip().split("\n")[0]
    assert (FACTS_NOTES["o365_21v_sev_a_conditions"].text.get(lang)[:20] in first or
            (FACTS_NOTES["o365_21v_sev_a_conditions"].short or FACTS_NOTES["o365_21v_sev_a_conditions"].text)
            .get(lang)[:20] in first) is conditions_lead


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_a_status_needs_to_know_is_said_once_in_a_short_answer(lang):
    q = route(product="m365", support_type="billing", now=NOW)      # two worldwide rows in local time
    short, full = r(lang).hours(q).variables["lines"], r(lang, detail=True).hours(q).variables["lines"]
    caveat = fixed_words(lang, "needs_timezone_short")
    assert short.count(caveat) == 1
    assert full.count(fixed_words(lang, "needs_timezone")) >= 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_family_row_labelled_by_its_cloud_does_not_list_every_product(lang):
    """"D365 phone?": the worldwide row holds for every product but those with a row of their own."""
    renderer = r(lang)
    lines = renderer.phone(route(product="d365", now=NOW)).variables["lines"]
    first = lines.strip().split("\n")[0]
    assert first.startswith(renderer.short_name("cloud", "worldwide", called=True))
    assert renderer.short_name("product", "d365_bc", called=True) in lines           # its own row stays labelled
    # a row only its products tell apart keeps them (which portal is whose)
    portal = renderer.portal(route(product="d365", cloud="worldwide", now=NOW)).variables["lines"]
    assert renderer.short_name("product", "d365_ce", called=True) in portal


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_answer_names_a_time_zone_at_its_first_time_only(lang):
    q = route(product="m365", cloud="germany", now=NOW)     # two rows on Berlin time, one of which names it
    zone = r(lang)._tz_name("Europe/Berlin")
    said = f"（{zone}）" if lang == "zh" else f"({zone})"
    full = r(lang, detail=True).hours(q).variables["lines"]
    assert r(lang).hours(q).variables["lines"].count(said) < full.count(said)
    # rows whose own hours name the zone ("China Standard Time (CST)"): the short answer names it no more
    fo = route(product="d365_fo", cloud="21v", now=NOW)
    beijing = f"（{r(lang)._tz_name('Asia/Shanghai')}）" if lang == "zh" else f"({r(lang)._tz_name('Asia/Shanghai')})"
    assert r(lang).hours(fo).variables["lines"].count(beijing) == 0
    assert r(lang, detail=True).hours(fo).variables["lines"].count(beijing) == 2


@pytest.mark.parametrize("cloud, kept", [(None, False), ("21v", True)])
def test_a_question_naming_no_cloud_keeps_another_clouds_further_note_for_later(cloud, kept):
    from core.topics import NOTE_TOPICS
    question = "before opening a ticket, where do I check whether Office 365 is having issues?"
    q = route(product="m365", cloud=cloud, now=NOW)
    notes = [FACTS_NOTES["m365_service_health_first"], FACTS_NOTES["o365_21v_sev_assigned"]]
    t = NOTE_TOPICS["outage"]
    reply = Renderer(default_router().facts, "en", NOW, question=question).from_notes(
        q, "outage", t.response, t.note_topics, notes, t.lead)
    assert ("o365_21v_sev_assigned" in reply.variables["notes_used"]) is kept


@pytest.mark.parametrize("lang, question, first", [
    ("zh", "有个用户在 Exchange Online 里删不掉联系人信息，世纪互联，算哪个严重级别？", "c"),
    ("en", "a user can't delete contact information in Exchange Online (21Vianet) - which severity?", "c"),
    ("en", "what are the severity levels at 21Vianet?", "a"),                   # no example named: in order
])
def test_the_level_whose_examples_the_question_names_leads_the_list(lang, question, first):
    q = route(product="o365", cloud="21v", now=NOW)
    lines = Renderer(default_router().facts, lang, NOW, question=question).severity(q).variables["lines"]
    scheme = q.severity.rows[0]
    assert lines.split("\n")[0].lstrip().startswith(scheme.level(first).label.get(lang))
    assert lines.count("\n•") == len(scheme.levels_for(None)) - 1               # every level still listed
