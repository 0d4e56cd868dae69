"""Eight approvers at once against a nearly empty, co-funded envelope: exactly as many succeed as the money allows."""

from decimal import Decimal

import pytest
from django.db import connection

from cases import services as case_services
from cases.constants import Decision, ReviewLevel, Status
from cases.exceptions import BudgetExceeded
from cases.models import Application, BudgetEnvelope, FundingSource
from tests.lifecycle import advance, submitted
from tests.parallel import run_in_threads
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_budgets, check_flows

THREADS = 8
AFFORDABLE = 3

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer"),
]


def test_envelope_never_negative_under_concurrent_approvals(programme, staff, community, rng, envelope):
    # given 8 cases waiting for approval, prepared through the services
    cases = []
    for _ in range(THREADS):
        application, _ = submitted(programme=programme, community=community, rng=rng)
        cases.append(advance(application, staff, through=ReviewLevel.DISTRICT))
    # an envelope holding the money for AFFORDABLE approvals of 5000.01, one cent short of one more
    amount = Decimal("5000.01")
    envelope.amount = amount * (AFFORDABLE + 1) - Decimal("0.01")
    envelope.save(update_fields=["amount"])
    case_services.funding_sources_set(
        envelope=envelope, shares=[("city", "市级", Decimal("0.6")), ("district", "区级", Decimal("0.4"))], by=staff.finance_maker
    )
    # each thread gets a task id, not a shared model instance (django-fsm-2's refresh_from_db is not thread-safe)
    tasks = {c.pk: flow_services.open_task(application=c, name="approve").pk for c in cases}

    def approve(index: int) -> str:
        try:
            flow_services.task_decide(
                task_id=tasks[cases[index].pk], by=staff.approver, decision=Decision.PASS, opinion="同意。", amount=amount
            )
        except BudgetExceeded:
            return "refused"
        return "approved"

    results = run_in_threads(len(cases), approve)

    # then exactly as many succeed as the money allows, and the envelope never went negative
    outcomes = sorted(r if isinstance(r, str) else repr(r) for r in results)
    expected = AFFORDABLE
    assert outcomes == ["approved"] * expected + ["refused"] * (len(cases) - expected), outcomes
    envelope = BudgetEnvelope.objects.get(pk=envelope.pk)
    assert envelope.committed == amount * expected
    assert envelope.remaining >= 0
    assert sum(FundingSource.objects.filter(envelope=envelope).values_list("committed", flat=True)) == envelope.committed
    statuses = sorted(Application.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True))
    assert statuses.count(Status.DISTRICT_APPROVED) == expected
    assert check_budgets() == []
    assert check_flows() == []
