from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import BudgetEntryKind, ProgrammeKind, ReviewLevel


def default_level_days() -> dict:
    return {ReviewLevel.COMMUNITY: 5, ReviewLevel.TOWN: 5, ReviewLevel.DISTRICT: 10, ReviewLevel.APPROVAL: 10}


class Programme(models.Model):
    """A subsidy programme as data. Amounts, periods and limits are defaults an administrator changes here.

    amount_rule examples:
      {"type": "by_category", "amounts": {"graduate": "10000", "unemployed": "5000"}}
      {"type": "fixed", "amount": "3000"}
      {"type": "requested"}  (the reviewer fixes the amount within min/max)
    eligibility_rules examples (keys are read by cases.services.eligibility):
      {"categories": ["graduate", "unemployed"], "business_min_months": 6, "graduate_within_years": 5,
       "once_per_person": true}
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=ProgrammeKind.choices)
    case_prefix = models.CharField(_("case number prefix"), max_length=8, help_text="YH-<prefix>-2026-000123")
    document_word = models.CharField(_("document word"), max_length=8, default="创", help_text="余人社<word>〔2026〕00123号")
    amount_rule = models.JSONField(_("amount rule"), default=dict)
    min_amount = models.DecimalField(_("minimum amount"), max_digits=14, decimal_places=2, default=Decimal("0"))
    max_amount = models.DecimalField(_("maximum amount (cap)"), max_digits=14, decimal_places=2)
    eligibility_rules = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    required_documents = models.JSONField(_("required document kinds"), default=list, blank=True)
    review_levels = models.JSONField(_("review levels"), default=list)
    level_days = models.JSONField(_("working days per level"), default=default_level_days)
    publicity_days = models.PositiveSmallIntegerField(_("publicity working days"), default=5)
    active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_amount__lte=models.F("max_amount")), name="programme_min_le_max"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.review_levels) - set(ReviewLevel.values)
        if unknown:
            raise ValidationError({"review_levels": _("Unknown review levels: %s") % ", ".join(sorted(unknown))})

    def days_for(self, level: str) -> int:
        return int(self.level_days.get(level, default_level_days().get(level, 5)))


class BudgetEnvelope(models.Model):
    """Money a programme may commit in a year, optionally for one town.

    Invariant: committed + paid <= amount; every change is a BudgetEntry.
    """

    programme = models.ForeignKey(Programme, models.PROTECT, related_name="envelopes")
    year = models.PositiveSmallIntegerField(_("year"))
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, null=True, blank=True, related_name="envelopes")
    amount = models.DecimalField(_("allocated"), max_digits=14, decimal_places=2)
    committed = models.DecimalField(_("committed"), max_digits=14, decimal_places=2, default=Decimal("0"))
    paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("budget envelope")
        verbose_name_plural = _("budget envelopes")
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "org_unit"], name="envelope_unique_scope"),
            models.UniqueConstraint(
                fields=["programme", "year"], condition=models.Q(org_unit__isnull=True), name="envelope_unique_district"
            ),
            models.CheckConstraint(
                condition=models.Q(committed__gte=0, paid__gte=0, committed__lte=models.F("amount") - models.F("paid")),
                name="envelope_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}" + (f" {self.org_unit}" if self.org_unit_id else "")

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.paid


class FundingSource(models.Model):
    """A co-funder's share of an envelope (city, district, ...). Shares of one envelope add up to exactly 1.

    A commitment splits across the sources by share, to the cent (largest remainder; see cases.money.split_by_weights).
    Each source keeps its own committed/paid counters, never negative and never above its part of the envelope.
    """

    envelope = models.ForeignKey(BudgetEnvelope, models.PROTECT, related_name="sources")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("funding source"), max_length=100)
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4, help_text="0.6000 = 60 %")
    priority = models.PositiveSmallIntegerField(_("rounding priority"), default=0, help_text="lower gets a leftover cent first")
    committed = models.DecimalField(_("committed"), max_digits=14, decimal_places=2, default=Decimal("0"))
    paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["envelope_id", "priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["envelope", "code"], name="funding_source_unique_code"),
            models.CheckConstraint(condition=models.Q(share__gt=0, share__lte=1), name="funding_source_share_range"),
            models.CheckConstraint(condition=models.Q(committed__gte=0, paid__gte=0), name="funding_source_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.share:%}"


class BudgetEntry(models.Model):
    """Append-only ledger behind the envelope counters."""

    envelope = models.ForeignKey(BudgetEnvelope, models.PROTECT, related_name="entries")
    application = models.ForeignKey("cases.Application", models.PROTECT, related_name="budget_entries")
    kind = models.CharField(max_length=16, choices=BudgetEntryKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("budget entry")
        verbose_name_plural = _("budget entries")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="budget_entry_positive")]


class BudgetEntrySplit(models.Model):
    """The part of one ledger entry carried by one funding source. The parts of an entry add up to the entry."""

    entry = models.ForeignKey(BudgetEntry, models.PROTECT, related_name="splits")
    source = models.ForeignKey(FundingSource, models.PROTECT, related_name="splits")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "source"], name="budget_split_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_split_not_negative"),
        ]
