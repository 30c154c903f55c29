"""Working days and public holidays, from kept libraries rather than hand-typed lists.

China: `chinese-calendar` knows the State Council schedule, including adjusted working weekends (调休).
It covers the years it was released for; for a later year we fall back to the `holidays` library's Chinese
public holidays plus weekends and mark the answer as estimated (no 调休 data exists for that year yet).
Other countries: `holidays`.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Optional, Tuple

import chinese_calendar
import holidays


@lru_cache(maxsize=512)
def _country_holidays(code: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(code, years=year)


def public_holiday(code: str, day: date) -> Optional[str]:
    """Name of the public holiday on `day` in country `code` (ISO 3166), or None."""
    return _country_holidays(code, day.year).get(day)


@lru_cache(maxsize=4096)
def cn_workday(day: date) -> Tuple[bool, bool, Optional[str]]:
    """(is an official working day in China, estimated, holiday name or None)."""
    try:
        is_work = chinese_calendar.is_workday(day)
        _, name = chinese_calendar.get_holiday_detail(day)
        return is_work, False, name
    except NotImplementedError:
        name = public_holiday("CN", day)
        return day.weekday() < 5 and name is None, True, name
