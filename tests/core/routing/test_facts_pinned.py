"""Every fact pinned to the documents: numbers, portals, hours, response-time cells, each with its source.

The expectations below were typed from the five source pages independently of facts.yml; `verify()` then
checks that every quote, heading, URL and number in facts.yml occurs in the cited document.
"""
import hashlib
from pathlib import Path

import pytest

from core.routing.sources import SOURCES_DIR, verify
from core.routing.model import NoPhone

ROOT = Path(__file__).resolve().parents[3]
DOC = {"000": "fo_21v", "001": "ce_21v", "002": "m365_contact", "003": "d365_overview", "004": "m365_contact_zh"}


def test_every_quote_heading_url_and_number_occurs_in_its_document(facts):
    assert verify(facts) == []


def test_vendored_sources_are_the_seed_documents():
    seeds = ROOT.parent / "shared" / "seeds"
    sums = dict(line.split()[::-1] for line in (SOURCES_DIR / "SHA256SUMS").read_text().splitlines())
    for name, digest in sums.items():
        data = (SOURCES_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        if seeds.is_dir():   # beside a workspace checkout, the copies must still match the originals
            assert (seeds / name).read_bytes() == data, name
    assert len(sums) == 5


def test_documents_have_titles_dates_and_files(facts):
    assert {d.file[:3] for d in facts.documents.values()} == set(DOC)
    assert facts.documents["m365_contact_zh"].translation_of == "m365_contact"
    assert str(facts.documents["m365_contact"].date) == "2020-07-28"
    assert str(facts.documents["m365_contact_zh"].date) == "2020-05-27"


# ------------------------------------------------------------------------------------------------ phones
PHONES = [
    # (product, cloud, country, support_type) -> number as said, doc, section
    (("m365", "worldwide", "us", "technical"), "1 800 865 9408", "002", "Phone support"),
    (("m365", "worldwide", "ca", "billing"), "1 800 865 9408", "002", "Phone support"),
    (("m365", "worldwide", "au", "technical"), "1 800 197 503", "002", "Phone support"),
    (("m365", "worldwide", "uk", "billing"), "0800 032 6417", "002", "Phone support"),
    (("m365", "germany", "de", "technical"), "0800 589 2330", "002", "Get assisted support"),
    (("m365", "germany", "fr", "billing"), "+49 69 380 789 305", "002", "Get assisted support"),
    (("m365", "china_21v", None, "technical"), "+86 400-089-0365", "002", "Call support"),
    (("m365", "china_21v", None, "presales"), "+86 400-089-0365", "002", "Call support"),
    (("d365_fo", "china_21v", None, "technical"), "+86 400-089-0365", "000", "Support hotline"),
    (("d365_ce", "china_21v", None, "billing"), "+86 400-089-0365", "001",
        "Assisted technical support through 21Vianet"),
    (("d365_ce", "china_21v", None, "presales"), "+86 400-886-6134", "001", "Presales support"),
]


@pytest.mark.parametrize("query,number,doc,section", PHONES, ids=[f"{q[0]}-{q[1]}-{q[2]}-{q[3]}" for q, *_ in PHONES])
def test_phone_numbers(router, query, number, doc, section):
    product, cloud, country, support_type = query
    r = router.route(_q(product=product, cloud=cloud, country=country, support_type=support_type))
    numbers = [p for p in r.phone.rows if not isinstance(p, NoPhone)]
    assert r.phone.status == "answer"
    assert [p.number for p in numbers] == [number]
    assert numbers[0].source.doc == DOC[doc] and numbers[0].source.section == section


def test_the_eight_written_numbers_are_seven_lines(facts):
    written = {p.number for p in facts.phones} | {p.written for p in facts.phones if p.written} | \
              {p.alternative for p in facts.phones if p.alternative}
    assert written == {"1 800 865 9408", "1 800 197 503", "0800 032 6417", "0800 589 2330", "069 380 789 305",
                       "+49 69 380 789 305", "+86 400-089-0365", "+86 400-886-6134", "(86) 400-089-0365"}
    assert len(written - {"(86) 400-089-0365"}) == 8          # the page's "(86)" form is the +86 line again
    lines = {p.e164 for p in facts.phones} | {p.alternative_e164 for p in facts.phones if p.alternative_e164}
    assert lines == {"+18008659408", "+611800197503", "+448000326417", "+498005892330", "+4969380789305",
                     "+864000890365", "+864008866134"}
    germany = next(p for p in facts.phones if p.id == "germany_de")
    assert germany.alternative == "069 380 789 305" and germany.alternative_e164 == "+4969380789305"


def test_places_without_a_listed_number_say_so_instead_of_guessing(router):
    for query, note in [(_q(product="d365_ce", cloud="worldwide"), "d365_phone_not_faster"),
                        (_q(product="d365_bc"), "bc_partners_only"),
                        (_q(product="m365", country="jp"), "m365_number_not_listed")]:
        r = router.route(query)
        assert [p for p in r.phone.rows if not isinstance(p, NoPhone)] == []
        assert [n.note for n in r.no_phone] == [note]


# ------------------------------------------------------------------------------------------------ portals
PORTALS = [
    (dict(product="m365", cloud="worldwide"), "https://admin.microsoft.com", "002"),
    (dict(product="m365", cloud="china_21v"), None, "002"),            # "Support > New service request", no URL given
    (dict(product="m365", cloud="germany"), None, "002"),
    (dict(product="d365_fo", cloud="china_21v"), "https://lcs.dynamics.cn/", "000"),
    (dict(product="d365_ce", cloud="china_21v", support_type="technical"),
        "https://portal.partner.microsoftonline.cn/", "001"),
    (dict(product="d365_ce", cloud="china_21v", support_type="billing"), "https://admin.microsoft.com", "001"),
    (dict(product="d365_ce", cloud="worldwide", plan="subscription"), "https://admin.powerplatform.microsoft.com",
        "003"),
    (dict(product="power_platform", plan="prodirect"), "https://admin.powerplatform.microsoft.com", "003"),
    (dict(product="d365_fo", cloud="worldwide", plan="subscription"), "https://lcs.dynamics.com", "003"),
    (dict(product="d365_bc"), None, "003"),                            # partners only (CSP)
    (dict(product="dynamics_sa", plan="software_assurance"),
        "https://support.microsoft.com/supportforbusiness/productselection", "003"),
    (dict(product="dynamics_sa", plan="advantage"),
        "https://support.microsoft.com/supportforbusiness/productselection", "003"),
    (dict(product="dynamics_sa", plan="unified_core"), "https://serviceshub.microsoft.com/", "003"),
    (dict(product="d365_ce", cloud="worldwide", support_type="billing"), "https://portal.office.com/", "003"),
]


@pytest.mark.parametrize("query,url,doc", PORTALS, ids=[str(sorted(q.items())) for q, *_ in PORTALS])
def test_portals(router, query, url, doc):
    r = router.route(_q(**query))
    assert r.portal.status == "answer"
    assert [p.url for p in r.portal.rows][:1] == [url]
    assert r.portal.rows[0].source.doc == DOC[doc]


def test_premier_customers_also_get_premier_online(router):
    r = router.route(_q(product="d365_ce", cloud="worldwide", plan="premier"))
    assert [p.url for p in r.portal.rows] == ["https://admin.powerplatform.microsoft.com",
        "https://support.microsoft.com/premier"]


# ------------------------------------------------------------------------------------------------ hours
HOURS = [
    # id, (weekdays or "all"/"always"), start, end, tz, calendar, words that must be in the en text, doc
    ("fo_21v_technical", "all", "09:00", "24:00", "Asia/Shanghai", "none", ["9:00", "24:00", "every day"], "000"),
    ("fo_21v_billing", "mon-fri", "09:00", "18:00", "Asia/Shanghai", "cn_workdays", ["9:00", "18:00",
        "working days"], "000"),
    ("ce_21v_technical", "mon-fri", "09:00", "18:00", "Asia/Shanghai", "cn_workdays", ["Monday through Friday",
        "9:00", "18:00"], "001"),
    ("ce_21v_billing", "mon-fri", "09:00", "18:00", "Asia/Shanghai", "cn_workdays", ["Monday through Friday", "9:00",
        "18:00"], "001"),
    ("ce_21v_presales", "mon-fri", "09:00", "18:00", "Asia/Shanghai", "cn_workdays", ["Monday through Friday"], "001"),
    ("o365_21v_technical_a", "always", None, None, None, None, ["24×7"], "002"),
    ("o365_21v_technical_bc", "all", "09:00", "24:00", "Asia/Shanghai", "none", ["9:00", "24:00", "365 days"], "002"),
    ("o365_21v_billing", "mon-fri", None, None, "Asia/Shanghai", "cn_workdays", ["Beijing Time",
        "Monday through Friday"], "002"),
    ("o365_21v_presales", "mon-fri", None, None, "Asia/Shanghai", "cn_workdays", ["Monday through Friday"], "002"),
    ("m365_ww_technical", "always", None, None, None, None, ["English", "24 hours a day, 7 days a week"], "002"),
    ("m365_ww_billing", "mon-fri", "09:00", "17:00", "local", "none", ["English", "9 AM-5 PM", "Monday-Friday"], "002"),
    ("m365_ww_billing_au", "mon-fri", "09:00", "18:00", "local", "none", ["9 AM-6 PM", "Australia"], "002"),
    ("germany_technical", "always", None, None, None, None, ["German and English", "24 hours a day"], "002"),
    ("germany_billing", "mon-fri", "09:00", "17:00", "Europe/Berlin", "none", ["German and English",
        "Mon-Fri 9-5 Berlin"], "002"),
    ("d365_ww_technical_a", "always", None, None, None, None, ["Severity A", "24/7"], "003"),
    ("d365_ww_technical_premier_b", "always", None, None, None, None, ["Severity B", "Premier", "24/7"], "003"),
    ("d365_ww_technical_unified_standard", "always", None, None, None, None, ["Standard", "Unified", "24/7"], "003"),
    # the two business-hours rows of the Dynamics overview follow the region's business hours, not a clock
    ("d365_ww_technical_b", "business", None, None, None, None, ["Severity B", "business hours", "Premier"], "003"),
    ("d365_ww_technical_other", "business", None, None, None, None, ["Severity C", "business hours"], "003"),
]
# the Chinese text of rows whose clock is written in words ("上午 9 点") rather than as 9:00
ZH_WORDS = {
    "m365_ww_technical": ["英语", "全天候"],
    "m365_ww_billing": ["英语", "星期一到星期五", "上午 9 点", "下午 5 点"],
    "m365_ww_billing_au": ["澳大利亚", "星期一到星期五", "上午 9 点", "下午 6 点"],
    "germany_technical": ["德语和英语", "全天候"],
    "germany_billing": ["德语和英语", "周一至周五", "上午 9 点", "下午 5 点", "柏林时间"],
    "d365_ww_technical_b": ["严重级别 B", "营业时间", "Premier"],
    "d365_ww_technical_other": ["严重级别 C", "营业时间"],
}
WEEK = {"all": {0, 1, 2, 3, 4, 5, 6}, "mon-fri": {0, 1, 2, 3, 4}}


def _hm(m):
    return None if m is None else f"{m // 60:02d}:{m % 60:02d}"


@pytest.mark.parametrize("hid,days,start,end,tz,calendar,words,doc", HOURS, ids=[h[0] for h in HOURS])
def test_hours_statements(facts, hid, days, start, end, tz, calendar, words, doc):
    h = facts.hours[hid]
    assert h.source.doc == DOC[doc]
    if days in ("always", "business"):
        assert h.schedule.kind == {"always": "always", "business": "business_hours"}[days]
    else:
        s = h.schedule
        assert (set(s.days), _hm(s.start), _hm(s.end), s.tz, s.calendar) == (WEEK[days], start, end, tz, calendar)
    for w in words:
        assert w in h.text.en, (w, h.text.en)
    for w in ZH_WORDS.get(hid, ()):
        assert w in h.text.zh, (w, h.text.zh)
    if hid not in ZH_WORDS:
        for t in (start, end):
            if t:
                assert t.lstrip("0") in h.text.zh or t in h.text.zh, h.text.zh


def test_every_hours_statement_is_covered(facts):
    assert set(facts.hours) == {h[0] for h in HOURS}


BUSINESS_HOURS = [("north_america", "06:00", "18:00", "America/Los_Angeles", "holidays"),
                  ("japan", "09:00", "17:30", "Asia/Tokyo", "none"),
                  ("default", "09:00", "17:00", "local", "holidays")]


@pytest.mark.parametrize("bid,start,end,tz,calendar", BUSINESS_HOURS)
def test_business_hours_by_region(facts, bid, start, end, tz, calendar):
    b = next(b for b in facts.business_hours if b.id == bid)
    assert (_hm(b.schedule.start), _hm(b.schedule.end), b.schedule.tz, b.schedule.calendar) == (start, end, tz,
        calendar)
    assert b.source.doc == "d365_overview"


def test_language_availability(facts):
    langs = {ls.id: ls for ls in facts.language_support}
    assert langs["english"].languages == ("en",) and "all day, every day" in langs["english"].text.en
    assert langs["japanese"].regions == ("japan",)
    assert set(langs["european"].languages) == {"es", "fr", "de", "it", "pt"} and langs["european"].regions == ("emea",)
    assert langs["south_america"].languages == ("es", "pt")
    assert set(langs["chinese"].languages) == {"zh-Hant", "zh-Hans"} and langs["chinese"].regions == ("apac",)
    assert "severity" in facts.language_meta["footnote"].en


# ------------------------------------------------------------------------------------------------ response times
RESPONSE = [
    # (scheme, level, plan) -> value, unit, clock, doc
    ("o365_21v", "a", None, 1, "hours", "always", "002"),
    ("o365_21v", "b", None, 1, "business_days", "cn_business_days", "002"),
    ("o365_21v", "c", None, 3, "business_days", "cn_business_days", "002"),
    ("d365", "critical", "unified_core", 1, "hours", "always", "003"),
    ("d365", "critical", "unified_advanced", 1, "hours", "always", "003"),
    ("d365", "critical", "unified_performance", 30, "minutes", "always", "003"),
    ("d365", "a", "subscription", 1, "hours", "always", "003"),
    ("d365", "a", "prodirect", 1, "hours", "always", "003"),
    ("d365", "a", "premier", 1, "hours", "always", "003"),
    ("d365", "b", "subscription", 4, "hours", "business_hours", "003"),
    ("d365", "b", "prodirect", 2, "hours", "business_hours", "003"),
    ("d365", "b", "premier", 2, "hours", "always", "003"),
    ("d365", "standard", "unified_core", 8, "hours", "always", "003"),
    ("d365", "standard", "unified_advanced", 4, "hours", "always", "003"),
    ("d365", "standard", "unified_performance", 4, "hours", "always", "003"),
    ("d365", "c", "subscription", 8, "hours", "business_hours", "003"),
    ("d365", "c", "prodirect", 4, "hours", "business_hours", "003"),
    ("d365", "c", "premier", 4, "hours", "business_hours", "003"),
    ("d365_21v", "critical", "fo", 1, "hours", "always", "000"),
    ("d365_21v", "non_critical", "fo", 8, "hours", "support_hours:fo_21v_technical", "000"),
    ("d365_21v", "critical", "ce", 1, "hours", "always", "001"),
    ("d365_21v", "non_critical", "ce", 8, "hours", "support_hours:ce_21v_technical", "001"),
]


@pytest.mark.parametrize("scheme,level,plan,value,unit,clock,doc", RESPONSE,
    ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in RESPONSE])
