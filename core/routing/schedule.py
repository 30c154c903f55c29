"""Is a line open at a given moment, when does it next open, and when is a first response due?

Times are aware datetimes; schedules are evaluated in their own zone (zoneinfo). "24:00" closes at the
midnight that ends the day, so 23:59 is open and 00:00 is not. Calendars:
  none         the listed weekdays (the page excludes no holidays)
  cn_workdays  the listed weekdays that are China's official working days: public holidays and the rest days
               around them closed; an adjusted working weekend (调休) stays closed, as the pages exclude weekends
  holidays     the listed weekdays minus the caller's country's public holidays
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator, Optional, Tuple
from zoneinfo import ZoneInfo

from .calendars import cn_workday, public_holiday
from .model import BusinessHours, Duration, Facts, Schedule, Term

SEARCH_DAYS = 60          # longest closure we look past (Spring Festival is ~9 days)


@dataclass(frozen=True)
class Resolved:
    """A schedule pinned to a concrete zone and holiday calendar for one caller."""
    schedule: Schedule
    tz: Optional[ZoneInfo]              # None for "always"
    holiday_country: Optional[str] = None
    business_hours: Optional[BusinessHours] = None   # set when the schedule was "local business hours"

    @property
    def always(self) -> bool:
        return self.schedule.kind == "always"


@dataclass(frozen=True)
class Unresolved:
    """Why a schedule can't be pinned down for this caller (the dialogue can ask for it)."""
    needs: str                          # "country" | "timezone"


def resolve(schedule: Schedule, facts: Facts, country: Optional[Term], user_tz: Optional[str]):
    """Pin a schedule to a zone: its own, the caller's country's, or the caller's (for "local")."""
    bh = None
    if schedule.kind == "always":
        return Resolved(schedule, None)
    if schedule.kind == "business_hours":
        if country is None:
            return Unresolved("country")
        bh = next(b for b in facts.business_hours if not b.regions or set(b.regions) & set(country.regions))
        schedule = bh.schedule
    if schedule.tz == "local":
        zone = (country.tz if country is not None and country.tz else None) or user_tz
        if zone is None:
            return Unresolved("timezone")
    else:
        zone = schedule.tz
    holiday_country = country.holidays if (schedule.calendar == "holidays" and country is not None) else None
    return Resolved(schedule, ZoneInfo(zone), holiday_country, bh)


# ------------------------------------------------------------------------------------------------ days
@dataclass(frozen=True)
class DayInfo:
    open: bool
    estimated: bool = False             # calendar data for that year was missing (China after the library's range)
    holiday: Optional[str] = None


def day_info(r: Resolved, day: date) -> DayInfo:
    s = r.schedule
    if day.weekday() not in s.days:
        return DayInfo(False)
    if s.calendar == "cn_workdays":
        is_work, estimated, name = cn_workday(day)
        return DayInfo(is_work, estimated, None if is_work else name)
    if s.calendar == "holidays" and r.holiday_country:
        name = public_holiday(r.holiday_country, day)
        if name:
            return DayInfo(False, False, name)
    return DayInfo(True)


def _interval(r: Resolved, day: date) -> Tuple[datetime, datetime]:
    midnight = datetime.combine(day, time(0), tzinfo=r.tz)
    return midnight + timedelta(minutes=r.schedule.start), midnight + timedelta(minutes=r.schedule.end)


def _intervals_from(r: Resolved, moment: datetime) -> Iterator[Tuple[datetime, datetime, DayInfo]]:
    """Open intervals that end after `moment`, in order (clock schedules only)."""
    day = moment.astimezone(r.tz).date() - timedelta(days=1)      # yesterday's interval may run past midnight
    for offset in range(SEARCH_DAYS + 2):
        d = day + timedelta(days=offset)
        info = day_info(r, d)
        if not info.open:
            continue
        start, end = _interval(r, d)
        if end > moment:
            yield start, end, info


