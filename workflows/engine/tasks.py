"""Celery entry points of the engine (the top of the engine: nothing in it imports this module). The task names are
the ones the beat schedule and queued messages use (`workflows.tasks.*`); notification delivery is in
workflows.engine.notifications."""

from celery import shared_task
from django.utils import timezone

from workflows.engine import notifications  # noqa: F401 - registers workflows.tasks.deliver_notification


@shared_task(name="workflows.tasks.publicity_close_due", acks_late=True)
def publicity_close_due() -> int:
    from workflows.engine.steps import publicity_close_due as close_due

    return close_due(today=timezone.localdate())


@shared_task(name="workflows.tasks.deadlines_check", acks_late=True)
def deadlines_check() -> int:
    from workflows.engine.deadlines import deadlines_warn

    return deadlines_warn(today=timezone.localdate())


@shared_task(name="workflows.tasks.outbox_redispatch", acks_late=True, time_limit=120)
def outbox_redispatch() -> int:
    from workflows.engine.outbox import outbox_redispatch as redispatch

    return redispatch(now=timezone.now())