def test_response_time_cells(facts, scheme, level, plan, value, unit, clock, doc):
    rows = [r for r in facts.response_times if r.scheme == scheme and r.level == level and r.source.doc == DOC[doc]
            and (plan in (None, "fo", "ce") or r.applies.get("plan") == frozenset([plan]))
            and (plan not in ("fo", "ce") or r.applies.get("product") == frozenset([f"d365_{plan}"]))]
    assert len(rows) == 1
    r = rows[0]
    assert (r.duration.value, r.duration.unit, r.clock) == (value, unit, clock)
    shown = {"minutes": "minute", "hours": "hour", "business_days": "business day"}[unit]
    assert f"{value} {shown}" in r.text.en


def test_every_response_cell_is_covered(facts):
    assert len(facts.response_times) == len(RESPONSE)


def test_severity_definitions_and_examples(facts):
    o = facts.schemes["o365_21v"]
    assert [lv.id for lv in o.levels] == ["a", "b", "c"]
    assert [len(lv.examples["en"]) for lv in o.levels] == [3, 2, 2]
    assert [len(lv.examples["zh"]) for lv in o.levels] == [3, 2, 2]
    assert "aren't accessible or are unusable" in o.level("a").definition.en
    assert "影响很小" in o.level("c").definition.zh
    d = facts.schemes["d365"]
    assert [lv.id for lv in d.levels] == ["critical", "a", "b", "standard", "c"]
    assert "immediate attention" in d.level("a").definition.en


