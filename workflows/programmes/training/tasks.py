"""Periodic training work (Celery beat): settle the claims whose business window has ended. Safe to run twice: a
settled claim is left alone."""

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(name="workflows.training_tasks.claims_settle_due", acks_late=True, time_limit=600)
def claims_settle_due(day: str | None = None) -> int:
    from workflows.programmes.training.actions import claims_settle_due as settle

    return settle(today=dt.date.fromisoformat(day) if day else timezone.localdate())
