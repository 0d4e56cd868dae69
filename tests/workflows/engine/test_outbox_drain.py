"""The drain waits for the workers while they bring the backlog down, without sending the waiting items again, and
sends them again only once the backlog has stalled for the grace period. A fake clock stands in for the wall clock;
the fake worker finishes items as the clock advances."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import OutboxItem, OutboxKind
from workflows.engine import outbox

pytestmark = pytest.mark.django_db


class Clock:
    """monotonic() and sleep() of the drain: sleeping advances the clock and lets the fake worker run."""

    def __init__(self, worker) -> None:
        self.now = 0.0
        self.worker = worker

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.worker(self.now)


class Sent:
    def __init__(self) -> None:
        self.ids: list[int] = []

    def delay(self, pk: int) -> None:
        self.ids.append(pk)


@pytest.fixture
def backlog(settings):
    """Twenty owed documents recorded long before the grace period."""
    settings.OUTBOX_GRACE_SECONDS = 120
    long_ago = timezone.now() - dt.timedelta(hours=1)
    return [OutboxItem.objects.create(key=f"drain:{n}", kind=OutboxKind.DOCUMENT, created_at=long_ago).pk for n in range(20)]


def _finish_one() -> None:
    pk = OutboxItem.objects.filter(done_at__isnull=True).order_by("id").values_list("pk", flat=True).first()
    OutboxItem.objects.filter(pk=pk).update(done_at=timezone.now())


def test_a_backlog_that_keeps_shrinking_is_waited_for_to_the_end_and_not_sent_again(backlog, monkeypatch):
    # given workers that finish one item every 100 s: 2,000 s for the backlog, more than the timeout of 900 s
    clock = Clock(lambda now: _finish_one() if now % 100 == 0 else None)
    sent = Sent()
    monkeypatch.setattr(outbox, "time", clock)
    monkeypatch.setitem(outbox.DISPATCH, OutboxKind.DOCUMENT, sent)

    left = outbox.outbox_drain(timeout=900, in_process=False, poll=10)

    # then the drain waited until the last item was done, and sent nothing again (each waited in the queue)
    assert left == 0
    assert clock.now == 2000
    assert sent.ids == []


def test_a_stalled_backlog_is_sent_again_after_the_grace_period_and_given_up_after_the_timeout(backlog, monkeypatch):
    # given workers that do nothing (the messages were lost)
    clock = Clock(lambda now: None)
    sent = Sent()
    monkeypatch.setattr(outbox, "time", clock)
    monkeypatch.setitem(outbox.DISPATCH, OutboxKind.DOCUMENT, sent)

    left = outbox.outbox_drain(timeout=300, in_process=False, poll=10)

    # then once the grace period passed without progress, every pending item was sent again once (the next sending
    # waits for another grace period of its own), and the drain gave up 300 s after the last progress
    assert left == 20
    assert clock.now == 300
    assert sorted(sent.ids) == sorted(backlog)


def test_a_shrinking_backlog_is_left_when_the_time_given_in_all_runs_out(backlog, monkeypatch):
    # given workers that finish one item every 100 s, and 950 s given in all
    clock = Clock(lambda now: _finish_one() if now % 100 == 0 else None)
    monkeypatch.setattr(outbox, "time", clock)
    monkeypatch.setitem(outbox.DISPATCH, OutboxKind.DOCUMENT, Sent())

    left = outbox.outbox_drain(timeout=900, in_process=False, poll=10, within=950)

    # then the drain stopped at 950 s with the eleven items not yet done
    assert (clock.now, left) == (950, 11)
