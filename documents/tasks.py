"""Document generation runs after commit, in a worker (or in-process in the embedded mode)."""

from celery import shared_task
from django.db import OperationalError, transaction

from cases.models import Application, PaymentBatch, PublicityBatch


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=30, time_limit=600)
def issue_case_document(kind: str, application_id: int, step_id: int, subject: dict | None = None) -> int:
    from documents.services import document_issue

    application = Application.objects.select_related("programme", "applicant", "org_unit").get(pk=application_id)
    step_key = f"{kind}:case:{application_id}:{step_id}"
    return document_issue(kind=kind, step_key=step_key, application=application, subject=subject).pk


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=30, time_limit=1800)
def issue_batch_document(kind: str, publicity_batch_id: int | None = None, payment_batch_id: int | None = None) -> int:
    from documents.services import document_issue

    if publicity_batch_id:
        batch = PublicityBatch.objects.select_related("programme", "org_unit").get(pk=publicity_batch_id)
        return document_issue(kind=kind, step_key=f"{kind}:publicity:{batch.pk}", publicity_batch=batch).pk
    batch = PaymentBatch.objects.select_related("programme", "org_unit").get(pk=payment_batch_id)
    return document_issue(kind=kind, step_key=f"{kind}:payment:{batch.pk}", payment_batch=batch).pk


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=30, time_limit=3600)
def issue_case_documents_bulk(kind: str, application_ids: list[int], step_suffix: str) -> list[int]:
    """Many notices of one kind in one worker pass; safe to run twice (one step_key per case and suffix)."""
    from documents.services import documents_issue_bulk

    applications = Application.objects.select_related("programme", "applicant", "org_unit").filter(pk__in=application_ids)
    return [d.pk for d in documents_issue_bulk(kind=kind, applications=applications.order_by("pk"), step_suffix=step_suffix)]


def schedule_case_document(*, kind: str, application_id: int, step_id: int, subject: dict | None = None) -> None:
    """`subject` names the part of the case a document is about (a loan period for a subsidy statement)."""
    transaction.on_commit(lambda: issue_case_document.delay(kind, application_id, step_id, subject))


def schedule_batch_document(*, kind: str, publicity_batch_id: int | None = None, payment_batch_id: int | None = None) -> None:
    transaction.on_commit(lambda: issue_batch_document.delay(kind, publicity_batch_id, payment_batch_id))
