"""Custom actions with rasa-sdk's CollectingDispatcher and hand-built trackers: response names and the
facts in their variables, in English and Chinese."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAskCountry, ActionSwitchLanguage, ActionTriage, ActionTriageConfirm, ValidateRouteForm

SLOTS = ("product", "cloud", "country", "support_type", "severity", "plan", "topic", "problem", "proposed_severity",
         "clarify_attempts", "requested_slot", "language_pref", "language")


def tracker(text="", intent="inform", entities=(), metadata=None, active_loop=None, **slots):
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": [{"entity": d, "value": v} for d, v in entities], "metadata": metadata or {}}
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    return Tracker("tester", {s: slots.get(s) for s in SLOTS}, latest, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, t):
    d = CollectingDispatcher()
    events = asyncio.run(action.run(d, t, {}))
    return d.messages, events


def answer(t):
    """The form's validator on a complete question: it answers and ends the form (requested_slot None)."""
    msgs, events = run(ValidateRouteForm(), t)
    assert slot(events, "requested_slot") is None
    return msgs, events


def slot(events, name):
    return next((e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name), "unset")


@pytest.mark.parametrize("text,lang", [("UK number for O365", "en"), ("英国的 O365 电话", "zh")])
def test_answer_phone_in_both_languages(text, lang):
    msgs, events = answer(tracker(text, "ask_phone", [("product", "m365"), ("country", "uk")],
                                               topic="phone", product="m365", country="uk"))
    assert msgs[0]["response"] == "utter_answer_phone"
    assert msgs[0]["numbers"] == ["0800 032 6417"]
    assert slot(events, "language") == lang


@pytest.mark.parametrize("lang, more", [("en", "More details"), ("zh", "详细信息")])
def test_a_short_answer_offers_its_details_once_and_gives_them_on_request(lang, more):
    """The number and the first line's hours, then one button; its title is what it sends, and that
    message gives the same answer with its notes and full sources."""
    ask = "UK number and hours for O365" if lang == "en" else "英国 O365 的电话和时间"
    dims = dict(topic="phone", product="m365", country="uk")
    msgs, _ = answer(tracker(ask, "ask_phone", [("product", "m365"), ("country", "uk")], **dims))
    offered = [b for m in msgs for b in m.get("buttons") or []]
    assert offered == [{"title": more, "payload": more}] and msgs[-1]["buttons"] == offered
    note = "注意" if lang == "zh" else "Note:"
    assert not any(note in (m.get("notes") or "") for m in msgs)
    full, _ = answer(tracker(more, "inform", **dims))
    assert full[0]["response"] == "utter_answer_phone" and full[0]["numbers"] == ["0800 032 6417"]
    assert note in full[0]["notes"] and not any(m.get("buttons") for m in full)
    assert len(full[0]["source"]) > len(msgs[0]["source"])


def test_answer_hours_billing_21vianet_dynamics():
    msgs, _ = answer(tracker("billing hours D365 Sales 21V", "ask_hours", topic="hours", product="d365_ce",
                                          cloud="china_21v", support_type="billing"))
    assert msgs[0]["response"] == "utter_answer_hours" and msgs[0]["hours"] == ["ce_21v_billing"]
    assert "9:00 to 18:00" in msgs[0]["lines"]


def test_answer_response_times_for_a_plan():
    msgs, _ = answer(tracker("sev b subscription", "ask_response_time", topic="response", product="d365",
                                          plan="subscription", severity="b"))
    assert msgs[0]["response"] == "utter_answer_response"
    assert "d365_b_subscription" in msgs[0]["responses"]


def test_answer_portal_and_severity_in_chinese():
    msgs, _ = answer(tracker("财务和运营在哪提交", "ask_portal", topic="portal", product="d365_fo", cloud="china_21v"))
    assert msgs[0]["response"] == "utter_answer_portal" and msgs[0]["urls"] == ["https://lcs.dynamics.cn/"]
    msgs, _ = answer(tracker("严重级别C是什么意思", "ask_severity_definition", topic="severity", product="m365",
                                          cloud="china_21v", severity="c"))
    assert msgs[0]["response"] == "utter_answer_severity" and "影响很小" in msgs[0]["lines"]


@pytest.mark.parametrize("text, lang, dims, url", [
    ("is there a support email for 21Vianet Office 365?", "en",
     dict(product="m365", cloud="china_21v"), None),
    ("世纪互联的财务和运营，能直接发邮件给支持吗？邮箱是多少", "zh", dict(product="d365_fo", cloud="china_21v"),
     "https://lcs.dynamics.cn/"),
])
def test_asking_for_a_support_email_says_none_is_listed_then_where_a_request_starts(text, lang, dims, url):
    msgs, events = answer(tracker(text, "ask_portal", topic="portal", **dims))
    assert [m["response"] for m in msgs][:2] == ["utter_no_email_address", "utter_answer_portal"]
    assert url is None or msgs[1]["urls"] == [url]
    assert slot(events, "language") == lang


