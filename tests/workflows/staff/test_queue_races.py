"""On PostgreSQL, two town reviewers pass the same twelve cases in bulk at the same moment: each case is passed once,
by one of them, with one audit row, one opinion and one document; the other reviewer's result names it as done
meanwhile. Each case is its own transaction: neither bulk waits for the other to finish all its cases."""

from collections import Counter

import pytest
from django.db import connection

from cases.constants import ReviewLevel, Role, Status
from cases.models import Application
from documents.constants import DocumentKind
from documents.models import Document
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from tests.parallel import run_in_threads
from workflows.engine import claims
from workflows.engine import steps as flow_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CASES = 12


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-lock races need PostgreSQL; SQLite serialises every writer")


def test_two_reviewers_bulk_pass_the_same_cases_at_once(programme, community, staff, rng):
    cases = [
        advance(submitted(programme=programme, community=community, rng=rng)[0], staff, through=ReviewLevel.COMMUNITY)
        for _ in range(CASES)
    ]
    task_ids = [flow_services.open_task(application=a, name="town_review").pk for a in cases]
    reviewers = [staff.town[community.parent_id], make_user("cangqian-town-2", Role.TOWN_REVIEWER, community.parent)]

    results = run_in_threads(2, lambda i: claims.tasks_pass(task_ids=task_ids, by=reviewers[i], opinion=f"同意（{i}）。"))

    assert not any(isinstance(r, Exception) for r in results), results
    assert [len(r) for r in results] == [CASES, CASES]
    done = Counter(o.number for r in results for o in r if o.done)
    assert done == Counter({a.number: 1 for a in cases})
    assert {o.reason for r in results for o in r if not o.done} <= {"此任务已办结。"}
    for application in Application.objects.filter(pk__in=[a.pk for a in cases]):
        assert application.status == Status.TOWN_REVIEWED
        assert application.audit_entries.filter(action="town:pass").count() == 1
        assert application.opinions.filter(level=ReviewLevel.TOWN).count() == 1
        assert Document.objects.filter(application=application, kind=DocumentKind.REVIEW_OPINION).count() == 1
