"""Rows the fact audit (../shared/docs/fact_audit.md) questioned, each fixed and pinned here with the
document text that settles it, and the mechanisms that now catch such rows in the whole fact base."""
import dataclasses

import pytest

from core.routing import Query
from core.routing.model import ConflictSide, Source
from core.routing.sources import clean, document_text, quote_in_section, sections, verify


def section_text(facts, doc, heading):
    """The cleaned text of one section (all its occurrences, for a heading repeated by variant blocks)."""
    return " ".join(s.text for s in sections(document_text(facts, doc)) if s.heading == heading)


# ---------------------------------------------------------------------------------------- mechanisms
def test_the_fact_base_is_pinned_section_by_section(facts):
    assert verify(facts) == []


def test_a_quote_outside_its_cited_section_is_reported(facts):
    """Rows 1 and 3 of the audit: a verbatim quote cited to the wrong section of the right document."""
    phone = next(p for p in facts.phones if p.id == "ce_21v")
    moved = dataclasses.replace(phone, source=Source("ce_21v", "Presales support"))
    problems = verify(dataclasses.replace(facts, phones=tuple(moved if p is phone else p for p in facts.phones)))
    assert problems == ["phones[ce_21v]: quote not in its cited section 'Presales support': "
                        f"{phone.quote[:80]!r}"]


def test_a_conflict_side_must_quote_its_section(facts):
    """Rows 2 and 4: a side's `says` is the document's own text (or a declared absence)."""
    conflict = facts.conflicts["dynamics_premier_portal"]
    paraphrased = dataclasses.replace(conflict, sides=(ConflictSide(conflict.sides[0].doc, conflict.sides[0].section,
                                                                    "Premier Support / Unified Support: Services Hub"),)
                                      + conflict.sides[1:])
    problems = verify(dataclasses.replace(facts, conflicts={**facts.conflicts, conflict.id: paraphrased}))
    assert len(problems) == 1 and \
        problems[0].startswith("conflicts[dynamics_premier_portal]: d365_overview side not verbatim")


def test_a_moniker_blocks_introduction_belongs_to_the_title_section(facts):
    intro = section_text(facts, "m365_contact", "Ways to contact support for business products - Admin Help")
    assert "This article applies to customers of Office 365 Germany" in intro
    assert "Issues that originate in customer networks fall outside" in intro
    assert "Issues that originate in customer networks" not in section_text(facts, "m365_contact", "Phone support")


# ----------------------------------------------------------------------------------- the rows, fixed
def test_row1_partner_note_quotes_its_own_section(facts):
    note = facts.notes["d365_partners"]
    assert quote_in_section(facts, note.source, note.quote)
    assert "Delegated Administrator" in section_text(facts, "d365_overview", note.source.section)
    # the Partner Center sentence stands in the plan section, cited as `also`
    also = note.also[0]
    assert "Microsoft partners should use the [Partner Center portal]" in section_text(facts, also.doc, also.section)


def test_row2_in_store_support_is_cited_where_004_has_it(facts):
    zh, en = facts.conflicts["m365_in_store_support"].sides
    assert zh.section == "In-store support" and quote_in_section(facts, Source(zh.doc, zh.section), zh.says)
    assert en.absent and "Microsoft Store" not in clean(document_text(facts, "m365_contact"))


def test_row3_ce_21v_hotline_quotes_the_technical_section(facts):
    phone = next(p for p in facts.phones if p.id == "ce_21v")
    assert phone.source.section == "Assisted technical support through 21Vianet"
    assert "calling the support hotline at +86 400-089-0365" in phone.quote
    assert "The billing and subscription support telephone number is +86 400-089-0365" in \
        section_text(facts, "ce_21v", phone.also[0].section)


@pytest.mark.parametrize("note", ["d365_admin_roles", "d365_how_to_not_break_fix"])
def test_row5_worldwide_dynamics_rules_are_not_said_for_21vianet(facts, router, note):
    """Only the worldwide Support overview (003) states them; 000 and 001 say nothing of the kind."""
    assert facts.notes[note].applies.get("cloud") == frozenset(["worldwide"])
    china = router.route(Query(product="d365_ce", cloud="21v"))
    assert note not in [n.id for n in china.notes]
    worldwide = router.route(Query(product="d365_ce", cloud="worldwide"))
    assert note in [n.id for n in worldwide.notes]
    for doc in ("fo_21v", "ce_21v"):
        text = clean(document_text(facts, doc))
        assert "Power Platform admin roles" not in text and "break-fix" not in text


def test_row5_account_details_note_is_for_worldwide_and_germany_not_21vianet(facts, router):
    assert "Admins, have your account details ready when you call" in \
        section_text(facts, "m365_contact", "Get assisted support")                      # the Germany block
    call_21v = section_text(facts, "m365_contact", "Call support")                        # the 21Vianet block
    assert call_21v and "account details" not in call_21v
    ids = lambda q: [n.id for n in router.route(q).notes]                                 # noqa: E731
    assert "m365_account_details" in ids(Query(product="m365", cloud="worldwide", country="us"))
    assert "m365_account_details" in ids(Query(product="m365", cloud="germany", country="de"))
    assert "m365_account_details" not in ids(Query(product="m365", cloud="21v"))


