"""Approval commits the budget where the programme says so (Programme.commits_budget_on_approval), whatever its kind:
the loan programme's envelope carries interest subsidies, not principal (ADR 0007)."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from cases.constants import Decision, ReviewLevel, Status
from cases.models import BudgetEnvelope, Programme
from tests.lifecycle import advance, submitted
from workflows.engine import simulation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("commits", [True, False])
def test_approval_commits_the_budget_only_where_the_programme_says_so(commits, programme, staff, community, rng, envelope):
    # given a start-up programme told whether approval commits its budget, and a case passed up to the district
    Programme.objects.filter(pk=programme.pk).update(commits_budget_on_approval=commits)
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.DISTRICT)
    envelope.refresh_from_db()
    assert envelope.committed == Decimal("0")
    # when the approver approves it
    application = simulation.decide(application, staff.approver, ReviewLevel.APPROVAL, Decision.PASS)
    # then the approved amount is committed, or nothing is
    envelope.refresh_from_db()
    assert application.status == Status.DISTRICT_APPROVED
    assert application.approved_amount == application.requested_amount
    assert envelope.committed == (application.approved_amount if commits else Decimal("0"))
    assert BudgetEnvelope.objects.filter(committed__gt=0).count() == (1 if commits else 0)


def test_in_the_reference_data_only_the_loan_programme_commits_nothing_at_approval(programme):
    flags = dict(Programme.objects.values_list("code", "commits_budget_on_approval"))
    assert flags.pop("loan") is False
    assert set(flags.values()) == {True}
    assert len(flags) == 5


def test_the_migration_turns_it_off_for_existing_loan_programmes(programme):
    # given programmes as they were before the field: every one committing at approval
    Programme.objects.update(commits_budget_on_approval=True)
    migration = importlib.import_module("cases.migrations.0014_programme_commits_budget_on_approval")
    # when the migration's data step runs
    migration.loans_commit_nothing(apps, None)
    # then only the programmes of kind loan commit nothing
    assert list(Programme.objects.filter(commits_budget_on_approval=False).values_list("code", flat=True)) == ["loan"]
    assert Programme.objects.filter(commits_budget_on_approval=True).count() == 5
