"""Statements per operation on the hot paths, pinned (issue: few queries). A change that adds or removes a statement
fails here and prints the statements, so the new count is a decision, not an accident.

Counted as a running server sees them: the content types and the working-day calendar are in the process's caches
(warmed first), the acting user is read afresh as a request reads it (their permissions are read on first use). The
test's own transaction turns the step's transaction into a savepoint: SAVEPOINT and RELEASE are two of the statements
counted here that a real request does not issue (BEGIN and COMMIT are not counted). `make bench` reports the counts
in a real transaction (bench-results/workflow.json, `queries`).
"""

import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import calendar
from cases import services as case_services
from cases.constants import Decision, Status
from cases.models import Application, User
from tests import lifecycle
from workflows.engine import steps as flow_services
from workflows.engine.simulation import SAMPLE_PDF

# vendor -> operation -> statements (PostgreSQL adds a savepoint around each check constraint validated)
EXPECTED = {
    "sqlite": {"submit": 17, "decide": 17, "return": 18, "resubmit": 19},
    "postgresql": {"submit": 17, "decide": 17, "return": 18, "resubmit": 19},
}


class Counted:
    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.context = CaptureQueriesContext(connection)
        self.context.__enter__()
        return self

    def __exit__(self, *exc):
        self.context.__exit__(*exc)
        if exc[0] is not None:
            return False
        expected = EXPECTED[connection.vendor][self.name]
        statements = [q["sql"] for q in self.context.captured_queries]
        if len(statements) != expected:
            listing = "\n".join(f"{i:3} {sql[:300]}" for i, sql in enumerate(statements, 1))
            pytest.fail(f"{self.name}: {len(statements)} statements on {connection.vendor}, pinned {expected}:\n{listing}")
        return False


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def warm(programme):
    ContentType.objects.get_for_model(Application)
    calendar.add_working_days(timezone.localdate(), 1)


def test_submit_and_decide(programme, community, staff, warm):
    application, user = lifecycle.filed(programme=programme, community=community, rng=random.Random(3))
    application = Application.objects.get(pk=application.pk)
    user, reviewer = _fresh(user), _fresh(staff.community[community.pk])
    with Counted("submit"):
        application = flow_services.case_submit(application=application, by=user)
    task = flow_services.open_task(application=application)
    with Counted("decide"):
        flow_services.task_decide(task_id=task.pk, by=reviewer, decision=Decision.PASS, opinion="材料齐全，符合条件。")
    application = Application.objects.get(pk=application.pk)
    assert application.status == Status.ACCEPTED
    assert flow_services.open_task(application=application).flow_task.name == "town_review"


def test_return_and_resubmit(programme, community, staff, warm):
    application, user = lifecycle.submitted(programme=programme, community=community, rng=random.Random(4))
    task = flow_services.open_task(application=application)
    reviewer = _fresh(staff.community[community.pk])
    with Counted("return"):
        flow_services.task_decide(
            task_id=task.pk,
            by=reviewer,
            decision=Decision.RETURN,
            opinion="请补正材料。",
            items=[{"kind": "lease", "message": "租赁合同已过期，请提供有效合同。"}],
        )
    case_services.attachment_add(application=application, by=user, kind="lease", content=SAMPLE_PDF, name="lease.pdf")
    application, user = Application.objects.get(pk=application.pk), _fresh(user)
    with Counted("resubmit"):
        flow_services.case_resubmit(application=application, by=user, answer="已上传新的租赁合同。")
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
