"""The outbox: what a step owes (documents, notifications), recorded in the step's transaction.

The layers above decide how an item is carried out (documents.tasks, workflows.engine.notifications) and dispatch
it after commit; here is only the record: write it, find what is pending, mark it done or failed.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from cases.models import OutboxItem


def outbox_record(*, key: str, kind: str, application_id: int | None = None, payload: dict) -> tuple[OutboxItem, bool]:
    """Record owed work inside the caller's transaction; `created` is False when the step already owes this key."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("Owed work is recorded in the transaction of the step that owes it.")
    item = OutboxItem(key=key, kind=kind, application_id=application_id, payload=payload)
    item.pk = _insert_unless_owed(item, connection)
    if item.pk is None:
        return OutboxItem.objects.get(key=key), False
    return item, True


def _insert_unless_owed(item: OutboxItem, connection) -> int | None:
    """One statement, no savepoint: INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id (PostgreSQL, SQLite 3.35+).
    The id of the new row, or None when the key is already owed (by this transaction or a committed one; a
    concurrent one holding the key makes this wait for its outcome, as the unique index does)."""
    meta = OutboxItem._meta
    fields = [f for f in meta.local_concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO NOTHING RETURNING {pk}".format(  # noqa: S608 - names from the model
        table=quote(meta.db_table),
        columns=", ".join(quote(f.column) for f in fields),
        values=", ".join(["%s"] * len(fields)),
        key=quote(meta.get_field("key").column),
        pk=quote(meta.pk.column),
    )
    params = [f.get_db_prep_save(f.pre_save(item, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def outbox_grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)


def outbox_pending() -> QuerySet[OutboxItem]:
    return OutboxItem.objects.filter(done_at__isnull=True)


def outbox_due(*, now: dt.datetime) -> QuerySet[OutboxItem]:
    """Pending items whose last dispatch (or creation) is older than the grace period: to be dispatched again."""
    cutoff = now - outbox_grace()
    return outbox_pending().filter(Q(dispatched_at__lt=cutoff) | Q(dispatched_at__isnull=True, created_at__lt=cutoff))


def outbox_item_claim(*, item_id: int) -> OutboxItem | None:
    """Lock a pending item for the caller's transaction; None when it is done or another worker holds it."""
    return outbox_pending().select_for_update(skip_locked=True).filter(pk=item_id).first()


def outbox_item_done(*, item: OutboxItem) -> None:
    OutboxItem.objects.filter(pk=item.pk).update(done_at=timezone.now(), last_error="")


def outbox_item_failed(*, item_id: int, error: BaseException) -> None:
    """Note a failed attempt (outside the rolled-back transaction); the item stays pending for the next dispatch."""
    OutboxItem.objects.filter(pk=item_id).update(attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000])


def outbox_dispatched(*, item_ids: list[int], now: dt.datetime) -> None:
    OutboxItem.objects.filter(pk__in=item_ids).update(dispatched_at=now)


def outbox_backlog(*, now: dt.datetime) -> dict:
    """What /healthz and operators read: how many owed items are pending and how old the oldest is."""
    pending = outbox_pending().aggregate(count=Count("id"), oldest=Min("created_at"))
    oldest = (now - pending["oldest"]).total_seconds() if pending["oldest"] else 0
    return {"pending": pending["count"], "oldest_seconds": round(oldest)}
