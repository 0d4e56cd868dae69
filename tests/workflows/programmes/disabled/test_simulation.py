"""The household grant's simulation profile: every path of the review graph, the federation at the district level,
filings for the applicant confirmed by SMS, second filings of a household refused; the record stays consistent."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.constants import Status
from cases.models import Application, DisabledGrant
from workflows.engine.consistency import check_all
from workflows.engine.statistics import APPROVED_STATUSES, figures_for, period_for
from workflows.programmes.disabled import simulation as disabled_simulation

pytestmark = pytest.mark.django_db


def test_a_small_run_reaches_the_terminal_states_and_stays_consistent(district):
    report = disabled_simulation.run(cases=12, seed=11)

    assert sum(report.outcomes.values()) == 12
    assert report.refused_twice == report.outcomes["household_refused_twice"]
    cases = Application.objects.filter(programme__code="disabled")
    assert cases.count() == 12  # a refused second filing leaves no case
    assert report.statuses[Status.PAID] + report.statuses[Status.CLOSED] >= report.outcomes["paid"]
    proxy = DisabledGrant.objects.exclude(proxy_relation="").exclude(application__status=Status.WITHDRAWN)
    assert proxy.exists() and not proxy.filter(confirmed_at=None).exists()
    assert {name: problems for name, problems in check_all().items() if problems} == {}

    # the statistics count the households of the cases still approved, once each (one grant per household)
    dates = [timezone.localtime(at).date() for at in cases.exclude(decided_at=None).values_list("decided_at", flat=True)]
    figures = figures_for(period=period_for(start=min(dates), end=max(dates)))
    [info] = [p for p in figures.programmes if p.kind == "disabled"]
    approved = DisabledGrant.objects.filter(application__status__in=APPROVED_STATUSES)
    households = approved.values("household_number").distinct().count()
    assert households > 0 and figures.programme_total(info.id).measures == {"households": households}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_simulate_command_with_the_real_worker(celery_worker_process):
    out = io.StringIO()
    call_command("simulate", programme="disabled", cases=6, seed=5, stdout=out)
    assert out.getvalue().rstrip().endswith("simulation consistent")
    assert Application.objects.filter(programme__code="disabled").count() == 6
