"""Service-backed: no owed document or notification is lost when the worker is killed or the broker is unreachable.

A step records what it owes in its own transaction (cases.models.OutboxItem); the dispatch after commit may be
lost, the periodic re-dispatch sends it again once the grace period has passed, and the worker issues it once.
"""

import datetime as dt
import threading
from collections import Counter as Tally

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from cases.constants import ReviewLevel, Status
from cases.models import Counter, OutboxItem, OutboxKind
from config.celery import app
from documents.models import Document
from tests.conftest import wait_for
from tests.lifecycle import advance, submitted
from tests.test_health import closed_port
from workflows.engine.consistency import check_all
from workflows.engine.outbox import outbox_drain, outbox_redispatch
from workflows.programmes.startup import simulation as startup_simulation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def assert_every_owed_document_issued_once() -> int:
    """Every owed item is done; each owed document exists exactly once and nothing was issued that no step owed;
    every number series is gapless (a killed render gave its number back). Returns the number of documents."""
    assert OutboxItem.objects.filter(done_at__isnull=True).count() == 0
    owed = set(OutboxItem.objects.filter(kind=OutboxKind.DOCUMENT).values_list("key", flat=True))
    issued = Tally(Document.objects.values_list("step_key", flat=True))
    assert set(issued) == owed
    assert max(issued.values()) == 1
    for counter in Counter.objects.filter(key__startswith="doc:"):
        unit_code, kind = counter.key.split(":")[1:3]
        numbers = sorted(
            int(number.split("〕")[1][:5])
            for number in Document.objects.filter(issuing_unit__code=unit_code, kind=kind).values_list("number", flat=True)
        )
        assert numbers == list(range(1, counter.value + 1)), counter.key
    assert {group: problems for group, problems in check_all().items() if problems} == {}
    return len(owed)


def unacknowledged_messages() -> int:
    """Messages a worker received and has not acknowledged (kombu's Redis transport keeps them in `unacked`)."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).hlen("unacked")


def test_a_worker_killed_in_the_middle_of_a_run_loses_no_document(celery_worker_process, settings):
    # given a run of 100 cases whose documents a single worker issues while the cases move on
    settings.OUTBOX_GRACE_SECONDS = 5
    killed = threading.Event()
    in_flight: list[int] = []

    def kill_when_busy() -> None:
        # when 40 documents are issued and the worker holds a task (its message received and not acknowledged),
        # the worker is killed with SIGKILL, then started again
        try:
            wait_for(lambda: Document.objects.count() >= 40 and unacknowledged_messages(), timeout=600, what="40 documents")
            celery_worker_process.kill()
            in_flight.append(unacknowledged_messages())
            killed.set()
            celery_worker_process.start()
        finally:
            from django.db import connection

            connection.close()

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    report = startup_simulation.run(cases=100, seed=11)
    killer.join(timeout=600)
    assert killed.is_set() and in_flight[0] >= 1
    assert sum(report.outcomes.values()) == 100

    # then after the drain (re-dispatch of what the killed worker held), every owed document exists exactly once
    assert outbox_drain(timeout=600, in_process=False) == 0
    documents = assert_every_owed_document_issued_once()
    assert documents > 200


def use_broker(url: str) -> None:
    """Point this process's task publishing at `url` (the worker keeps consuming from the real broker)."""
    app.conf.broker_url = app.conf.broker_write_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_outage(settings):
    """The broker unreachable from this process (the health check reads the same setting) until `restore()`."""
    real = settings.CELERY_BROKER_URL

    def restore() -> None:
        settings.CELERY_BROKER_URL = real
        use_broker(real)

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    use_broker(settings.CELERY_BROKER_URL)
    yield restore
    restore()


def test_steps_taken_while_the_broker_is_unreachable_get_their_documents_once_it_is_back(
    celery_worker_process, broker_outage, programme, staff, community, rng, client
):
    # given the broker unreachable from the web process
    # when a case is filed and passes every review level
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.APPROVAL)

    # then the steps stand, every owed document and message waits in the outbox, and the health check says why
    assert application.status == Status.DISTRICT_APPROVED
    owed = Tally(OutboxItem.objects.filter(done_at__isnull=True).values_list("kind", flat=True))
    assert owed == {OutboxKind.DOCUMENT: 5, OutboxKind.NOTIFICATION: 5}
    assert Document.objects.count() == 0
    health = client.get("/healthz").json()
    assert health["broker"].startswith("error: ") and health["outbox"]["pending"] == 10
    call_command("check_consistency")  # pending within the grace period is consistent

    # when the broker is back and beat's re-dispatch runs once the grace period has passed
    broker_outage()
    assert outbox_redispatch(now=timezone.now() + dt.timedelta(seconds=settings.OUTBOX_GRACE_SECONDS + 1)) == 10

    # then the worker issues each owed document once, and delivers each message once
    wait_for(lambda: not OutboxItem.objects.filter(done_at__isnull=True).exists(), timeout=120, what="the outbox to drain")
    assert sorted(Document.objects.filter(application=application).values_list("kind", flat=True)) == [
        "acceptance_notice",
        "approval_decision",
        "review_opinion",
        "review_opinion",
        "submission_receipt",
    ]
    assert application.notifications.filter(channel="portal").count() == 5
    assert_every_owed_document_issued_once()

    # and a dispatch repeated later (a late beat, a redelivered message) changes nothing
    later = timezone.now() + dt.timedelta(hours=1)
    assert outbox_redispatch(now=later) == 0
    assert Document.objects.count() == 5
