"""Carry out what steps owe (cases.models.OutboxItem): dispatch again whatever is still pending after the grace
period, wait for the queue to drain (sending again only once it has stalled), report the backlog. A broker outage or a killed worker delays owed work;
the record makes sure it is done, once."""

import datetime as dt
import logging
import time

from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from cases.models import OutboxKind
from cases.services import outbox_dispatched, outbox_due, outbox_grace, outbox_pending
from documents.tasks import issue_owed_document
from workflows.engine.notifications import deliver_notification

logger = logging.getLogger(__name__)
DISPATCH = {OutboxKind.DOCUMENT: issue_owed_document, OutboxKind.NOTIFICATION: deliver_notification}


def outbox_redispatch(*, now: dt.datetime, limit: int = 1000) -> int:
    """Send every item pending longer than the grace period to the workers again (oldest first). Stops at the first
    broker error: the items stay due for the next run. Returns how many were sent."""
    sent: list[int] = []
    for pk, kind in outbox_due(now=now).order_by("id").values_list("pk", "kind")[:limit]:
        try:
            DISPATCH[kind].delay(pk)
        except BrokerUnreachable:
            logger.warning("broker unreachable: %s owed items wait for the next re-dispatch", outbox_due(now=now).count())
            break
        except Exception:  # in-process mode: the task ran here and failed; the item records why
            logger.exception("owed item %s failed again", pk)
        sent.append(pk)
    outbox_dispatched(item_ids=sent, now=now)
    return len(sent)


def outbox_drain(*, timeout: float, in_process: bool, poll: float = 0.5, within: float | None = None) -> int:
    """Wait until nothing is pending; returns what is left.

    While the workers bring the backlog down, what is pending waits in the queue or in a worker's hands and is not
    sent again (a backlog of thousands would otherwise be queued once more every grace period). Only once nothing has
    been done for the grace period (a lost message, a killed worker) is what passed the grace period dispatched
    again. `timeout` counts from the last progress: a long backlog that keeps shrinking is waited for to the end,
    unless `within` (seconds in all) runs out first.

    In-process (no broker) everything already ran when its step committed: what is pending failed, so it is
    dispatched once more at once and not waited for."""
    if in_process:
        outbox_redispatch(now=timezone.now() + dt.timedelta(days=1))
        return outbox_pending().count()
    grace = outbox_grace().total_seconds()
    left = outbox_pending().count()
    progress = started = time.monotonic()
    while left and time.monotonic() - progress < timeout and (within is None or time.monotonic() - started < within):
        if time.monotonic() - progress >= grace:
            outbox_redispatch(now=timezone.now())
        time.sleep(poll)
        pending = outbox_pending().count()
        if pending < left:
            progress = time.monotonic()
        left = pending
    return left
