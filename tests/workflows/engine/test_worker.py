"""Service-backed: a real Celery worker process (started by the session fixture) does the background work.

The test process enqueues through the broker (tasks are not eager here); the worker, a separate process on the same
test database, renders and stores the documents, closes due publicity lists and records deadline warnings.
"""

import datetime as dt
import hashlib
import os

import pytest
from celery.signals import after_task_publish
from django.utils import timezone

from cases.constants import ReviewLevel, Status
from cases.models import Application, Notification
from config.celery import app
from documents.constants import DocumentKind
from documents.models import Document
from tests.conftest import wait_for
from tests.lifecycle import advance, submitted, task_names
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published():
    """Ids of the tasks this test process sent to the broker."""
    sent: list[tuple[str, str]] = []

    def record(sender=None, headers=None, **kwargs):
        sent.append((sender, headers["id"]))

    after_task_publish.connect(record, weak=False)
    yield sent
    after_task_publish.disconnect(record)


def documents_of(application: Application) -> dict[str, Document]:
    return {d.kind: d for d in Document.objects.filter(application=application)}


def test_worker_issues_the_documents_of_a_case_driven_through_the_flow(
    celery_worker_process, published, programme, staff, community, rng
):
    # given tasks go through the broker to a separate worker process
    assert app.conf.task_always_eager is False
    assert celery_worker_process.pid != os.getpid()
    application, _ = submitted(programme=programme, community=community, rng=rng)

    # when every level passes the case
    application = advance(application, staff, through=ReviewLevel.APPROVAL)
    assert application.status == Status.DISTRICT_APPROVED
    assert task_names(application) == ["await_publicity"]

    # then the worker issues the submission receipt, the acceptance notice, two review opinions and the approval decision
    expected = {
        DocumentKind.SUBMISSION_RECEIPT: 1,
        DocumentKind.ACCEPTANCE_NOTICE: 1,
        DocumentKind.REVIEW_OPINION: 2,
        DocumentKind.APPROVAL_DECISION: 1,
    }

    def issued():
        rows = list(Document.objects.filter(application=application))
        counts = {kind: sum(1 for d in rows if d.kind == kind) for kind in expected}
        return rows if counts == expected else None

    documents = wait_for(issued, timeout=120, what="5 documents from the worker")
    assert len(documents) == 5
    for document in documents:
        with document.file.open("rb") as handle:
            assert hashlib.file_digest(handle, "sha256").hexdigest() == document.sha256
        assert document.file.path.startswith(str(celery_worker_process.storage))

    # and it was the worker: 5 document tasks sent through the broker, each logged as succeeded by the worker
    document_tasks = [task_id for name, task_id in published if name == "documents.tasks.issue_owed_document"]
    assert len(document_tasks) == 5

    def all_succeeded():
        text = celery_worker_process.log_text()
        return text if all(f"[{t}] succeeded" in text for t in document_tasks) else None

    log = wait_for(all_succeeded, timeout=30, what="the worker log to show every task succeeded")
    assert log.count("documents.tasks.issue_owed_document[") >= 10  # received + succeeded lines
    stats = app.control.inspect(timeout=5).stats() or {}
    assert [s["pid"] for s in stats.values() if s["pid"] == celery_worker_process.pid] == [celery_worker_process.pid]
    assert {k: v for k, v in check_all().items() if v} == {}


def test_worker_runs_the_periodic_publicity_close_and_deadline_warnings(
    celery_worker_process, published, programme, staff, community, rng
):
    # given a case approved and published on a list whose period ended before today
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.APPROVAL)
    batch = flow_services.publicity_publish(
        programme=programme, applications=[application], by=staff.approver, starts_on=timezone.localdate() - dt.timedelta(days=40)
    )
    assert batch.ends_on < timezone.localdate()
    # and a submitted case whose community deadline lies in the past (test data, not a status: the clock is the edge)
    late, _ = submitted(programme=programme, community=community, rng=rng)
    Application.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))

    # when beat's schedule fires: every periodic entry is sent to the broker, as beat does
    schedule = app.conf.beat_schedule
    assert {"workflows.tasks.deadlines_check", "workflows.tasks.publicity_close_due"} <= {
        entry["task"] for entry in schedule.values()
    }

    def fire_and_wait(what: str) -> None:
        sent = [app.send_task(entry["task"]).id for entry in schedule.values()]
        wait_for(
            lambda: all(f"[{task_id}] succeeded" in celery_worker_process.log_text() for task_id in sent),
            timeout=90,
            what=what,
        )

    fire_and_wait("the worker to run every periodic task")

    # then the worker closed the list (the case passed publicity) and wrote exactly one warning for the late case
    application.refresh_from_db()
    assert application.status == Status.PUBLICITY_PASSED
    assert task_names(application) == ["payment"]
    warnings = list(Notification.objects.filter(application=late, channel="staff"))
    assert len(warnings) == 1
    assert warnings[0].message.startswith(f"逾期提醒 {timezone.localdate()}: 案件 {late.number}")
    assert Notification.objects.filter(application=application, channel="staff").count() == 0

    # and a second run (beat firing again) changes nothing: every periodic task is safe to run twice
    fire_and_wait("the worker to finish the second run")
    assert Notification.objects.filter(application=late, channel="staff").count() == 1
