"""Periodic loan work (Celery beat). Each task takes a date, calls one service and is safe to run twice: the
services skip what is already done (flags on the period, one claim per period enforced by the database)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone


def _day(day: str | None) -> dt.date:
    return dt.date.fromisoformat(day) if day else timezone.localdate()


@shared_task(name="workflows.loans_tasks.loan_periods_mark_due", acks_late=True, time_limit=600)
def loan_periods_mark_due(day: str | None = None) -> int:
    from cases.services.loans import loan_periods_mark_due as mark_due

    return mark_due(today=_day(day))


@shared_task(name="workflows.loans_tasks.loan_overdue_flag", acks_late=True, time_limit=600)
def loan_overdue_flag(day: str | None = None) -> int:
    from cases.services.loans import loan_overdue_flag as flag

    return flag(today=_day(day))


@shared_task(name="workflows.loans_tasks.loan_subsidy_claims_open", acks_late=True, time_limit=600)
def loan_subsidy_claims_open(day: str | None = None) -> int:
    from cases.services.loans import subsidy_claims_open_due

    return subsidy_claims_open_due(today=_day(day))


@shared_task(name="workflows.loans_tasks.loan_flows_finish", acks_late=True, time_limit=600)
def loan_flows_finish() -> int:
    from workflows.programmes.loan.actions import loan_flows_finish as finish

    return finish()
