"""The number register: document numbers reserved for a step in a transaction of their own, used by the step's
document or made void with the reason (ADR 0006)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import OrgUnit
from cases.services import counter_next
from documents.constants import DocumentKind, NumberStatus
from documents.exceptions import NumberNotReserved, NumberVoidReasonMissing
from documents.models import DocumentNumber

KIND_WORD = {
    DocumentKind.SUBMISSION_RECEIPT: "收",
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.CORRECTION_NOTICE: "告",
    DocumentKind.REVIEW_OPINION: "审",
    DocumentKind.APPROVAL_DECISION: "决",
    DocumentKind.REFUSAL_NOTICE: "驳",
    DocumentKind.PUBLICITY_LIST: "公",
    DocumentKind.PAYMENT_NOTICE: "拨",
    DocumentKind.PAYMENT_LIST: "清",
    DocumentKind.VENTURE_PANEL_RECORD: "评",
    DocumentKind.VENTURE_APPROVAL_DECISION: "决",
    DocumentKind.VENTURE_REFUSAL_NOTICE: "驳",
    DocumentKind.LOAN_CERTIFICATE: "资",
    DocumentKind.LOAN_SUBSIDY_STATEMENT: "息",
}


class NumberAlreadyUsed(Exception):
    """Raised inside the insert transaction when another attempt already issued the step under the same number."""


def _series(*, unit: OrgUnit, kind: str, programme_word: str, year: int) -> str:
    return f"doc:{unit.code}:{kind}:{programme_word}:{year}"


def _number_text(*, unit: OrgUnit, kind: str, programme_word: str, year: int, value: int) -> str:
    prefix = unit.document_prefix or unit.name
    return f"{prefix}人社{programme_word}{KIND_WORD[DocumentKind(kind)]}〔{year}〕{value:05d}号"


def document_number_next(*, unit: OrgUnit, kind: str, programme_word: str, year: int) -> str:
    """余人社创决〔2026〕00123号: the next value of the series per issuing unit x kind x programme word x year.

    The counter row stays locked until the caller's transaction ends: a rollback gives the value back. Documents
    take their numbers through document_number_reserve, which records each value in the number register.
    """
    value = counter_next(key=_series(unit=unit, kind=kind, programme_word=programme_word, year=year))
    return _number_text(unit=unit, kind=kind, programme_word=programme_word, year=year, value=value)


def document_number_reserve(*, step_key: str, unit: OrgUnit, kind: str, programme_word: str) -> DocumentNumber:
    """The number of one step's document, in a short transaction of its own (the counter row is locked only for
    it, never while the document renders).

    A step keeps its number: an attempt that failed after reserving left the row `reserved`, and the retry takes
    that row again, so a retried task never consumes a second number. Two workers reserving for the same step at
    once: the second one's insert breaks the one-live-number-per-step constraint, its counter increment rolls back
    with it and it takes the first one's row.
    """
    live = DocumentNumber.objects.exclude(status=NumberStatus.VOID)
    with transaction.atomic():
        found = live.filter(step_key=step_key).first()
        if found is not None:
            return found
        reserved_at = timezone.now()
        year = timezone.localdate(reserved_at).year
        series = _series(unit=unit, kind=kind, programme_word=programme_word, year=year)
        try:
            with transaction.atomic():
                value = counter_next(key=series)
                return DocumentNumber.objects.create(
                    number=_number_text(unit=unit, kind=kind, programme_word=programme_word, year=year, value=value),
                    series=series,
                    value=value,
                    step_key=step_key,
                    reserved_at=reserved_at,
                )
        except IntegrityError:
            return live.get(step_key=step_key)


def document_number_void(*, number: str, reason: str) -> DocumentNumber:
    """Record that a reserved number will not be used, and why; the gap it leaves in its series is explained.

    Only a number still `reserved` can be made void (a used number belongs to its document). The step, if its
    document is still owed, takes a new number at its next attempt."""
    reason = (reason or "").strip()
    if not reason:
        raise NumberVoidReasonMissing()
    with transaction.atomic():
        row = DocumentNumber.objects.select_for_update().filter(number=number).first()
        if row is None or row.status != NumberStatus.RESERVED:
            raise NumberNotReserved()
        row.status = NumberStatus.VOID
        row.void_reason = reason[:2000]
        row.voided_at = timezone.now()
        row.save(update_fields=["status", "void_reason", "voided_at"])
    return row


def document_number_use(reservation: DocumentNumber, *, step_key: str) -> None:
    """In the insert transaction: the reservation becomes used. Another attempt that used it first issued the step;
    a number made void meanwhile cannot be printed on a document."""
    row = DocumentNumber.objects.select_for_update().get(pk=reservation.pk)
    if row.status == NumberStatus.USED:
        raise NumberAlreadyUsed()
    if row.status == NumberStatus.VOID:
        raise NumberNotReserved()
    DocumentNumber.objects.filter(pk=row.pk).update(status=NumberStatus.USED, last_error="")


def document_number_failed(reservation: DocumentNumber, error: BaseException) -> None:
    """Note why the attempt failed on the reservation; it stays reserved for the retry."""
    DocumentNumber.objects.filter(pk=reservation.pk, status=NumberStatus.RESERVED).update(
        last_error=f"{type(error).__name__}: {error}"[:2000]
    )
