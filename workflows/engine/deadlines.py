"""Overdue cases: the holder of the open task is warned; past the deadline the unit head is told as well."""

import datetime as dt

from cases.models import Application, Notification
from workflows.engine.graph import OPEN_TASK_FOR_STATUS


def overdue_cases(*, today: dt.date):
    return Application.objects.filter(deadline__lt=today, status__in=list(OPEN_TASK_FOR_STATUS)).select_related("org_unit")


def deadlines_warn(*, today: dt.date) -> int:
    """Record one warning per overdue case and day; returns how many were written."""
    written = 0
    for application in overdue_cases(today=today):
        message = f"逾期提醒 {today}: 案件 {application.number} 已超过办理时限 {application.deadline}"
        _, created = Notification.objects.get_or_create(
            application=application, channel="staff", message=message, defaults={"address": application.org_unit.code}
        )
        written += created
    return written
