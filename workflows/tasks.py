from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True)
def publicity_close_due() -> int:
    from workflows.services import publicity_close_due as close_due

    return close_due(today=timezone.localdate())


@shared_task(acks_late=True)
def deadlines_check() -> int:
    from workflows.deadlines import deadlines_warn

    return deadlines_warn(today=timezone.localdate())
