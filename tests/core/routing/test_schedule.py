"""Open-now and response deadlines on a fixed clock: weekdays, weekends, China's holidays and adjusted
working Saturdays (调休), midnight edges, Pacific / Berlin / Tokyo hours, business-day and business-hour counting."""
from datetime import datetime, timezone

import pytest

from core.routing import Query
from core.routing import schedule as sched
from core.routing.model import Duration

from .conftest import at


def status(router, hours_id, now, country=None, user_tz=None):
    f = router.facts
    c = f.vocab["countries"][country] if country else None
    return sched.line_status(sched.resolve(f.hours[hours_id].schedule, f, c, user_tz), now)


def bh_status(router, country, now):
    f = router.facts
    return sched.line_status(sched.resolve(sched.Schedule("business_hours"), f, f.vocab["countries"][country], None),
                             now)


# ------------------------------------------------------------------------------------------------ open now
def test_weekday_open_weekend_closed(router):
    s = status(router, "ce_21v_billing", at("2026-11-23 10:00"))          # Monday
    assert s.open is True and s.closes_at == at("2026-11-23 18:00")
    s = status(router, "ce_21v_billing", at("2026-11-21 10:00"))          # Saturday
    assert s.open is False and s.reason == "closed_day" and s.next_open == at("2026-11-23 09:00")


def test_chinese_public_holiday_closes_working_day_lines(router):
    s = status(router, "fo_21v_billing", at("2026-10-01 10:00"))          # National Day, a Thursday
    assert s.open is False and s.holiday == "National Day"
    assert s.next_open == at("2026-10-08 09:00")                          # first working day after the Golden Week
    assert status(router, "fo_21v_technical", at("2026-10-01 10:00")).open is True   # "everyday" line stays open


@pytest.mark.parametrize("hours_id", ["fo_21v_billing", "ce_21v_billing", "ce_21v_technical"])
def test_an_adjusted_working_saturday_stays_closed_as_the_pages_say(router, hours_id):
    """000: "on working days (weekends and public holidays excluded)"; 001: "Monday through Friday". China
    works Saturday 10 Oct 2026 in lieu (调休), but neither page opens its line on a weekend."""
    s = status(router, hours_id, at("2026-10-10 10:00"))
    assert s.open is False and s.next_open == at("2026-10-12 09:00")
    assert status(router, hours_id, at("2026-10-09 10:00")).open is True       # the Friday before


@pytest.mark.parametrize("hours_id", ["fo_21v_technical", "o365_21v_technical_bc"])
def test_nine_to_twenty_four_midnight_edge(router, hours_id):
    before = status(router, hours_id, at("2026-11-23 23:59"))
    assert before.open is True and before.closes_at == at("2026-11-24 00:00")
    after = status(router, hours_id, at("2026-11-24 00:00"))
    assert after.open is False and after.next_open == at("2026-11-24 09:00")
    assert status(router, hours_id, at("2026-11-24 08:59")).open is False
    assert status(router, hours_id, at("2026-11-24 09:00")).open is True


def test_pacific_business_hours_for_north_america(router):
    assert bh_status(router, "us", at("2026-11-23 05:59", "America/Los_Angeles")).open is False
    assert bh_status(router, "us", at("2026-11-23 06:00", "America/Los_Angeles")).open is True
    assert bh_status(router, "ca", at("2026-11-23 17:59", "America/Los_Angeles")).open is True
    s = bh_status(router, "us", at("2026-11-23 18:00", "America/Los_Angeles"))
    assert s.open is False and s.next_open == at("2026-11-24 06:00", "America/Los_Angeles")
    # 06:00 Pacific seen from New York is 09:00
    assert bh_status(router, "us", at("2026-11-23 09:00", "America/New_York")).open is True
    s = bh_status(router, "us", at("2026-11-26 10:00", "America/Los_Angeles"))   # Thanksgiving
    assert s.open is False and s.holiday == "Thanksgiving Day"


def test_berlin_hours_follow_berlin_clock_in_summer_and_winter(router):
    assert status(router, "germany_billing", at("2026-11-23 08:59", "Europe/Berlin")).open is False
    assert status(router, "germany_billing", at("2026-11-23 09:00", "Europe/Berlin")).open is True
    # summer: 09:00 Berlin is 07:00 UTC (UTC+2), not 08:00 as "UTC+1" would say
    summer = datetime(2026, 7, 6, 7, 0, tzinfo=timezone.utc)
    assert status(router, "germany_billing", summer).open is True
    assert status(router, "germany_billing", summer.replace(hour=6, minute=59)).open is False


def test_tokyo_business_hours(router):
    assert bh_status(router, "jp", at("2026-11-24 17:29", "Asia/Tokyo")).open is True
    assert bh_status(router, "jp", at("2026-11-24 17:30", "Asia/Tokyo")).open is False


def test_default_business_hours_use_the_countrys_zone_and_holidays(router):
    assert bh_status(router, "de", at("2026-12-25 10:00", "Europe/Berlin")).holiday == "Christmas Day"
    assert bh_status(router, "de", at("2026-12-28 10:00", "Europe/Berlin")).open is True


def test_always_open_lines(router):
    s = status(router, "m365_ww_technical", at("2026-10-01 03:00"))
    assert s.open is True and s.reason == "always"


