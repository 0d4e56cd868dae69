"""`seed_demo` leaves real work at every level, so that each demo login opens onto it; a second run adds nothing."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import calendar
from cases.constants import ReviewLevel, Status, UnitLevel
from cases.models import (
    Application,
    BusinessRegistration,
    LabourFigure,
    OrgUnit,
    PaymentBatch,
    Programme,
    ReferenceFile,
    User,
)
from cases.models.loan import LoanState
from cases.selectors import applications_for_user
from cases.services.loans import loans_for_user
from workflows.engine import steps as flow_services
from workflows.engine.queue import review_tasks_for_user
from workflows.engine.statistics import figures_for, period_for
from workflows.engine.statistics_report import report_for


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def user(username: str) -> User:
    return User.objects.get(username=username)


# Committed for real (what the step owes is dispatched after commit, as under `make run`), so that the consistency
# check finds nothing owed and left undone.
@pytest.mark.django_db(transaction=True)
def test_every_level_has_work_the_demo_logins_see_it_and_a_second_run_adds_nothing(client):
    seeded = seed()
    startup = Counter(Application.objects.filter(programme__code="startup").values_list("status", flat=True))
    assert startup == {
        Status.SUBMITTED: 4,
        Status.ACCEPTED: 3,
        Status.TOWN_REVIEWED: 2,
        Status.DISTRICT_REVIEWED: 2,
        Status.RETURNED_FOR_CORRECTION: 1,
        Status.IN_PUBLICITY: 1,
        Status.PUBLICITY_PASSED: 1,
        Status.PAYMENT_PENDING: 2,
    }
    # every waiting case has its open task, and the demo's community and town logins reach them
    waiting = Application.objects.exclude(status__in=[Status.PUBLICITY_PASSED, Status.PAYMENT_PENDING])
    assert all(flow_services.open_task(application=a) is not None for a in waiting)
    assert applications_for_user(user=user("community")).count() == Application.objects.count()
    assert applications_for_user(user=user("town2")).count() == 0  # the other town sees none of it

    # one case with one working day left and one overdue by a working day, at community level
    today = timezone.localdate()
    deadlines = sorted(a.deadline for a in Application.objects.filter(programme__code="startup", status=Status.SUBMITTED))
    assert calendar.working_days_between(today, deadlines[0]) == -1
    assert calendar.working_days_between(today, deadlines[1]) == 1
    limit = Programme.objects.get(code="startup").days_for(ReviewLevel.COMMUNITY)
    assert deadlines[2:] == [calendar.add_working_days(today, limit)] * 2
    filed_earlier = Application.objects.filter(deadline__in=deadlines[:2]).values_list("submitted_at", flat=True)
    assert all(timezone.localtime(moment).date() < today for moment in filed_earlier)

    # the demo applicant's case is back with them, with the town's reason
    returned = Application.objects.get(status=Status.RETURNED_FOR_CORRECTION)
    assert returned.applicant.user == user("applicant")
    client.force_login(user("applicant"))
    page = client.get(reverse("portal:case", args=[returned.public_id]))
    assert page.status_code == 200 and "租赁合同已过期" in page.content.decode()

    # finance: a batch prepared by the first officer in a bank's layout, waiting for the second one
    batch = PaymentBatch.objects.get()
    assert (batch.status, batch.line_count, batch.prepared_by, batch.layout.code) == ("draft", 2, user("finance"), "yhrcb")

    # loans: one at the community, two qualified and waiting for the demo bank officer's decision
    assert Application.objects.filter(programme__code="loan", status=Status.SUBMITTED).count() == 1
    assert list(loans_for_user(user=user("bank")).values_list("state", flat=True)) == [LoanState.QUALIFIED] * 2
    client.force_login(user("bank"))
    assert client.get(reverse("loans:list")).status_code == 200

    # the household grant: cases at every level; the federation's login reads them and has two at its own level
    grants = Counter(Application.objects.filter(programme__code="disabled").values_list("status", flat=True))
    assert grants == {Status.SUBMITTED: 2, Status.ACCEPTED: 1, Status.TOWN_REVIEWED: 2, Status.DISTRICT_REVIEWED: 1}
    assert applications_for_user(user=user("federation")).count() == 6
    assert review_tasks_for_user(user=user("federation")).count() == 2
    assert "household grants at district" in seeded

    assert "demo work: 4 start-up cases at the community" in seeded

    # the year's reference data, imported through the service: the statistics' indicators have figures, not "—"
    assert "demo reference data: registrations" in seeded and "demo reference data: labour" in seeded
    month = today.month
    registered = round(1540 * month / 12) + round(3300 * month / 12)
    assert sum(BusinessRegistration.objects.values_list("private_enterprises", flat=True)) == round(1540 * month / 12)
    towns = OrgUnit.objects.filter(level=UnitLevel.TOWN).count()
    assert BusinessRegistration.objects.filter(month__year=today.year).count() == towns * month  # the months so far
    assert sum(LabourFigure.objects.filter(year=today.year).values_list("labour_force", flat=True)) == 15817
    indicators = report_for(figures_for(period=period_for(year=today.year))).as_dict()["indicators"]["total"]
    assert indicators["activity_index"] == (Decimal(registered) * 100 / 15817).quantize(Decimal("0.1"))
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert out.getvalue().rstrip().endswith("consistent")

    counts = (Application.objects.count(), PaymentBatch.objects.count(), User.objects.count(), ReferenceFile.objects.count())
    again = seed()
    assert "demo work" not in again and "demo reference data" not in again
    assert (
        Application.objects.count(),
        PaymentBatch.objects.count(),
        User.objects.count(),
        ReferenceFile.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_reference_only_loads_no_case():
    call_command("seed_demo", "--reference-only", stdout=io.StringIO())
    assert Application.objects.count() == 0 and User.objects.filter(username="applicant").exists()