# ------------------------------------------------------------------------------------------------ conflicts
def test_sev_b_conflict_newer_english_page_wins(facts):
    c = facts.conflicts["o365_21v_sev_b_response"]
    assert c.winner == "m365_contact" and c.rule == "newer_document"
    zh_side = next(s for s in c.sides if s.doc == "m365_contact_zh")
    assert "1 小时或更快" in zh_side.says
    b = next(r for r in facts.response_times if r.id == "o365_21v_b")
    assert b.conflict == c.id and b.text.en == "1 business day or less" and "1 个工作日" in b.text.zh
    assert facts.documents[c.winner].date > facts.documents["m365_contact_zh"].date


def test_presales_number_conflict_labelled_number_wins(facts, router):
    c = facts.conflicts["ce_21v_presales_number"]
    assert c.rule == "specific_over_general" and "+86 400-886-6134" in c.why.en
    r = router.route(_q(product="d365_ce", cloud="china_21v", support_type="presales"))
    row = r.phone.rows[0]
    assert row.number == "+86 400-886-6134" and row.alternative == "+86 400-089-0365"
    assert c in r.conflicts


def test_every_fact_row_records_its_source(facts):
    rows = list(facts.phones) + list(facts.no_phone) + list(facts.portals) + list(facts.hours.values()) + \
        list(facts.response_times) + list(facts.notes.values())
    for row in rows:
        assert row.source.doc in facts.documents and row.source.section, row.id


def _q(**kw):
    from core.routing import Query
    return Query(**{k: v for k, v in kw.items() if v is not None})
