from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.constants import AttachmentKind, BudgetEntryKind, ObjectionIdentity, ProgrammeKind, ReviewLevel


def default_level_days() -> dict:
    return {ReviewLevel.COMMUNITY: 5, ReviewLevel.TOWN: 5, ReviewLevel.DISTRICT: 10, ReviewLevel.APPROVAL: 10}


# The fields of a rules version (what an administrator may change; each change is a new version).
RULE_FIELDS = (
    "amount_rule",
    "min_amount",
    "max_amount",
    "eligibility_rules",
    "required_documents",
    "review_levels",
    "level_days",
    "publicity_days",
)
# The review levels the flows support: community acceptance, district review and approval always; the town level may
# be skipped (a case is filed at a community, so its window accepts it first; the approval step follows the district).
REQUIRED_LEVELS = (ReviewLevel.COMMUNITY, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL)


class Programme(models.Model):
    """A subsidy programme: its identity here, its rules in versions (ProgrammeRules). `current_rules` judges new
    cases; a filed case is judged by the version it was filed under (Application.rules). The rule attributes below
    read the current version, for programme-level readers (the portal's pre-check, a publicity batch)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=ProgrammeKind.choices)
    case_prefix = models.CharField(_("case number prefix"), max_length=8, help_text="YH-<prefix>-2026-000123")
    document_word = models.CharField(_("document word"), max_length=8, default="创", help_text="余人社<word>〔2026〕00123号")
    current_rules = models.ForeignKey(
        "cases.ProgrammeRules", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("current rules")
    )
    active = models.BooleanField(_("open for applications"), default=True)
    # A loan's principal is the bank's money: its envelope carries the interest subsidies, committed claim by claim
    # (cases.services.loans.subsidy_claim_review_record; ADR 0007), so approving a loan case commits nothing.
    commits_budget_on_approval = models.BooleanField(_("approval commits the budget"), default=True)
    # Who may object online during publicity: empty follows the setting PUBLIC_OBJECTIONS_ANONYMOUS.
    objection_identity = models.CharField(
        _("online objections"), max_length=16, choices=ObjectionIdentity.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def _current(self) -> "ProgrammeRules":
        rules = self.current_rules
        if rules is None:
            raise ProgrammeRules.DoesNotExist(f"Programme {self.code} has no rules version.")
        return rules

    amount_rule = property(lambda self: self._current().amount_rule)
    min_amount = property(lambda self: self._current().min_amount)
    max_amount = property(lambda self: self._current().max_amount)
    eligibility_rules = property(lambda self: self._current().eligibility_rules)
    required_documents = property(lambda self: self._current().required_documents)
    review_levels = property(lambda self: self._current().review_levels)
    level_days = property(lambda self: self._current().level_days)
    publicity_days = property(lambda self: self._current().publicity_days)

    def days_for(self, level: str) -> int:
        return self._current().days_for(level)

    @property
    def anonymous_objections(self) -> bool:
        """Whether an online objection may leave out the objector's name (a contact is always required)."""
        if self.objection_identity:
            return self.objection_identity == ObjectionIdentity.ANONYMOUS
        return settings.PUBLIC_OBJECTIONS_ANONYMOUS


