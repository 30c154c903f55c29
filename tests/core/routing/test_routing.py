"""Routing answers: inference, ambiguity as data, problems, notes and sources. Missing or ambiguous inputs
produce an "ask for X" result with candidates, never a guessed number."""
import pytest

from core.routing import Query, route
from core.routing.model import NoPhone


def numbers(r):
    return [p.number for p in r.phone.rows if not isinstance(p, NoPhone)]


def test_no_product_asks_for_the_product(router):
    r = router.route(Query())
    assert r.phone.status == "ask" and r.phone.missing.dim == "product"
    assert set(r.phone.missing.candidates) == {"m365", "d365_ce", "d365_fo", "d365_bc", "power_platform", "dynamics_sa"}


def test_m365_without_location_asks_for_the_country(router):
    r = router.route(Query(product="Microsoft 365"))
    assert r.phone.status == "ask" and r.phone.missing.dim == "country"
    assert r.phone.missing.candidates == ("us", "ca", "au", "uk", "de", "cn")


def test_an_unknown_value_is_reported_not_guessed(router):
    r = router.route(Query(product="pizza oven"))
    assert [(p.code, p.dim) for p in r.problems] == [("unknown_value", "product")]
    assert r.phone.status == "ask" and r.query.product is None


def test_a_dynamics_group_asks_which_app_when_portals_differ(router):
    r = router.route(Query(product="Dynamics 365"))
    assert r.portal.status == "ask" and r.portal.missing.dim == "product"
    assert r.portal.missing.candidates == ("d365_ce", "d365_fo", "d365_bc", "power_platform")


def test_two_candidate_answers_are_shown_labelled_not_chosen(router):
    r = router.route(Query(product="m365", country="France"))
    assert r.phone.status == "answer" and numbers(r) == ["+49 69 380 789 305"]
    assert [n.note for n in r.no_phone] == ["m365_number_not_listed"]
    assert "cloud" in r.phone.labels
    labels = [r.row_label("phone", row) for row in r.phone.rows]
    assert {"cloud": ("germany",)} in [{k: v for k, v in lab.items() if k == "cloud"} for lab in labels]


def test_country_implies_cloud_and_back(router):
    r = router.route(Query(product="O365", country="中国"))
    assert r.query.cloud == "china_21v" and r.inferred == {"cloud": "china_21v"}
    r = router.route(Query(product="O365", cloud="世纪互联"))
    assert r.query.country == "cn"
    r = router.route(Query(product="M365", country="UK"))
    assert r.query.cloud == "worldwide" and numbers(r) == ["0800 032 6417"]


@pytest.mark.parametrize("severity", ["Sev A", "B", "严重级别 C"])
def test_a_severity_letter_in_china_means_office_365(router, severity):
    """Only Office 365 operated by 21Vianet grades requests A/B/C there; the Dynamics 365 pages for 21Vianet
    say critical / non-critical, which still leave the product open."""
    r = router.route(Query(cloud="21Vianet", severity=severity))
    assert r.query.product == "m365" and r.inferred.get("product") == "m365"
    assert r.part("response").missing is None
    r = router.route(Query(cloud="21Vianet", severity="non-critical"))
    assert r.query.product is None


def test_a_support_plan_named_alone_means_dynamics_365(router):
    """Only the Dynamics 365 pages name support plans: "Sev B, ProDirect vs Premier?" needs no product."""
    r = router.route(Query(severity="B", plan="ProDirect"))
    assert r.query.product == "d365" and r.inferred.get("product") == "d365"
    assert r.part("response").missing is None and r.part("response").rows
    assert router.route(Query(product="Office 365", plan="Premier")).query.product == "m365"     # named: kept


def test_a_region_is_answered_where_its_countries_agree_and_labelled_where_they_do_not(router):
    """"北美的 D365 营业时间": the Dynamics 365 business hours of North America; the Microsoft 365 numbers of
    its countries, each labelled (the United States and Canada share one; Mexico's is not listed)."""
    r = router.route(Query(product="D365 Sales", country="北美", severity="C"))
    assert r.part("hours").missing is None
    assert {a.business_hours.id for a in r.part("hours").rows if a.business_hours} == {"north_america"}
    r = router.route(Query(product="Office 365", country="North America"))
    assert r.phone.missing is None and set(numbers(r)) == {"1 800 865 9408"} and "country" in r.phone.labels


def test_germany_alone_does_not_mean_office_365_germany(router):
    """A German company may be on the worldwide service, whose page names no German number: both clouds are
    answered, labelled; the Office 365 Germany number always comes with its scope (onmicrosoft.de)."""
    r = router.route(Query(product="Office 365", country="Germany"))
    assert r.query.cloud is None and "cloud" not in r.inferred
    assert numbers(r) == ["0800 589 2330"] and [p.id for p in r.phone.rows] == ["germany_de", "m365_ww_unlisted"]
    assert "cloud" in r.phone.labels
    assert "germany_cloud_scope" in [n.id for n in r.notes]
    germany = router.route(Query(product="Office 365", country="Germany", cloud="Office 365 Germany"))
    assert numbers(germany) == ["0800 589 2330"] and germany.phone.rows[0].alternative == "069 380 789 305"
    assert "germany_cloud_scope" in [n.id for n in germany.notes]
    worldwide = router.route(Query(product="Office 365", country="Germany", cloud="worldwide"))
    assert numbers(worldwide) == [] and [p.id for p in worldwide.phone.rows] == ["m365_ww_unlisted"]