def test_a_portal_question_without_email_gets_no_email_statement():
    msgs, _ = answer(tracker("where do I file a ticket? confirm my email address step?", "ask_portal", topic="portal",
                             product="m365", cloud="china_21v"))
    assert msgs[0]["response"] == "utter_answer_portal"


@pytest.mark.parametrize("text, asks", [
    ("Dynamics 365: 'local business hours' - what hours are those?", False),
    ("D365 的本地营业时间指几点到几点", False),
    ("Dynamics 365 support hours?", True),                  # hours of every kind: which product first
])
def test_what_counts_as_business_hours_is_answered_for_every_product(text, asks):
    msgs, events = run(ValidateRouteForm(), tracker(text, "ask_hours", [("product", "d365")], topic="hours",
                                                    product="d365"))
    assert (slot(events, "requested_slot") == "product") is asks
    if not asks:
        assert msgs[0]["response"] == "utter_answer_hours"
        assert "6" in msgs[0]["lines"] and "5:30" in msgs[0]["lines"]          # North America's, Japan's
        assert "5:30" not in msgs[0]["lines"].strip().split("\n")[0]          # most countries' first, as the page


def test_notes_topics_and_no_fact():
    msgs, _ = answer(tracker("who can open", "ask_who_can_open", topic="who_can_open", product="m365",
                             cloud="worldwide"))
    assert msgs[0]["response"] == "utter_answer_who_can_open" and \
        msgs[0]["notes_used"] == ["m365_admin_only", "m365_not_admin_message"]
    msgs, _ = answer(tracker("sev def", "ask_severity_definition", topic="severity", product="m365", cloud="worldwide"))
    assert msgs[0]["response"] == "utter_no_fact"


def test_without_a_topic_the_bot_asks_what_the_user_wants():
    msgs, _ = answer(tracker("Microsoft 365", "inform", [("product", "m365")], product="m365"))
    assert msgs[0]["response"] == "utter_what_topic"
    assert {b["payload"] for b in msgs[0]["buttons"]} >= {"/ask_phone", "/ask_hours", "/ask_portal"}


def test_form_asks_for_the_missing_dimension_then_finishes():
    _, events = run(ValidateRouteForm(), tracker("support number?", "ask_phone", active_loop="route_form"))
    assert slot(events, "topic") == "phone" and slot(events, "requested_slot") == "product"
    msgs, events = run(ValidateRouteForm(), tracker("Microsoft 365 in Australia", "inform",
                                                 [("product", "m365"), ("country", "au")],
                                                 active_loop="route_form", topic="phone", product="m365", country="au",
                                                 requested_slot="product"))
    assert slot(events, "requested_slot") is None
    assert msgs[0]["response"] == "utter_answer_phone" and msgs[0]["numbers"] == ["1 800 197 503"]


def test_form_gives_up_after_two_unanswered_questions():
    t = tracker("no idea", "inform", active_loop="route_form", topic="phone", requested_slot="product",
                clarify_attempts=1.0)
    _, events = run(ValidateRouteForm(), t)
    assert slot(events, "requested_slot") is None


def test_form_steps_aside_for_interruptions():
    _, events = run(ValidateRouteForm(), tracker("tell me a joke", "out_of_scope", active_loop="route_form",
                                                 topic="phone", requested_slot="product"))
    assert events == []


def test_correction_resets_the_other_location_dimension():
    _, events = run(ValidateRouteForm(), tracker("no, Germany", "inform", [("country", "de")], active_loop="route_form",
                                                 topic="phone", product="m365", cloud="china_21v", country="de"))
    assert SlotSet("cloud", None) in events


def test_ask_action_builds_buttons_from_the_policy_candidates():
    msgs, _ = run(ActionAskCountry(), tracker("phone", "ask_phone", topic="phone", product="m365",
                                              requested_slot="country"))
    assert msgs[0]["response"] == "utter_ask_country"
    assert [b["payload"] for b in msgs[0]["buttons"]][:2] == ['/inform{"country": "us"}', '/inform{"country": "ca"}']


def test_triage_then_confirm():
    msgs, events = run(ActionTriage(), tracker("Our SharePoint site is down for everyone", "describe_problem",
                                               [("product", "m365"), ("cloud", "china_21v")], product="m365",
                                               cloud="china_21v"))
    assert msgs[0]["response"] == "utter_triage_result" and msgs[0]["proposed"] == "a"
    assert "400-089-0365" in msgs[0]["filing"]                       # the top level: where to open it, now
    assert msgs[0]["definition"].endswith("unusable.")               # what the level is: its first sentence
    assert slot(events, "proposed_severity") == "a" and slot(events, "topic") == "triage"
    msgs, events = run(ActionTriageConfirm(), tracker("yes", "affirm", topic="triage", product="m365",
                                                      cloud="china_21v", proposed_severity="a"))
    assert msgs[0]["response"] == "utter_triage_confirmed" and "1 hour" in msgs[0]["first_response"]
    assert "400-089-0365" in msgs[0]["filing"]                       # where to open it, once the level is chosen
    assert slot(events, "severity") == "a"