class ProgrammeRules(models.Model):
    """One version of a programme's rules: immutable once saved (a change is a new version, see
    cases.services.programmes.programme_rules_change). Versions are numbered 1, 2, ... per programme.

    amount_rule examples:
      {"type": "by_category", "amounts": {"graduate": "10000", "unemployed": "5000"}}
      {"type": "fixed", "amount": "3000"}
      {"type": "requested"}  (the reviewer fixes the amount within min/max)
    eligibility_rules examples (keys are read by cases.services.eligibility):
      {"categories": ["graduate", "unemployed"], "business_min_months": 6, "graduate_within_years": 5,
       "once_per_person": true}
    """

    programme = models.ForeignKey(Programme, models.PROTECT, related_name="rules_versions", verbose_name=_("programme"))
    number = models.PositiveIntegerField(_("version"))
    amount_rule = models.JSONField(_("amount rule"), default=dict)
    min_amount = models.DecimalField(_("minimum amount"), max_digits=14, decimal_places=2, default=Decimal("0"))
    max_amount = models.DecimalField(_("maximum amount (cap)"), max_digits=14, decimal_places=2)
    eligibility_rules = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    required_documents = models.JSONField(_("required document kinds"), default=list, blank=True)
    review_levels = models.JSONField(_("review levels"), default=list)
    level_days = models.JSONField(_("working days per level"), default=default_level_days)
    publicity_days = models.PositiveSmallIntegerField(_("publicity working days"), default=5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        help_text=_("Empty: loaded from the reference data."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("programme rules version")
        verbose_name_plural = _("programme rules versions")
        ordering = ["programme_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="programme_rules_unique_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="programme_rules_number_from_one"),
            models.CheckConstraint(condition=models.Q(min_amount__lte=models.F("max_amount")), name="programme_rules_min_le_max"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A rules version is immutable; change the rules to create a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A rules version stays on record: cases were judged by it.")

    def clean(self) -> None:
        errors = {}
        levels = self.review_levels if isinstance(self.review_levels, list) else None
        if levels is None:
            errors["review_levels"] = _("List the review levels.")
        else:
            unknown = set(levels) - set(ReviewLevel.values)
            ordered = [level for level in ReviewLevel.values if level in levels]
            if unknown:
                errors["review_levels"] = _("Unknown review levels: %s") % ", ".join(sorted(map(str, unknown)))
            elif levels != ordered:
                errors["review_levels"] = _("List each review level once, in the order community, town, district, approval.")
            elif not set(REQUIRED_LEVELS) <= set(levels):
                errors["review_levels"] = _(
                    "Community acceptance, district review and approval are required; only the town level may be left out."
                )
        documents = self.required_documents if isinstance(self.required_documents, list) else None
        if documents is None:
            errors["required_documents"] = _("List the required document kinds.")
        elif set(documents) - set(AttachmentKind.values):
            errors["required_documents"] = _("Unknown document kinds: %s") % ", ".join(
                sorted(map(str, set(documents) - set(AttachmentKind.values)))
            )
        days = self.level_days if isinstance(self.level_days, dict) else None
        if days is None or set(days) - set(ReviewLevel.values):
            errors["level_days"] = _('Give working days per known review level, e.g. {"community": 5}.')
        elif any(not isinstance(value, int) or isinstance(value, bool) or value < 1 for value in days.values()):
            errors["level_days"] = _("Working days per level are whole numbers of at least 1.")
        if not self.publicity_days or self.publicity_days < 1:
            errors["publicity_days"] = _("Publicity lasts at least one working day.")
        if not isinstance(self.amount_rule, dict) or "type" not in self.amount_rule:
            errors["amount_rule"] = _('The amount rule needs a type, e.g. {"type": "requested"}.')
        if not isinstance(self.eligibility_rules, dict):
            errors["eligibility_rules"] = _('The eligibility rules are an object, e.g. {"categories": ["graduate"]}.')
        if self.max_amount is not None and self.max_amount <= 0:
            errors["max_amount"] = _("The cap must be above zero.")
        elif self.max_amount is not None and self.min_amount is not None and self.min_amount > self.max_amount:
            errors["min_amount"] = _("The minimum amount may not exceed the cap.")
        if errors:
            raise ValidationError(errors)

    def days_for(self, level: str) -> int:
        return int(self.level_days.get(level, default_level_days().get(level, 5)))

    def rules(self) -> dict:
        """The rule fields of this version by name (what a diff compares)."""
        return {name: getattr(self, name) for name in RULE_FIELDS}

    def diff(self, previous: "ProgrammeRules | None") -> dict[str, tuple]:
        """Field name -> (value in the previous version, value here), for the fields that changed."""
        before = previous.rules() if previous is not None else {}
        return {name: (before.get(name), value) for name, value in self.rules().items() if before.get(name) != value}


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
