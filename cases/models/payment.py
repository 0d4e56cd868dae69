from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import (
    LIVE_PAYMENT_LINE_STATUSES,
    ClawbackStatus,
    PaymentBatchStatus,
    PaymentLineStatus,
)


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
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    payee_name = models.CharField(max_length=200)
    bank_name = models.CharField(max_length=100)
    account_number = models.CharField(max_length=32)
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
        ]


class Clawback(models.Model):
    """追回: money paid in error or by fraud, to be recovered."""

    application = models.ForeignKey("cases.Application", models.PROTECT, related_name="clawbacks")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=ClawbackStatus.choices, default=ClawbackStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="clawback_positive")]