@pytest.mark.parametrize("text", ["nobody across the company can send mail. what sev is that and what do I do?",
                                  "全公司都发不了邮件，算几级？报哪里？"])
def test_a_proposal_says_where_to_open_it_when_the_message_asks(text):
    msgs, _ = run(ActionTriage(), tracker(text, "describe_problem", [("product", "m365"), ("cloud", "china_21v")],
                                          product="m365", cloud="china_21v"))
    assert msgs[0]["response"] == "utter_triage_result" and "400-089-0365" in msgs[0]["filing"]


def test_a_lower_level_proposal_leaves_filing_to_the_confirmation():
    msgs, _ = run(ActionTriage(), tracker("one user sees garbled text in Outlook", "describe_problem",
                                          [("product", "m365"), ("cloud", "china_21v")], product="m365",
                                          cloud="china_21v"))
    assert msgs[0]["response"] == "utter_triage_result" and msgs[0]["proposed"] in ("b", "c")
    assert msgs[0]["filing"] == ""


def test_a_proposal_without_a_product_names_no_portal():
    msgs, _ = run(ActionTriageConfirm(), tracker("yes", "affirm", topic="triage", proposed_severity="a"))
    assert msgs[0]["response"] == "utter_triage_confirmed" and msgs[0]["filing"] == ""


def test_unclear_problem_asks_for_impact():
    msgs, _ = run(ActionTriage(), tracker("hmm something is odd", "describe_problem"))
    assert msgs[0]["response"] == "utter_triage_unclear"


def test_handoff_summary():
    msgs, _ = answer(tracker("Sev A", "inform", [("severity", "a")], topic="handoff", product="m365", cloud="china_21v",
                                          severity="a", problem="All users can't send mail"))
    m = msgs[0]
    assert m["response"] == "utter_answer_handoff" and m["impact"] == "All users can't send mail"
    assert "Severity A" in m["severity"] and "+86 400-089-0365" in m["lines"]


