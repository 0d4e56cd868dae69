import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.constants import DocumentKind, DocumentStatus, NumberStatus


def new_token() -> str:
    return secrets.token_urlsafe(24)


def document_path(instance: "Document", filename: str) -> str:
    return f"documents/{instance.issued_at:%Y/%m}/{instance.token}.pdf"


class Document(models.Model):
    """An issued PDF. Immutable once issued; a re-issue is a new row with a new number that supersedes this one."""

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=64, unique=True)
    # One document per step: a retried or duplicated task finds the row and issues nothing.
    step_key = models.CharField(max_length=100, unique=True)
    application = models.ForeignKey("cases.Application", models.PROTECT, null=True, blank=True, related_name="documents")
    publicity_batch = models.ForeignKey("cases.PublicityBatch", models.PROTECT, null=True, blank=True, related_name="documents")
    payment_batch = models.ForeignKey("cases.PaymentBatch", models.PROTECT, null=True, blank=True, related_name="documents")
    # The part of the case the document is about, when it is about a part: {"period": 3} for a subsidy statement.
    subject = models.JSONField(default=dict, blank=True)
    issuing_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))
    language = models.CharField(max_length=8, default="zh-hans")
    file = models.FileField(upload_to=document_path)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.VALID)
    supersedes = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="superseded_by")
    # Who asked for a re-issue and why (empty for documents issued by a workflow step).
    issued_by = models.ForeignKey("cases.User", models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason for re-issue"), blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["issued_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(reason=""), name="document_reissue_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        # Immutable once issued: the only later change is the status, set by document_reissue with a queryset update.
        if self.pk is not None:
            raise ValueError("An issued document is immutable; re-issue it instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An issued document stays on record; re-issue it instead.")


class DocumentNumber(models.Model):
    """The number register: every value a document counter hands out, reserved for one step in a transaction of its
    own, then used by that step's document or void with the reason. A series (one counter) has no value without a
    row here, so a gap in the issued numbers is always explained."""

    number = models.CharField(_("number"), max_length=64, unique=True)
    # The counter key (doc:<unit code>:<kind>:<programme word>:<year>) and the value it gave.
    series = models.CharField(max_length=100)
    value = models.PositiveIntegerField()
    # The step the number is reserved for; at most one live (reserved or used) number per step.
    step_key = models.CharField(max_length=100)
    reserved_at = models.DateTimeField(_("reserved at"))
    status = models.CharField(max_length=16, choices=NumberStatus.choices, default=NumberStatus.RESERVED)
    void_reason = models.TextField(_("reason the number is void"), blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    # The last failed attempt to issue the document under this number (the retry uses the same number).
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        ordering = ["series", "value"]
        constraints = [
            models.UniqueConstraint(fields=["series", "value"], name="document_number_once_per_series"),
            models.UniqueConstraint(
                fields=["step_key"], condition=~models.Q(status="void"), name="document_number_one_live_per_step"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="void") | ~models.Q(void_reason=""), name="document_number_void_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.number
