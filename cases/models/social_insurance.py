"""Employer social-insurance subsidy (社保补贴): an employer's claim per quarter with its roster, the social-insurance
agency's monthly contribution records, the yearly standard that caps a person-month, and the person-month
entitlement ledger (docs/adr/0012-person-month-ledger.md).

The ledger holds one row per person and month across all employers: the database refuses a second one, so a
person-month is never paid twice whatever the services above it do. cases.services.social_insurance writes these
rows; nothing here has business logic.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.money import to_cents
from cases.validators import validate_name


class RosterCategory(models.TextChoices):
    HARD_TO_EMPLOY = "hard_to_employ", _("Hard-to-employ person (such as 4050 people)")
    UNEMPLOYED = "unemployed", _("Registered unemployed")
    LAND_LOST_FARMER = "land_lost_farmer", _("Land-lost farmer")
    DISABLED = "disabled", _("Disabled person")
    GRADUATE = "graduate", _("College graduate within the eligibility window")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class RowDecision(models.TextChoices):
    PENDING = "pending", _("Not decided")
    APPROVED = "approved", _("Row approved")
    REFUSED = "refused", _("Row refused")


class EntitlementStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    RECOVERED = "recovered", _("Recovered by clawback")


# Ledger rows that count towards a person's month cap (a recovered month was given back).
CAP_COUNTING_STATUSES = (EntitlementStatus.CLAIMED, EntitlementStatus.APPROVED, EntitlementStatus.PAID)


class SocialInsuranceStandard(models.Model):
    """The year's cap per person-month: the minimum contribution base times the employer's rates of the covered
    insurances (pension, medical, unemployment). An administrator adds one row per programme and year."""

    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="social_insurance_standards")
    year = models.PositiveSmallIntegerField(_("year"))
    minimum_base = models.DecimalField(_("minimum contribution base"), max_digits=10, decimal_places=2)
    pension_rate = models.DecimalField(_("employer pension rate"), max_digits=6, decimal_places=4)
    medical_rate = models.DecimalField(_("employer medical rate"), max_digits=6, decimal_places=4)
    unemployment_rate = models.DecimalField(_("employer unemployment rate"), max_digits=6, decimal_places=4)

    class Meta:
        verbose_name = _("social-insurance standard")
        verbose_name_plural = _("social-insurance standards")
        ordering = ["programme_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="si_standard_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(minimum_base__gt=0, pension_rate__gte=0, medical_rate__gte=0, unemployment_rate__gte=0),
                name="si_standard_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}"

    @property
    def monthly_cap(self) -> Decimal:
        return to_cents(self.minimum_base * (self.pension_rate + self.medical_rate + self.unemployment_rate))


class SocialInsuranceClaim(models.Model):
    """One employer's claim for one quarter: its roster rows and the person-months they hold in the ledger."""

    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="social_insurance_claims")
    rules = models.ForeignKey("cases.ProgrammeRules", models.PROTECT, related_name="+", verbose_name=_("rules version"))
    employer = models.ForeignKey("cases.Applicant", models.PROTECT, related_name="social_insurance_claims")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    roster_filename = models.CharField(_("roster file"), max_length=200, blank=True)
    roster_sha256 = models.CharField(_("roster file digest"), max_length=64, blank=True)
    total_amount = models.DecimalField(_("amount claimed"), max_digits=14, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The case the claim is reviewed, published and paid as (its legal status, flow, documents), opened at
    # submission (cases.services.social_insurance.review).
    application = models.OneToOneField(
        "cases.Application", models.PROTECT, null=True, blank=True, related_name="social_insurance_claim"
    )

    class Meta:
        verbose_name = _("social-insurance subsidy claim")
        verbose_name_plural = _("social-insurance subsidy claims")
        ordering = ["year", "quarter", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "employer", "year", "quarter"], name="si_claim_one_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="si_claim_quarter_range"),
            models.CheckConstraint(condition=models.Q(total_amount__gte=0), name="si_claim_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.employer} {self.year}Q{self.quarter}"


class RosterRow(DigestsFollowSaves, models.Model):
    """One person of a claim's roster, as filed (line number kept for the reviewer and the report)."""

    claim = models.ForeignKey(SocialInsuranceClaim, models.PROTECT, related_name="roster_rows")
    line = models.PositiveIntegerField(_("line"))
    id_number = EncryptedCharField(_("citizen ID number"), max_length=18, validators=[validate_citizen_id])
    id_number_digest = LookupDigestField(source="id_number")
    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    category = models.CharField(_("category"), max_length=32, choices=RosterCategory.choices)
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"), null=True, blank=True, help_text=_("Empty: open-ended contract."))
    original_retirement_age = models.PositiveSmallIntegerField(_("original statutory retirement age"))
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    months = models.JSONField(_("months claimed"), default=list, help_text="['2026-01', '2026-02']")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # The reviewers' decisions: the town judges every row, the district the rows the town approved. A refused row
    # keeps its reason; its person-months leave the ledger.
    town_decision = models.CharField(_("town decision"), max_length=16, choices=RowDecision.choices, default=RowDecision.PENDING)
    district_decision = models.CharField(
        _("district decision"), max_length=16, choices=RowDecision.choices, default=RowDecision.PENDING
    )
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("roster row")
        verbose_name_plural = _("roster rows")
        ordering = ["claim_id", "line"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "id_number_digest"], name="si_roster_one_row_per_person"),
            models.UniqueConstraint(fields=["claim", "line"], name="si_roster_unique_line"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="si_roster_amount_not_negative"),
        ]