def test_office_365_germany_is_only_for_office_365(router):
    r = router.route(Query(product="Dynamics 365 Finance", cloud="Office 365 Germany"))
    assert ("cloud_product_mismatch", "cloud") in [(p.code, p.dim) for p in r.problems]
    assert r.query.cloud is None


def test_office_365_germany_implies_the_product(router):
    r = router.route(Query(cloud="Office 365 Germany", country="de"))
    assert r.query.product == "m365" and numbers(r) == ["0800 589 2330"]


def test_billing_cannot_be_severity_a_at_21vianet(router):
    r = router.route(Query(product="m365", cloud="21v", support_type="billing", severity="Sev A"))
    assert "billing_max_b" in [p.code for p in r.problems]
    assert r.response.rows == ()
    assert "o365_21v_sev_a_conditions" in [n.id for n in r.notes]


def test_a_level_a_plan_does_not_have(router):
    r = router.route(Query(product="d365_fo", cloud="worldwide", plan="unified_core", severity="c"))
    assert r.response.rows == () and "no_level_for_plan" in [p.code for p in r.problems]


def test_unified_plans_read_severity_a_as_critical(router):
    r = router.route(Query(product="d365_ce", cloud="worldwide", plan="Unified Performance", severity="Sev A"))
    assert [a.response.text.en for a in r.response.rows] == ["Unified Performance: < 30 minutes, 24/7"]


def test_naming_a_support_plan_means_the_worldwide_dynamics_support(router):
    r = router.route(Query(product="Dynamics 365", plan="subscription", severity="b"))
    assert r.inferred == {"cloud": "worldwide"}
    assert [a.response.text.en for a in r.response.rows] == ["Subscription: < 4 hours (business hours)"]


def test_without_a_plan_the_21vianet_variant_is_shown_labelled(router):
    r = router.route(Query(product="Dynamics 365", severity="a"))
    texts = {a.response.text.en for a in r.response.rows}
    assert "Critical business impact: initial response within 1 hour or less" in texts
    assert "Subscription: < 1 hour, 24/7" in texts and "cloud" in r.response.labels


def test_unified_customers_of_dynamics_get_the_portal_of_each_product(router):
    r = router.route(Query(product="Dynamics", plan="Unified"))
    assert r.portal.status == "answer"
    assert [p.url for p in r.portal.rows if p.url] == ["https://admin.powerplatform.microsoft.com", "https://lcs.dynamics.com",
                                                       "https://serviceshub.microsoft.com/"]


def test_too_many_response_rows_ask_for_the_product(router):
    r = router.route(Query(severity="b"))
    assert r.response.status == "ask" and r.response.missing.dim == "product"


def test_technical_support_is_meant_when_unsaid(router):
    r = router.route(Query(product="d365_ce", cloud="21v"))
    assert numbers(r) == ["+86 400-089-0365"]
    assert [p.url for p in r.portal.rows] == ["https://portal.partner.microsoftonline.cn/"]


def test_hours_show_every_support_type_with_labels(router):
    r = router.route(Query(product="m365", cloud="21v"))
    assert r.hours.status == "answer" and len(r.hours.rows) == 4
    assert set(r.hours.labels) >= {"support_type"}


def test_severity_schemes_by_product_and_cloud(router):
    assert [s.id for s in router.route(Query(product="o365", cloud="21v")).severity.rows] == ["o365_21v"]
    assert [s.id for s in router.route(Query(product="d365_fo")).severity.rows] == ["d365", "d365_21v"]
    assert router.route(Query(product="m365", cloud="worldwide")).severity.rows == ()   # the page defines none


def test_notes_by_topic_and_sources(router):
    r = router.route(Query(product="m365", cloud="worldwide"))
    assert [n.id for n in r.notes_for("who_can_open")] == ["m365_admin_only", "m365_not_admin_message"]
    assert [n.id for n in r.notes_for("outage")] == ["m365_service_health_first", "m365_service_health_details"]
    assert [s.doc for s in r.sources_for("portal")] == ["m365_contact", "m365_contact_zh"]   # page and its translation
    assert r.sources


def test_route_needs_an_aware_clock(router):
    import datetime
    import pytest
    with pytest.raises(ValueError):
        router.route(Query(), now=datetime.datetime(2026, 1, 1))


def test_convenience_function_uses_bundled_facts():
    r = route(product="F&O", cloud="21v")
    assert numbers(r) == ["+86 400-089-0365"] and r.portal.rows[0].url == "https://lcs.dynamics.cn/"


@pytest.mark.parametrize("cloud,country,serves", [
    ("germany", "at", True), ("germany", "es", True), ("germany", "de", True),     # the EEA number (002)
    ("germany", "ch", False), ("germany", "us", False),                            # Switzerland is not in the EEA
    ("china_21v", "cn", True), ("china_21v", "hk", False), ("21V", "de", False),
    ("worldwide", "us", True),
])
def test_which_countries_a_cloud_serves(router, cloud, country, serves):
    assert router.cloud_serves(cloud, country) is serves
