import datetime as dt

import pytest

from cases import calendar
from cases.services.calendar_load import calendar_load_official

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(db):
    calendar_load_official()


def test_national_day_week_and_make_up_days_2026(official):
    # 2026: 1-7 October off; Sunday 20 September and Saturday 10 October are make-up working days.
    assert not calendar.is_working_day(dt.date(2026, 10, 1))  # Thursday, holiday
    assert not calendar.is_working_day(dt.date(2026, 10, 7))  # Wednesday, holiday
    assert calendar.is_working_day(dt.date(2026, 9, 20))  # Sunday, 调休
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # Saturday, 调休
    assert not calendar.is_working_day(dt.date(2026, 10, 11))  # ordinary Sunday


def test_five_working_days_across_national_day(official):
    # From Wednesday 30 September: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, make-up), 12 Oct (Mon), 13 Oct (Tue).
    assert calendar.add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
    assert calendar.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 13)) == 5
    assert calendar.working_days_between(dt.date(2026, 10, 13), dt.date(2026, 9, 30)) == -5


def test_without_official_data_weekdays_count(db):
    # 2026-11-27 is a Friday: 5 working days later is Friday 2026-12-04.
    assert calendar.add_working_days(dt.date(2026, 11, 27), 5) == dt.date(2026, 12, 4)
