from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import (
    LIVE_PAYMENT_LINE_STATUSES,
    ClawbackStatus,
    PaymentBatchStatus,
    PaymentLineStatus,
)
from cases.fields import EncryptedCharField


class BankFileLayout(models.Model):
    """How one bank wants its payment file: columns (field and header, in order), encoding, amount format.

    columns: [{"field": "reference", "header": "业务参考号"}, {"field": "amount", "header": "金额"}, ...]
    Fields: reference, key, payee_name, bank_name, account_number, amount, case_number, batch_number.
    """

    FIELDS = ("reference", "key", "payee_name", "bank_name", "account_number", "amount", "case_number", "batch_number")
    ENCODINGS = (("gbk", "GBK"), ("utf-8-sig", _("UTF-8 with BOM")), ("utf-8", _("UTF-8 without BOM")))
    AMOUNT_FORMATS = (("yuan", _("yuan with 2 decimals (1234.50)")), ("fen", _("whole fen (123450)")))

    code = models.SlugField(_("code"), max_length=32, unique=True)
    bank_name = models.CharField(_("bank"), max_length=100)
    columns = models.JSONField(_("columns"))
    encoding = models.CharField(_("encoding"), max_length=10, choices=ENCODINGS, default="utf-8")
    amount_format = models.CharField(_("amount format"), max_length=8, choices=AMOUNT_FORMATS, default="yuan")
    totals_row = models.BooleanField(_("totals row"), default=True)

    class Meta:
        verbose_name = _("bank file layout")
        verbose_name_plural = _("bank file layouts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(encoding__in=["utf-8", "utf-8-sig", "gbk"]), name="bank_layout_encoding"),
            models.CheckConstraint(condition=models.Q(amount_format__in=["yuan", "fen"]), name="bank_layout_amount_format"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} ({self.code})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.columns, list) or not self.columns:
            raise ValidationError({"columns": _("List at least one column.")})
        for column in self.columns:
            if (
                not isinstance(column, dict)
                or column.get("field") not in self.FIELDS
                or not str(column.get("header", "")).strip()
            ):
                raise ValidationError({"columns": _("Each column needs a known field and a header.")})
        if "reference" not in [c["field"] for c in self.columns] or "amount" not in [c["field"] for c in self.columns]:
            raise ValidationError({"columns": _("The reference and amount columns are required.")})


class PaymentBatch(models.Model):
    """清册: prepared by one finance officer, approved by another, sent to the bank, reconciled."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="payment_batches")
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=PaymentBatchStatus.choices, default=PaymentBatchStatus.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    line_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    bank_file_sha256 = models.CharField(max_length=64, blank=True)
    return_file_sha256 = models.CharField(max_length=64, blank=True)
    layout = models.ForeignKey(BankFileLayout, models.PROTECT, null=True, blank=True, related_name="+")
    criteria = models.JSONField(_("selection filters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("prepared_by")),
                name="payment_batch_maker_checker",
            )
        ]

    def __str__(self) -> str:
        return self.number


class PaymentLine(models.Model):
    """One transfer. At most one live (pending or sent) line per case and instalment; exactly one paid."""

    batch = models.ForeignKey(PaymentBatch, models.PROTECT, related_name="lines")
    application = models.ForeignKey("cases.Application", models.PROTECT, related_name="payment_lines")
    instalment = models.PositiveSmallIntegerField(default=1)
    attempt = models.PositiveSmallIntegerField(default=1)
    key = models.CharField(
        max_length=64, unique=True, help_text="<case number>/<instalment>/<attempt>: one per transfer attempt, never reused"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    payee_name = models.CharField(max_length=200)
    bank_name = models.CharField(max_length=100)
    account_number = EncryptedCharField(max_length=32)
    status = models.CharField(max_length=16, choices=PaymentLineStatus.choices, default=PaymentLineStatus.PENDING)
    bank_reference = models.CharField(max_length=64, blank=True)
    return_reason = models.CharField(max_length=200, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "instalment"],
                condition=models.Q(status__in=LIVE_PAYMENT_LINE_STATUSES),
                name="one_live_payment_line_per_instalment",
            ),
            models.UniqueConstraint(
                fields=["application", "instalment"],
                condition=models.Q(status=PaymentLineStatus.PAID),
                name="one_paid_line_per_instalment",
            ),
            models.UniqueConstraint(fields=["batch", "application", "instalment"], name="one_line_per_case_per_batch"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_line_positive"),
            models.UniqueConstraint(fields=["application", "instalment", "attempt"], name="payment_line_unique_attempt"),
        ]


class PaymentReturnFile(models.Model):
    """A bank return file applied to a batch, by digest: the same file twice is recognised and changes nothing."""

    batch = models.ForeignKey(PaymentBatch, models.PROTECT, related_name="return_files")
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=200, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    paid = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["batch", "sha256"], name="return_file_once_per_batch")]


class Clawback(models.Model):
    """追回: money paid in error or by fraud, to be recovered."""

    application = models.ForeignKey("cases.Application", models.PROTECT, related_name="clawbacks")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    recovered = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=ClawbackStatus.choices, default=ClawbackStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="clawback_positive"),
            models.CheckConstraint(
                condition=models.Q(recovered__gte=0, recovered__lte=models.F("amount")), name="clawback_recovered_within_amount"
            ),
        ]
