"""The dates a case carries are the dates of Asia/Shanghai, at any hour: checked at frozen instants either side of
local midnight (15:59 and 16:01 UTC), across a 调休 weekend and across New Year.

At 16:01 UTC the UTC date is still the day before the Shanghai date: code that took `date.today()` (UTC on the
servers) or formatted an aware datetime in UTC would print, count and number from the wrong day.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import calendar
from cases.constants import Decision, ReviewLevel, Status
from cases.models import Application, CalendarDay, Notification
from cases.services.calendar_load import calendar_load_official
from documents.models import Document
from tests.documents.pdf import pdf_flat_text
from tests.lifecycle import submitted
from workflows.engine import simulation
from workflows.engine.tasks import deadlines_check

pytestmark = pytest.mark.django_db

UTC = dt.UTC

# instant (UTC) -> the Shanghai date, and the town-review deadline (5 working days after it) on the official calendar
INSTANTS = {
    # Saturday 19 September 2026, 23:59 in Shanghai: a rest day
    "sat-2359": (dt.datetime(2026, 9, 19, 15, 59, tzinfo=UTC), dt.date(2026, 9, 19), dt.date(2026, 9, 24)),
    # Sunday 20 September 2026, 00:01 in Shanghai: a make-up working day (调休) for National Day; UTC is still Saturday.
    # 21-24 September count, 25-27 are the Mid-Autumn holiday, Monday 28 is the fifth working day
    "sun-0001": (dt.datetime(2026, 9, 19, 16, 1, tzinfo=UTC), dt.date(2026, 9, 20), dt.date(2026, 9, 28)),
    # Thursday 31 December 2026, 23:59 in Shanghai; 1 January (Friday) is a public holiday
    "dec31-2359": (dt.datetime(2026, 12, 31, 15, 59, tzinfo=UTC), dt.date(2026, 12, 31), dt.date(2027, 1, 8)),
    # Friday 1 January 2027, 00:01 in Shanghai: a new year of case and document numbers; UTC is still 2026
    "jan1-0001": (dt.datetime(2026, 12, 31, 16, 1, tzinfo=UTC), dt.date(2027, 1, 1), dt.date(2027, 1, 8)),
}


@pytest.fixture(params=list(INSTANTS))
def frozen(request):
    """The clock stopped at the instant; requested first, so every fixture after it (budget year included) sees it."""
    instant, local_day, town_deadline = INSTANTS[request.param]
    with time_machine.travel(instant, tick=False):
        yield instant, local_day, town_deadline


@pytest.fixture
def official_calendar(db):
    calendar_load_official()  # the chinese-calendar package: 2026, with Sunday 20 September a working day
    # 1 January 2027 as an administrator enters it (官方日历) until the package carries 2027
    CalendarDay.objects.get_or_create(date=dt.date(2027, 1, 1), defaults={"is_working_day": False, "name": "元旦"})
    calendar.clear_cache()


def test_filing_and_acceptance_carry_the_shanghai_date(
    frozen, official_calendar, programme, staff, community, rng, run_on_commit, client
):
    instant, local_day, town_deadline = frozen
    assert timezone.now() == instant and timezone.localdate() == local_day  # the clock is where the case says
    assert calendar.is_working_day(dt.date(2026, 9, 20)) and not calendar.is_working_day(dt.date(2026, 9, 25))
    assert not calendar.is_working_day(dt.date(2027, 1, 1))

    # when a case is filed, submitted and accepted at that instant
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    officer = staff.community[community.pk]
    application = run_on_commit(simulation.decide, application, officer, ReviewLevel.COMMUNITY, Decision.PASS)

    # then its number counts in the Shanghai year and the next level's deadline in working days from the Shanghai date
    assert application.status == Status.ACCEPTED
    assert application.number.startswith(f"YH-CY-{local_day.year}-")
    assert application.deadline == town_deadline
    assert timezone.localdate(application.submitted_at) == local_day

    # and the acceptance notice is numbered in that year and prints that date as submitted, deadline and issue date
    notice = Document.objects.get(application=application, kind="acceptance_notice")
    assert notice.number == f"仓前社区人社创受〔{local_day.year}〕00001号"
    text = pdf_flat_text(notice.file.open("rb").read())
    in_chinese = f"{local_day.year}年{local_day.month}月{local_day.day}日"
    assert f"你于{in_chinese}提交的" in text
    assert f"应于{town_deadline.year}年{town_deadline.month}月{town_deadline.day}日前办结" in text
    assert text.count(in_chinese) == 2  # submitted on, issued on

    # and the staff case page dates its history and the verification page its document in Shanghai time
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    page = client.get(f"/cases/{application.public_id}/").content.decode()
    stamp = timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")
    assert stamp.endswith(("23:59", "00:01"))
    assert page.count(f"{stamp} · ") == 3  # created, submitted, accepted
    assert f"<td>{local_day.isoformat()}</td>" in client.get(f"/verify/{notice.token}").content.decode()


def test_overdue_warnings_are_dated_and_counted_on_the_shanghai_day(
    frozen, official_calendar, programme, staff, community, rng, run_on_commit
):
    _, local_day, _ = frozen
    # given one case whose deadline was yesterday and one whose deadline is today, in Shanghai
    late, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    due_today, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    Application.objects.filter(pk=late.pk).update(deadline=local_day - dt.timedelta(days=1))  # test data: the clock is the edge
    Application.objects.filter(pk=due_today.pk).update(deadline=local_day)

    # when the periodic check runs at that instant
    assert deadlines_check.delay().get() == 1

    # then only the late case is warned, dated today in Shanghai
    warnings = list(Notification.objects.filter(channel="staff").values_list("application_id", "message"))
    assert warnings == [(late.pk, f"逾期提醒 {local_day}: 案件 {late.number} 已超过办理时限 {local_day - dt.timedelta(days=1)}")]
