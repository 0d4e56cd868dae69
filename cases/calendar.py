"""Working days on the official Chinese calendar: Monday-Friday, minus public holidays, plus make-up days (调休).

Exceptions come from CalendarDay rows (loaded by `manage.py load_calendar`, editable in the admin).
"""

import datetime as dt
from functools import lru_cache

from cases.models import CalendarDay


@lru_cache(maxsize=16)
def _exceptions_for(year: int) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day"))


def clear_cache() -> None:
    _exceptions_for.cache_clear()


def is_working_day(day: dt.date) -> bool:
    exception = _exceptions_for(day.year).get(day)
    if exception is not None:
        return exception
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date of the `days`-th working day after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