class ContributionFile(models.Model):
    """One monthly file of the social-insurance agency, as imported."""

    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("file digest"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contribution file")
        verbose_name_plural = _("contribution files")
        ordering = ["imported_at", "id"]


class ContributionRecord(models.Model):
    """What one employer paid for one person and month, as the agency last reported it. The person is kept by the
    digest of the citizen ID only. A later file may correct the amounts (corrected_in) or reverse the payment
    (退保, reversed_in); a reversed record pays nothing."""

    person_digest = models.CharField(max_length=64)
    employer_credit_code = models.CharField(_("employer credit code"), max_length=18, validators=[validate_credit_code])
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    base = models.DecimalField(_("contribution base"), max_digits=10, decimal_places=2)
    pension = models.DecimalField(_("employer pension"), max_digits=10, decimal_places=2)
    medical = models.DecimalField(_("employer medical"), max_digits=10, decimal_places=2)
    unemployment = models.DecimalField(_("employer unemployment"), max_digits=10, decimal_places=2)
    reversed = models.BooleanField(_("reversed"), default=False)
    source_file = models.ForeignKey(ContributionFile, models.PROTECT, related_name="records")
    corrected_in = models.ForeignKey(ContributionFile, models.PROTECT, null=True, blank=True, related_name="corrections")
    previous_total = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reversed_in = models.ForeignKey(ContributionFile, models.PROTECT, null=True, blank=True, related_name="reversals")

    class Meta:
        verbose_name = _("contribution record")
        verbose_name_plural = _("contribution records")
        constraints = [
            models.UniqueConstraint(fields=["person_digest", "employer_credit_code", "month"], name="si_contribution_unique"),
            models.CheckConstraint(
                condition=models.Q(base__gte=0, pension__gte=0, medical__gte=0, unemployment__gte=0),
                name="si_contribution_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["employer_credit_code", "month"], name="si_contribution_employer_month")]

    @property
    def employer_total(self) -> Decimal:
        return self.pension + self.medical + self.unemployment


class PersonMonthEntitlement(models.Model):
    """The ledger: one row per person and month, whoever the employer. The unique constraint is the guarantee that
    no person-month is claimed, approved or paid twice."""

    person_digest = models.CharField(max_length=64)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    category = models.CharField(_("category"), max_length=32, choices=RosterCategory.choices)
    employer = models.ForeignKey("cases.Applicant", models.PROTECT, related_name="person_months")
    roster_row = models.ForeignKey(RosterRow, models.PROTECT, related_name="entitlements")
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=EntitlementStatus.choices, default=EntitlementStatus.CLAIMED)
    created_at = models.DateTimeField(default=timezone.now)
    # The transfer that paid the month (one line per claim, key <case>/<instalment>/<attempt>): set once, when the
    # bank confirms it; a month already paid is never paid again.
    payment_line = models.ForeignKey("cases.PaymentLine", models.PROTECT, null=True, blank=True, related_name="person_months")
    clawback = models.ForeignKey("cases.Clawback", models.PROTECT, null=True, blank=True, related_name="person_months")

    class Meta:
        verbose_name = _("person-month entitlement")
        verbose_name_plural = _("person-month entitlements")
        ordering = ["person_digest", "month"]
        constraints = [
            models.UniqueConstraint(fields=["person_digest", "month"], name="si_ledger_one_row_per_person_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="si_ledger_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["employer", "month"], name="si_ledger_employer_month")]
