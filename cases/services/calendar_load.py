"""Load the official calendar (holidays and make-up working days) from the chinese-calendar package."""

import datetime as dt

from django.db import transaction

from cases import calendar
from cases.models import CalendarDay


@transaction.atomic
def calendar_load_official() -> int:
    import chinese_calendar

    rows = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            rows[day] = (False, str(name))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            rows[day] = (True, f"{name} 调休")
    existing = set(CalendarDay.objects.filter(date__in=list(rows)).values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=day, is_working_day=working, name=name)
            for day, (working, name) in sorted(rows.items())
            if day not in existing
        ]
    )
    calendar.clear_cache()
    return len(rows) - len(existing)


def calendar_covers(year: int) -> bool:
    return CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)).exists()