def test_local_time_hours_need_the_callers_zone(router):
    assert status(router, "m365_ww_billing", at("2026-11-23 10:00", "America/New_York"),
                  country="us").reason == "needs_timezone"
    s = status(router, "m365_ww_billing", at("2026-11-23 10:00", "America/New_York"), country="us",
               user_tz="America/New_York")
    assert s.open is True and s.closes_at == at("2026-11-23 17:00", "America/New_York")
    uk = status(router, "m365_ww_billing", at("2026-11-23 17:00", "Europe/London"), country="uk")   # one zone
    assert uk.open is False and uk.next_open == at("2026-11-24 09:00", "Europe/London")


def test_hours_without_clock_times_still_know_closed_days(router):
    s = status(router, "o365_21v_billing", at("2026-11-22 10:00"))        # Sunday
    assert s.open is False and s.next_open_day.isoformat() == "2026-11-23"
    s = status(router, "o365_21v_billing", at("2026-11-23 10:00"))        # Monday: the page gives no clock times
    assert s.open is None and s.reason == "no_clock_times"


# ------------------------------------------------------------------------------------------------ deadlines
def due(router, response_id, now, country=None, user_tz=None):
    r = router.route(Query(**_query_for(router, response_id, country)), now=now, user_tz=user_tz)
    return next(a.due for a in r.response.rows if a.response.id == response_id)


def _query_for(router, response_id, country):
    row = next(r for r in router.facts.response_times if r.id == response_id)
    q = {d: next(iter(v)) for d, v in row.applies.allowed.items() if v is not None and len(v) == 1}
    q["severity"] = router.facts.schemes[row.scheme].level(row.level).id
    if country:
        q["country"] = country
    return q


def test_business_days_skip_the_weekend(router):
    assert due(router, "o365_21v_b", at("2026-11-20 15:00")).at == at("2026-11-23 15:00")     # Fri -> Mon
    assert due(router, "o365_21v_c", at("2026-11-20 15:00")).at == at("2026-11-25 15:00")     # Fri -> Wed


def test_business_days_skip_a_public_holiday_and_count_adjusted_saturdays(router):
    assert due(router, "o365_21v_b", at("2026-09-30 10:00")).at == at("2026-10-08 10:00")     # over National Day
    assert due(router, "o365_21v_b", at("2026-10-09 10:00")).at == at("2026-10-10 10:00")     # Sat 10 Oct is worked
    # over Mid-autumn (25-27 Sep)
    assert due(router, "o365_21v_c", at("2026-09-24 11:00")).at == at("2026-09-30 11:00")
    # Golden Week, then 8, 9, Sat 10
    assert due(router, "o365_21v_c", at("2026-09-30 11:00")).at == at("2026-10-10 11:00")


def test_business_days_from_a_non_working_day_start_at_the_next_working_day(router):
    assert due(router, "o365_21v_b", at("2026-11-21 10:00")).at == at("2026-11-24 00:00")     # Sat -> end of Mon


def test_twenty_four_seven_deadline(router):
    assert due(router, "o365_21v_a", at("2026-11-21 03:00")).at == at("2026-11-21 04:00")


def test_non_critical_hours_counted_within_support_hours(router):
    assert due(router, "ce_21v_non_critical", at("2026-11-23 15:00")).at == at("2026-11-24 14:00")   # 3h Mon + 5h Tue
    assert due(router, "fo_21v_non_critical", at("2026-11-23 23:30")).at == at("2026-11-24 16:30")   # 30 min + 7h30
    assert due(router, "ce_21v_non_critical", at("2026-09-30 17:30")).at == at("2026-10-08 16:30")   # over the holiday


def test_critical_21vianet_dynamics_cases_are_worked_continuously(router):
    """000 and 001: "a support representative will work continuously, all day": the hour runs round the
    clock, also outside the hotline's hours, at night, on a Friday evening and over a holiday."""
    assert due(router, "fo_21v_critical", at("2026-11-23 23:30")).at == at("2026-11-24 00:30")
    assert due(router, "ce_21v_critical", at("2026-11-20 20:00")).at == at("2026-11-20 21:00")        # Friday evening
    assert due(router, "ce_21v_critical", at("2026-09-30 17:30")).at == at("2026-09-30 18:30")


def test_business_hours_deadline_across_a_weekend_and_thanksgiving(router):
    pt = "America/Los_Angeles"
    assert due(router, "d365_b_subscription", at("2026-11-20 16:00", pt), country="us").at == at("2026-11-23 08:00", pt)
    assert due(router, "d365_b_subscription", at("2026-11-25 16:00", pt), country="us").at == at("2026-11-27 08:00", pt)


def test_business_hours_deadline_needs_the_country(router):
    d = due(router, "d365_b_subscription", at("2026-11-20 16:00", "America/Los_Angeles"))
    assert d.at is None and d.reason == "needs_country"


def test_years_without_holiday_data_are_marked_estimated(router):
    d = due(router, "o365_21v_b", at("2026-12-31 10:00"))
    assert d.at == at("2027-01-04 10:00") and d.estimated     # 2027 schedule not in chinese-calendar yet
    assert not due(router, "o365_21v_b", at("2026-11-20 10:00")).estimated


def test_add_working_time_rejects_nothing_silently(router):
    r = sched.resolve(router.facts.hours["ce_21v_technical"].schedule, router.facts, None, None)
    at_, est = sched.add_working_time(r, at("2026-11-23 17:00"), 60)
    assert at_ == at("2026-11-23 18:00") and not est          # exactly at closing time
    assert sched.due_at("always", Duration(30, "minutes"), None, at("2026-11-23 17:00")).at == at("2026-11-23 17:30")
