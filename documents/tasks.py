"""Documents a step owes: recorded in the step's transaction (the outbox), issued after commit by a worker (or
in-process in the embedded mode). Issuing is idempotent per step key; a dispatch lost to a broker outage or a
killed worker is repeated by the periodic re-dispatch (workflows.engine.outbox)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from django.db import OperationalError, transaction

from cases.models import OutboxKind
from cases.services import outbox_record

# The longest a document may take to render and store (a publicity list of thousands of rows); the broker's
# visibility timeout is set above it (settings.CELERY_BROKER_TRANSPORT_OPTIONS).
DOCUMENT_TIME_LIMIT = 600
# Steps run inside `documents_withheld()` owe no document: nothing is recorded, so nothing is pending, rendered or
# missing (a statistics-only replay, `replay_report --without-documents`). Their cases carry no notices.
_WITHHELD: ContextVar[bool] = ContextVar("documents_withheld", default=False)


@contextmanager
def documents_withheld() -> Iterator[None]:
    """Within the block (this thread or task only), the steps record no owed documents."""
    token = _WITHHELD.set(True)
    try:
        yield
    finally:
        _WITHHELD.reset(token)


@shared_task(
    acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=30, time_limit=DOCUMENT_TIME_LIMIT
)
def issue_owed_document(item_id: int) -> int | None:
    from documents.services import document_issue_owed

    document = document_issue_owed(item_id=item_id)
    return document.pk if document else None


def _owe(*, key: str, application_id: int | None, payload: dict) -> None:
    if _WITHHELD.get():
        return
    item, created = outbox_record(key=key, kind=OutboxKind.DOCUMENT, application_id=application_id, payload=payload)
    if created:
        transaction.on_commit(lambda: issue_owed_document.delay(item.pk), robust=True)


def schedule_case_document(*, kind: str, application_id: int, step_id: int, subject: dict | None = None) -> None:
    """The step (audit entry `step_id`) owes this document. `subject` names the part of the case it is about (a
    loan period for a subsidy statement)."""
    _owe(
        key=f"{kind}:case:{application_id}:{step_id}",
        application_id=application_id,
        payload={"kind": kind, "subject": subject or {}},
    )


def schedule_batch_document(*, kind: str, publicity_batch_id: int | None = None, payment_batch_id: int | None = None) -> None:
    about = f"publicity:{publicity_batch_id}" if publicity_batch_id else f"payment:{payment_batch_id}"
    payload = {"kind": kind, "publicity_batch": publicity_batch_id, "payment_batch": payment_batch_id}
    _owe(key=f"{kind}:{about}", application_id=None, payload=payload)