# ------------------------------------------------------------------------------------------------ status
@dataclass(frozen=True)
class LineStatus:
    open: Optional[bool]                # None: can't tell (no clock times on the page, or zone unknown)
    # always | open | closed | closed_day | no_clock_times | needs_country | needs_timezone
    reason: str
    local_now: Optional[datetime] = None
    closes_at: Optional[datetime] = None
    next_open: Optional[datetime] = None
    next_open_day: Optional[date] = None    # when the page gives days but no clock times
    holiday: Optional[str] = None       # why today is closed, when a holiday is the reason
    estimated: bool = False
    tz: Optional[str] = None


def line_status(resolved, now: datetime) -> LineStatus:
    if isinstance(resolved, Unresolved):
        return LineStatus(None, f"needs_{resolved.needs}")
    if resolved.always:
        return LineStatus(True, "always", local_now=now)
    local = now.astimezone(resolved.tz)
    tzname = resolved.tz.key
    today = day_info(resolved, local.date())
    if not resolved.schedule.has_clock:
        if today.open:
            return LineStatus(None, "no_clock_times", local, estimated=today.estimated, tz=tzname)
        nxt = next((local.date() + timedelta(days=i) for i in range(1, SEARCH_DAYS)
                    if day_info(resolved, local.date() + timedelta(days=i)).open), None)
        return LineStatus(False, "closed_day", local, next_open_day=nxt, holiday=today.holiday,
                          estimated=today.estimated, tz=tzname)
    estimated = today.estimated
    for start, end, info in _intervals_from(resolved, now):
        estimated = estimated or info.estimated
        if start <= now < end:
            return LineStatus(True, "open", local, closes_at=end.astimezone(resolved.tz), estimated=estimated,
                              tz=tzname)
        return LineStatus(False, "closed" if today.open else "closed_day", local,
                          next_open=start.astimezone(resolved.tz),
                          holiday=today.holiday, estimated=estimated, tz=tzname)
    return LineStatus(False, "closed_day", local, holiday=today.holiday, estimated=estimated, tz=tzname)


# ------------------------------------------------------------------------------------------------ deadlines
@dataclass(frozen=True)
class Due:
    at: Optional[datetime]
    reason: str                         # ok | needs_country | needs_timezone
    estimated: bool = False


def add_working_time(resolved: Resolved, start: datetime, minutes: int) -> Tuple[datetime, bool]:
    """`start` plus `minutes` of open time of the schedule (the clock stops while the line is closed)."""
    if resolved.always:
        return start + timedelta(minutes=minutes), False
    remaining = timedelta(minutes=minutes)
    estimated = False
    moment = start
    while True:
        progressed = False
        for open_at, close_at, info in _intervals_from(resolved, moment):
            estimated = estimated or info.estimated
            begin = max(open_at, moment)
            if begin + remaining <= close_at:
                return (begin + remaining).astimezone(resolved.tz), estimated
            remaining -= close_at - begin
            moment = close_at
            progressed = True
        if not progressed:
            raise ValueError("schedule never opens in the search window")


def add_cn_business_days(start: datetime, days: int) -> Tuple[datetime, bool]:
    """Same clock time on the `days`-th China working day after the start; a request opened on a non-working
    day starts counting at 00:00 of the next working day (so "1 business day" then ends at the end of it)."""
    tz = ZoneInfo("Asia/Shanghai")
    local = start.astimezone(tz)
    day, estimated = local.date(), False
    is_work, est, _ = cn_workday(day)
    estimated |= est
    clock = local.timetz().replace(tzinfo=None)
    if not is_work:
        clock = time(0)
        while True:
            day += timedelta(days=1)
            is_work, est, _ = cn_workday(day)
            estimated |= est
            if is_work:
                break
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        is_work, est, _ = cn_workday(day)
        estimated |= est
        counted += is_work
    return datetime.combine(day, clock, tzinfo=tz), estimated


def due_at(clock: str, duration: Duration, resolved, now: datetime) -> Due:
    """When a first response is due for a request opened at `now` (see ResponseTime.clock)."""
    if clock == "always":
        return Due(now + timedelta(minutes=duration.minutes), "ok")
    if clock == "cn_business_days":
        at, est = add_cn_business_days(now, duration.value)
        return Due(at, "ok", est)
    if isinstance(resolved, Unresolved):
        return Due(None, f"needs_{resolved.needs}")
    at, est = add_working_time(resolved, now, duration.minutes)
    return Due(at, "ok", est)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