def test_an_unexpected_error_becomes_an_apology(monkeypatch):
    import actions.actions as a
    monkeypatch.setattr(a, "state_of", lambda *x, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    msgs, events = answer(tracker("UK number", "ask_phone", topic="phone"))
    assert [m["response"] for m in msgs] == ["utter_error"] and events == [SlotSet("requested_slot", None)]


def test_action_server_registers_exactly_the_domain_actions():
    import yaml
    from pathlib import Path
    from rasa_sdk.executor import ActionExecutor
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    assert sorted(executor.actions) == sorted(domain["actions"])


def test_facts_and_wording_load_when_the_action_server_imports_the_actions():
    """Not in the first user's message: the action server imports this module at start-up."""
    import subprocess
    import sys
    code = ("import actions.actions; from core.routing.router import default_router; "
            "from core.render import load_wording; "
            "print(default_router.cache_info().currsize, load_wording.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert out.stdout.split() == ["1", "1"], out.stderr[-2000:]


def test_a_language_switch_after_an_answer_says_it_again_in_the_new_language():
    msgs, events = run(ActionSwitchLanguage(), tracker("用中文再说一遍", "switch_language", [("language", "zh")],
                                                       topic="phone", product="m365", country="uk",
                                                       language="en", language_pref="zh"))
    assert [m["response"] for m in msgs] == ["utter_language_switched", "utter_answer_phone"]
    assert msgs[1]["numbers"] == ["0800 032 6417"] and slot(events, "language") == "zh"


@pytest.mark.parametrize("slots", [
    {},                                                               # nothing asked yet
    {"topic": "phone"},                                               # the product is still to be asked
    {"topic": "triage", "product": "m365", "proposed_severity": "a"},  # a proposal waits for "yes"
])
def test_a_language_switch_without_a_complete_answer_only_acknowledges(slots):
    msgs, _ = run(ActionSwitchLanguage(), tracker("in English please", "switch_language", [("language", "en")],
                                                  language_pref="en", **slots))
    assert [m["response"] for m in msgs] == ["utter_language_switched"]


def test_a_language_switch_inside_the_form_leaves_the_question_to_the_form():
    msgs, _ = run(ActionSwitchLanguage(), tracker("说中文", "switch_language", [("language", "zh")],
                                                  active_loop="route_form", topic="phone", product="m365", country="uk",
                                                  language_pref="zh"))
    assert [m["response"] for m in msgs] == ["utter_language_switched"]


def test_two_questions_in_one_message_get_both_answers():
    msgs, _ = answer(tracker("UK hotline for M365? also is it staffed on sundays", "ask_phone",
                             [("product", "m365"), ("country", "uk")], topic="phone", product="m365", country="uk"))
    assert [m["response"] for m in msgs] == ["utter_answer_phone", "utter_answer_hours"]
    assert msgs[0]["numbers"] == ["0800 032 6417"]


def test_two_answers_from_one_page_cite_it_once_at_the_end():
    msgs, _ = answer(tracker("UK hotline for M365? also is it staffed on sundays", "ask_phone",
                             [("product", "m365"), ("country", "uk")], topic="phone", product="m365", country="uk"))
    assert msgs[0]["source"] == "" and "2020-07-28" in msgs[1]["source"]


@pytest.mark.parametrize("sources, kept", [
    (["A", "A"], ["", "A"]), (["A", "B"], ["A", "B"]), (["A", "B", "A"], ["", "B", "A"]), ([None, "A"], [None, "A"])])
def test_cite_once_keeps_the_last_of_each_source(sources, kept):
    from actions.actions import cite_once
    messages = [{"source": s} for s in sources]
    cite_once(messages)
    assert [m["source"] for m in messages] == kept


def test_two_questions_are_answered_in_the_order_asked():
    msgs, _ = answer(tracker("What's the Canada number for Microsoft 365, and is anyone there on Saturdays?",
                             "ask_hours", [("country", "ca"), ("product", "m365")], topic="hours", product="m365",
                             country="ca"))
    assert [m["response"] for m in msgs] == ["utter_answer_phone", "utter_answer_hours"]


def test_a_second_question_that_needs_more_is_asked_for_after_the_first_answer():
    """Response times for Dynamics 365 worldwide depend on the plan: the first answer comes, then the plan
    is asked for the second, with no guess."""
    msgs, events = run(ValidateRouteForm(),
                       tracker("where do I file a D365 Sales case online and how fast is the reply",
                               "ask_portal", [("product", "d365_ce")], topic="portal",
                               product="d365_ce", cloud="worldwide"))
    assert [m["response"] for m in msgs] == ["utter_answer_portal"]
    assert slot(events, "topic") == "response" and slot(events, "requested_slot") == "plan"
    msgs, _ = answer(tracker("and where do I file it online, how fast is the reply?", "ask_portal", (),
                             topic="portal", product="d365_ce", cloud="worldwide", plan="prodirect"))
    assert [m["response"] for m in msgs] == ["utter_answer_portal", "utter_answer_response"]


@pytest.mark.parametrize("text,intent,entities,slots,responses,key,values", [
    ("美国和英国的 M365 支持电话分别是多少", "ask_phone", [("country", "us"), ("product", "m365"), ("country", "uk")],
     dict(topic="phone", product="m365", country="us"), ["utter_answer_phone"] * 2, "numbers",
     [["1 800 865 9408"], ["0800 032 6417"]]),
    ("D365 subscription support: sev A vs sev C initial response?", "ask_response_time",
     [("product", "d365"), ("plan", "subscription"), ("severity", "a"), ("severity", "c")],
     dict(topic="response", product="d365", plan="subscription", severity="a"), ["utter_answer_response"] * 2,
     "responses", [["d365_a_subscription"], ["d365_c_subscription"]]),
])
def test_one_question_for_two_values_is_answered_for_each(text, intent, entities, slots, responses, key, values):
    msgs, _ = answer(tracker(text, intent, entities, **slots))
    assert [m["response"] for m in msgs] == responses
    assert [m[key] for m in msgs] == values


def test_two_values_where_one_needs_more_get_the_usual_single_answer():
    """F&O response times: China's are known, the worldwide ones depend on the plan. No half-guessed pair."""
    msgs, _ = answer(tracker("F&O first response in China and in the US?", "ask_response_time",
                             [("product", "d365_fo"), ("country", "cn"), ("country", "us")],
                             topic="response", product="d365_fo", country="cn"))
    assert [m["response"] for m in msgs] == ["utter_answer_response"]
    assert all("21v" in r for r in msgs[0]["responses"]), msgs[0]["responses"]


def test_a_country_the_documents_do_not_list_gets_its_own_honest_answer_beside_the_other():
    msgs, _ = answer(tracker("UK or Mexico hotline for M365?", "ask_phone", [("country", "uk"), ("country", "mx"),
                             ("product", "m365")], topic="phone", product="m365", country="uk"))
    assert [m["numbers"] for m in msgs] == [["0800 032 6417"], []]
    assert "United Kingdom" in msgs[1]["lines"]                    # the countries the sources do list


@pytest.mark.parametrize("text,lang", [("it's sev A, nobody in the company can log in", "en"),
                                       ("是 A 级，全公司都登录不了", "zh")])
def test_a_problem_with_its_severity_stated_is_taken_as_classified(text, lang):
    """Once product and cloud are known, "it's Sev A, ..." needs no proposal: the level, its first response
    and where to file it."""
    t = tracker(text, "describe_problem", product="m365", cloud="china_21v")
    t.latest_message["entities"] = [{"entity": "severity", "value": "a", "start": text.index("A"),
                                     "end": text.index("A") + 1}]
    msgs, events = run(ActionTriage(), t)
    assert [m["response"] for m in msgs] == ["utter_triage_confirmed"]
    assert ("1 hour" if lang == "en" else "1 小时") in msgs[0]["first_response"]
    assert "400-089-0365" in msgs[0]["filing"] or "portal" in msgs[0]["filing"].lower() or "门户" in msgs[0]["filing"]
    assert slot(events, "severity") == "a"


def test_a_severity_ruled_out_is_no_classification():
    text = "it's not Sev A, but mail is slow for everyone"
    t = tracker(text, "describe_problem", product="m365", cloud="china_21v")
    t.latest_message["entities"] = [{"entity": "severity", "value": "a", "start": text.index("Sev"),
                                     "end": text.index("Sev") + 5}]
    msgs, _ = run(ActionTriage(), t)
    assert msgs[0]["response"] == "utter_triage_result"


def test_a_cloud_implied_by_the_product_stays_one_implied_by_the_country_does_not():
    _, events = answer(tracker("model-driven apps portal?", "ask_portal", [("product", "power_platform")],
                               topic="portal", product="power_platform"))
    assert slot(events, "cloud") == "worldwide"
    _, events = answer(tracker("US number for Office 365", "ask_phone", [("product", "m365"), ("country", "us")],
                               topic="phone", product="m365", country="us"))
    assert slot(events, "cloud") == "unset"


@pytest.mark.parametrize("text,lang", [("Azure 中国区的技术支持电话多少", "zh"), ("GitHub support hours?", "en")])
def test_a_product_the_documents_do_not_cover_gets_no_other_products_facts(text, lang):
    product = "Azure" if "Azure" in text else "GitHub"
    msgs, events = answer(tracker(text, "ask_phone", [("other_product", product), ("cloud", "china_21v")],
                                  topic="phone", cloud="china_21v"))
    assert [m["response"] for m in msgs] == ["utter_unknown_value"] and msgs[0]["value"] == product
    assert slot(events, "product") == "unset"                # no slot takes it


def test_a_question_about_the_documents_of_an_uncovered_product_gets_the_note_that_names_them():
    msgs, _ = answer(tracker("Azure 中文文档在哪", "ask_resources", [("other_product", "Azure")], topic="resources"))
    assert msgs[0]["response"] == "utter_answer_resources" and "ce_21v_azure_docs" in msgs[0]["notes_used"]


def test_bare_business_central_gets_the_partner_answer_instead_of_a_topic_menu():
    msgs, _ = answer(tracker("BC", "inform", [("product", "d365_bc")], product="d365_bc"))
    assert msgs[0]["response"] == "utter_answer_portal" and "bc_partners_only" in msgs[0]["notes_used"]


def test_asking_the_severity_for_a_handoff_says_where_to_file_first():
    from actions.actions import ActionAskSeverity
    msgs, _ = run(ActionAskSeverity(), tracker("财务和运营，世纪互联运营的那个", "inform", [("product", "d365_fo")],
                                               topic="handoff", product="d365_fo", cloud="china_21v"))
    assert msgs[0]["response"] == "utter_ask_severity" and "lcs.dynamics.cn" in msgs[0]["filing"]
    msgs, _ = run(ActionAskSeverity(), tracker("sev?", "inform", topic="triage"))
    assert msgs[0]["filing"] == ""                                  # not a hand-off: the question alone


@pytest.mark.parametrize("text,entities,same,fact", [
    ("美国和加拿大的 m365 支持电话是同一个吗", [("country", "us"), ("country", "ca")], True, "1 800 865 9408"),
    ("is the UK number the same as the US one?", [("country", "uk"), ("country", "us")], False, None),
])
def test_asked_whether_two_answers_are_the_same_it_says_so(text, entities, same, fact):
    msgs, _ = answer(tracker(text, "ask_phone", [("product", "m365")] + entities, topic="phone", product="m365",
                             country=entities[0][1]))
    assert [m["response"] for m in msgs][:2] == ["utter_answer_phone"] * 2
    assert msgs[-1]["response"] == ("utter_same_for_both" if same else "utter_not_the_same")
    assert fact is None or msgs[-1]["fact"] == fact


def test_phone_answers_are_compared_by_their_numbers_as_data():
    from core.dialogue import fact_compared
    from core.routing import route
    us, ca, uk = (fact_compared(route(product="m365", country=c), "phone") for c in ("us", "ca", "uk"))
    assert us == ca == frozenset({("phone", "18008659408")}) and uk != us


@pytest.mark.parametrize("topic,intent,extra,same", [
    ("hours", "ask_hours", {"support_type": "billing"}, True),         # "working days" / "Monday through Friday"
    ("response", "ask_response_time", {"severity": "non_critical"}, True),   # 8 hours, whatever the due time
    ("hours", "ask_hours", {"support_type": "technical"}, False),      # 9-24 every day / 9-18 Mon-Fri
])
def test_two_products_compared_by_the_facts_as_data_not_their_wording(topic, intent, extra, same):
    text = "世纪互联的 F&O 跟 CE 这方面一样吗"
    ents = [("product", "d365_fo"), ("product", "d365_ce"), ("cloud", "china_21v")] + list(extra.items())
    msgs, _ = answer(tracker(text, intent, ents, topic=topic, product="d365_fo", cloud="china_21v", **extra))
    assert [m["response"] for m in msgs][:2] == [f"utter_answer_{'response' if topic == 'response' else topic}"] * 2
    assert msgs[-1]["response"] == ("utter_same_for_both" if same else "utter_not_the_same")
    assert not same or ("9:00" in msgs[-1]["fact"] or "8" in msgs[-1]["fact"]) and "现在" not in msgs[-1]["fact"]


@pytest.mark.parametrize("severity,same", [("a", True), ("c", False)])
def test_three_plans_compared_by_their_fact_not_by_the_plan_names_in_the_rows(severity, same):
    text = (f"Is the Sev {severity.upper()} initial response identical across Subscription, ProDirect and Premier "
            "for D365?")
    msgs, _ = answer(tracker(text, "ask_response_time", [("severity", severity), ("plan", "subscription"),
                             ("plan", "prodirect"), ("plan", "premier"), ("product", "d365")], topic="response",
                             product="d365", severity=severity, plan="subscription"))
    assert [m["response"] for m in msgs][:3] == ["utter_answer_response"] * 3
    assert msgs[-1]["response"] == ("utter_same_for_both" if same else "utter_not_the_same")
    assert not same or "1 hour" in msgs[-1]["fact"]


def test_a_language_question_beside_the_hours_question_is_answered_too():
    text = "巴黎的团队，D365 支持的营业时间？能说法语吗"
    t = tracker(text, "ask_hours", [("country", "fr"), ("product", "d365"), ("language", "fr")],
                topic="hours", product="d365", country="fr")
    t.latest_message["entities"][2].update(start=text.index("法语"), end=text.index("法语") + 2)
    msgs, _ = answer(t)
    assert [m["response"] for m in msgs] == ["utter_answer_hours", "utter_answer_languages"]


def test_a_second_question_that_needs_a_value_is_asked_for_after_the_first_is_answered():
    msgs, events = run(ValidateRouteForm(), tracker("M365 电话多少 周末技术支持有人吗", "ask_hours",
                                                    [("product", "m365"), ("support_type", "technical")],
                                                    topic="hours", product="m365", support_type="technical"))
    assert [m["response"] for m in msgs] == ["utter_answer_hours"]
    assert slot(events, "topic") == "phone" and slot(events, "requested_slot") == "country"


def test_a_country_whose_only_number_is_one_products_gets_it_without_asking_the_product():
    """The UK number is Microsoft 365's; Dynamics 365 lists none: both said, labelled, no question."""
    msgs, _ = answer(tracker("英国电话多少 周末技术支持有人吗", "ask_hours",
                             [("country", "uk"), ("support_type", "technical")],
                             topic="hours", country="uk", support_type="technical"))
    assert [m["response"] for m in msgs] == ["utter_answer_phone", "utter_answer_hours"]     # in the order asked
    assert "0800 032 6417" in msgs[0]["numbers"]


def test_a_non_admin_asking_for_the_line_also_hears_who_may_use_it():
    msgs, _ = answer(tracker("I'm not an admin, can I still use the Microsoft 365 business support line?", "ask_phone",
                             [("product", "m365")], topic="phone", product="m365"))
    assert [m["response"] for m in msgs][-1] == "utter_answer_who_can_open"
    assert "m365_admin_only" in msgs[-1]["notes_used"]


def test_a_severe_problem_asking_how_fast_also_hears_where_to_open_it():
    text = "our F&O prod in China (21V) is completely down, month-end close blocked. how fast will someone respond?"
    msgs, _ = answer(tracker(text, "ask_response_time",
                             [("product", "d365_fo"), ("country", "cn"), ("cloud", "china_21v")],
                             topic="response", product="d365_fo", country="cn", cloud="china_21v"))
    assert [m["response"] for m in msgs] == ["utter_answer_response", "utter_answer_portal"]


def test_two_values_without_asking_whether_they_are_the_same_get_no_comparison():
    msgs, _ = answer(tracker("US and Canada M365 numbers?", "ask_phone", [("product", "m365"), ("country", "us"),
                             ("country", "ca")], topic="phone", product="m365", country="us"))
    # no comparison; the one number the two countries share is said once, naming both
    assert [m["response"] for m in msgs] == ["utter_answer_phone"]
    assert "United States" in msgs[0]["subject"] and "Canada" in msgs[0]["subject"]


def test_a_support_type_dropped_for_one_part_stays_for_the_parts_after_it():
    """Response first, then the presales line: the response times hold without the support type, the number
    is still the presales one."""
    msgs, _ = answer(tracker("how fast is the first response for a critical SR, and what's the presales line?",
                             "ask_response_time", [("severity", "critical"), ("support_type", "presales")],
                             topic="response", product="d365_ce", cloud="china_21v", support_type="presales",
                             severity="critical"))
    assert [m["response"] for m in msgs] == ["utter_answer_response", "utter_answer_phone"]
    assert msgs[1]["numbers"] == ["+86 400-886-6134"]


def _tracker_with_offsets(text, intent, entities, **slots):
    """A tracker whose entities carry their offsets in `text` (found by their words), as the extractor gives them."""
    t = tracker(text, intent, (), **slots)
    t.latest_message["entities"] = [{"entity": d, "value": v, "start": text.index(w), "end": text.index(w) + len(w)}
                                    for d, v, w in entities]
    return t


def test_hours_the_number_was_given_with_are_not_given_again():
    """"Can I call 21Vianet on a Saturday about an F&O invoice?": the number's answer says the billing line's
    hours, which a second answer would repeat word for word."""
    msgs, _ = answer(tracker("Can I call 21Vianet on a Saturday about an F&O invoice question?", "ask_phone",
                             [("product", "d365_fo"), ("cloud", "china_21v"), ("support_type", "billing")],
                             topic="phone", product="d365_fo", cloud="china_21v", support_type="billing"))
    assert [m["response"] for m in msgs] == ["utter_answer_phone"]
    assert msgs[0]["hours"] == ["fo_21v_billing"]


def test_hours_for_each_of_two_countries_are_each_given():
    msgs, _ = answer(tracker("Dynamics 365 business hours in the US, and in Japan?", "ask_hours",
                             [("product", "d365"), ("country", "us"), ("country", "jp")],
                             topic="hours", product="d365", country="us"))
    assert [m["response"] for m in msgs] == ["utter_answer_hours"] * 2
    assert msgs[0]["lines"] != msgs[1]["lines"]


@pytest.mark.parametrize("dims, answers, numbers", [
    # Office 365 operated by 21Vianet: one number for every kind of support, said once
    (dict(product="m365", cloud="china_21v"), 1, [["+86 400-089-0365"]]),
    # customer engagement apps there: pre-sales has a number of its own, so an answer for each
    (dict(product="d365_ce", cloud="china_21v"), 2, [["+86 400-886-6134"], ["+86 400-089-0365"]]),
])
def test_one_number_for_two_kinds_of_support_is_one_answer(dims, answers, numbers):
    entities = [(d, v) for d, v in dims.items()] + [("support_type", "presales"), ("support_type", "billing")]
    msgs, _ = answer(tracker("presales or billing - which number do we call?", "ask_phone", entities,
                             topic="phone", support_type="presales", **dims))
    assert [m["numbers"] for m in msgs if m["response"] == "utter_answer_phone"] == numbers
    assert len([m for m in msgs if m["response"] == "utter_answer_phone"]) == answers


@pytest.mark.parametrize("text, dims, phone", [
    # the Premier note says whom to contact: no number besides it
    ("purchasing premier for our D365 CE apps in china — who do I talk to?",
     dict(product="d365_ce", cloud="china_21v"), False),
    # the pre-sales note names nobody: the number answers "how do I contact them?"
    ("世纪互联 O365 想比较一下各个计划，售前怎么联系？", dict(product="m365", cloud="china_21v"), True),
])
def test_asking_whom_to_turn_to_gets_the_number_unless_the_note_names_whom(text, dims, phone):
    msgs, _ = answer(tracker(text, "ask_plans", list(dims.items()), topic="plans", **dims))
    assert msgs[0]["response"] == "utter_answer_plans"
    assert ("utter_answer_phone" in [m["response"] for m in msgs]) is phone


@pytest.mark.parametrize("text, entities, portal", [
    # naming the level asks its response time; it describes no outage
    ("我们签的是 Unified Performance，关键业务影响的工单首次响应多快？",
     [("plan", "unified_performance", "Unified Performance"), ("severity", "critical", "关键业务影响")], False),
    ("production is down for everyone, critical impact - how fast will they respond?",
     [("severity", "critical", "critical impact")], True),
])
def test_where_to_file_comes_with_a_response_time_for_an_outage_not_for_a_named_level(text, entities, portal):
    msgs, _ = answer(_tracker_with_offsets(text, "ask_response_time", entities, topic="response", product="d365",
                                           cloud="worldwide", plan="unified_performance", severity="critical"))
    assert ("utter_answer_portal" in [m["response"] for m in msgs]) is portal


def test_how_to_file_is_not_followed_by_the_portal_it_leads_with():
    dims = dict(product="d365_fo", cloud="china_21v")
    msgs, _ = answer(tracker("We run D365 F&O on the 21Vianet cloud. Which site do I raise a support request on?",
                             "ask_how_to_file", list(dims.items()), topic="how_to_file", **dims))
    assert [m["response"] for m in msgs] == ["utter_answer_how_to_file"]
    assert "lcs.dynamics.cn" in msgs[0]["lines"]


@pytest.mark.parametrize("second_lines, merged", [("the same rows", True), ("other rows", False)])
def test_answers_alike_for_each_value_named_are_said_once(second_lines, merged):
    from actions.actions import said_once
    from core.render import Renderer
    from core.routing import default_router
    from core.routing.schedule import utc_now
    messages = [{"response": "utter_answer_languages", "subject": "Dynamics 365 (Brazil)", "lines": "the same rows"},
                {"response": "utter_answer_languages", "subject": "Dynamics 365 (Argentina)", "lines": second_lines}]
    said_once(messages, [0, 1], Renderer(default_router().facts, "en", utc_now()))
    assert len(messages) == (1 if merged else 2)
    assert ("Argentina" in messages[0]["subject"]) is merged


def test_two_countries_that_share_their_languages_get_one_answer():
    msgs, _ = answer(tracker("spanish support for our santiago and bogota users on dynamics?", "ask_languages",
                             [("product", "d365"), ("country", "cl"), ("country", "co")], topic="languages",
                             product="d365", country="cl"))
    answers = [m for m in msgs if m.get("response") == "utter_answer_languages"]
    assert len(answers) == 1 and "Chile" in answers[0]["subject"] and "Colombia" in answers[0]["subject"]


@pytest.mark.parametrize("text, lang", [("世纪互联的 Office 365，哪些客户可以开 A 级？", "zh"),
                                        ("21Vianet Office 365: which customers may open a Sev A?", "en")])
def test_a_note_one_answer_gave_is_not_repeated_by_the_next(text, lang):
    msgs, _ = answer(tracker(text, "ask_who_can_open", [("cloud", "china_21v"), ("severity", "a")],
                             topic="who_can_open", product="m365", cloud="china_21v", severity="a"))
    from core.routing import default_router
    condition = default_router().facts.notes["o365_21v_sev_a_conditions"]
    said = [condition.text.get(lang), (condition.short or condition.text).get(lang)]
    replies = " ".join(str(m.get("lines", "")) + str(m.get("notes", "")) for m in msgs)
    assert sum(replies.count(s) for s in set(said)) == 1


def test_a_part_whose_answer_an_earlier_answer_of_the_turn_gave_is_not_said_again():
    """"Highest severity I can set for billing at 21Vianet?" read as who does what: its first note states the
    highest level for billing, so the severity answer (the same note) is not said a second time."""
    text = "highest severity I can set for a billing issue on 21Vianet Office 365?"
    msgs, _ = answer(tracker(text, "ask_responsibilities", [("product", "o365"), ("cloud", "21v"),
                                                            ("support_type", "billing")],
                             topic="responsibilities", product="m365", cloud="china_21v", support_type="billing"))
    used = [n for m in msgs for n in (m.get("notes_used") or [])]
    assert "o365_21v_sev_a_conditions" in used and len(used) == len(set(used))


@pytest.mark.parametrize("text, lang", [
    ("when can we ring the UK support line for Microsoft 365, and which number is it?", "en"),
    ("英国的 Microsoft 365 支持电话几点能打，号码是多少？", "zh"),
])
def test_when_to_call_and_the_number_are_answered_by_the_number_with_its_hours(text, lang):
    msgs, _ = answer(tracker(text, "ask_hours", [("product", "m365"), ("country", "uk")], topic="hours",
                             product="m365", country="uk", language=lang))
    assert msgs[0]["response"] == "utter_answer_phone" and msgs[0]["numbers"] == ["0800 032 6417"]
    assert msgs[0]["hours"]                                       # the number with when it is open
    # the hours answer follows only for the hours the number's answer did not give
    assert all(m["response"] == "utter_answer_hours" and set(m["hours"]) - set(msgs[0]["hours"]) for m in msgs[1:])


@pytest.mark.parametrize("text, lang", [
    ("can I get Microsoft 365 technical support on the phone at 2 in the morning?", "en"),
    ("Microsoft 365 技术支持电话半夜两点有人接吗", "zh"),
])
def test_a_part_answerable_now_is_answered_before_the_value_another_part_needs_is_asked(text, lang):
    msgs, events = run(ValidateRouteForm(), tracker(text, "ask_phone", [("product", "m365"),
                                                                        ("support_type", "technical")],
                                                    topic="phone", product="m365", support_type="technical",
                                                    language=lang))
    assert [m["response"] for m in msgs] == ["utter_answer_hours"]
    topics = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "topic"]
    assert slot(events, "requested_slot") == "country" and topics[-1] == "phone"      # the number waits


def test_without_a_product_the_product_is_asked_before_any_part_is_answered():
    """Answering the hours for every product at once would be a long list; the product comes first."""
    msgs, events = run(ValidateRouteForm(), tracker("where do we open a 21Vianet request, and what severity is a "
                                                    "how-to question?", "ask_portal", [("cloud", "21v")],
                                                    topic="portal", cloud="china_21v"))
    assert [m["response"] for m in msgs] == [] and slot(events, "requested_slot") == "product"
