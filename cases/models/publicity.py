from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import ObjectionStatus, PublicityBatchStatus
from cases.validators import validate_name


class PublicityBatch(models.Model):
    """A published list (公示名单): approved cases open for objections for N working days."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="publicity_batches")
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on (last working day)"))
    status = models.CharField(max_length=16, choices=PublicityBatchStatus.choices, default=PublicityBatchStatus.OPEN)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("publicity batch")
        verbose_name_plural = _("publicity batches")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="publicity_period_ordered")
        ]

    def __str__(self) -> str:
        return self.number


class PublicityEntry(models.Model):
    batch = models.ForeignKey(PublicityBatch, models.PROTECT, related_name="entries")
    application = models.OneToOneField("cases.Application", models.PROTECT, related_name="publicity_entry")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]


class Objection(models.Model):
    """An objection to a case on a publicity list: recorded by staff, or filed online by anyone (recorded_by empty;
    objector_name empty when the programme accepts anonymous objections). Every open objection of a case is decided
    by the one investigation task; the receipt number (YY-2026-000001) is what the objector quotes."""

    number = models.CharField(_("receipt number"), max_length=32, unique=True, null=True, blank=True)
    application = models.ForeignKey("cases.Application", models.PROTECT, related_name="objections")
    batch = models.ForeignKey(PublicityBatch, models.PROTECT, related_name="objections")
    objector_name = models.CharField(_("objector"), max_length=100, blank=True, validators=[validate_name])
    objector_contact = models.CharField(_("contact"), max_length=100)
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"