def test_row8_germany_billing_hours_are_not_said_for_pre_sales(facts, router):
    text = section_text(facts, "m365_contact", "Get assisted support")
    assert "Billing Support:" in text and "Pre-sales" not in text and "pre-sales" not in text
    presales = router.route(Query(product="m365", cloud="germany", country="de", support_type="presales"))
    assert "germany_billing" not in [h.hours.id for h in presales.hours.rows]
    billing = router.route(Query(product="m365", cloud="germany", country="de", support_type="billing"))
    assert [h.hours.id for h in billing.hours.rows] == ["germany_billing"]


def test_row9_lcs_is_the_pages_one_way_to_open_any_request(facts):
    """Proven, not changed: 000's Assisted Support section links "Open a support request" to LCS without
    restricting it to technical issues, and the page names no other online channel, so LCS serves billing
    requests too."""
    portal = next(p for p in facts.portals if p.id == "fo_21v_lcs")
    assert Source("fo_21v", "Assisted Support") in portal.also
    assert "[Open a support request](https://lcs.dynamics.cn/)" in section_text(facts, "fo_21v", "Assisted Support")
    assert clean(document_text(facts, "fo_21v")).count("](https://") == 3    # LCS (twice) and the MSDN forum


@pytest.mark.parametrize("product", ["d365_fo", "d365_ce"])
def test_row10_critical_21vianet_dynamics_clock_runs_round_the_clock(facts, router, product):
    doc = "fo_21v" if product == "d365_fo" else "ce_21v"
    assert "a support representative will work continuously, all day, until the problem is resolved" in \
        clean(document_text(facts, doc))
    critical = router.route(Query(product=product, cloud="21v", severity="critical"))
    assert [r.response.clock for r in critical.response.rows] == ["always"]
    ids = [n.id for n in critical.notes]
    assert "d365_21v_critical_continuous" in ids and "d365_21v_clock" not in ids
    non_critical = router.route(Query(product=product, cloud="21v", severity="non_critical"))
    assert [r.response.clock for r in non_critical.response.rows] == [f"support_hours:{doc}_technical"]
    assert "d365_21v_clock" in [n.id for n in non_critical.notes]


def test_row11_dynamics_hours_follow_the_plan_where_the_table_says_24_7(facts, router):
    """003: "might provide all day, every day assistance for issues of other severity based on your support
    offering"; its response-time table marks Premier Severity B and Unified Standard 24/7."""
    table = section_text(facts, "d365_overview",
                         "What is Initial Response Time, and how quickly can I expect to hear back "
                         "from someone after submitting my support request?")
    assert "Premier: < 2 hours, 24/7" in table and "Unified Core: < 8 hours, 24/7" in table
    assert "ProDirect: < 2 hours <br />Premier" in table                      # ProDirect Sev B: not 24/7

    def hours(**q):
        r = router.route(Query(product="d365_ce", cloud="worldwide", **q))
        return [(h.hours.id, h.hours.schedule.kind) for h in r.hours.rows]
    assert hours(severity="b", plan="premier") == [("d365_ww_technical_premier_b", "always")]
    assert hours(severity="b", plan="prodirect") == [("d365_ww_technical_b", "business_hours")]
    assert hours(severity="standard", plan="unified_core") == [("d365_ww_technical_unified_standard", "always")]
    assert hours(severity="c", plan="premier") == [("d365_ww_technical_other", "business_hours")]
    # a plan-specific exception answers those who name the plan; the general rule mentions it to the rest
    assert hours(severity="b") == [("d365_ww_technical_b", "business_hours")]
    assert "24/7 with Premier" in facts.hours["d365_ww_technical_b"].text.en
    assert [h for h, _ in hours(plan="unified_core")] == ["d365_ww_technical_a", "d365_ww_technical_unified_standard"]


@pytest.mark.parametrize("hours_id", ["m365_ww_billing", "m365_ww_billing_au"])
def test_row7_worldwide_billing_hours_say_the_time_zone_is_not_given(facts, hours_id):
    """002 gives "9 AM-5 PM (9 AM-6 PM in Australia), Monday-Friday" with no zone: the answer says that the
    local-time reading is the assistant's, in both languages."""
    assert "Billing support is provided in English from 9 AM-5 PM (9 AM-6 PM in Australia), Monday-Friday." in \
        section_text(facts, "m365_contact", "Phone support")
    h = facts.hours[hours_id]
    assert h.schedule.tz == "local"
    assert "the page gives no time zone" in h.text.en and "页面未注明时区" in h.text.zh


def test_row6_germany_is_not_inferred_to_mean_office_365_germany(facts):
    assert not [i for i in facts.inferences if i.set.get("cloud") == "germany"]
    intro = section_text(facts, "m365_contact", "Ways to contact support for business products - Admin Help")
    assert "This article applies to customers of Office 365 Germany, which has domains ending onmicrosoft.de" in intro
