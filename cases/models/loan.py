"""Guaranteed start-up loans (创业担保贷款): the loan's own lifecycle after the case is approved (qualification).

The case (Application) keeps its legal status `district_approved` (qualified); the loan carries its own protected
FSM. Transitions are pure: source state, conditions, field changes in memory. cases.services.loans saves them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class LoanState(models.TextChoices):
    QUALIFIED = "qualified", _("Qualification certificate issued")
    BANK_ACCEPTED = "bank_accepted", _("Accepted by the bank")
    BANK_DECLINED = "bank_declined", _("Declined by the bank")
    GUARANTEED = "guaranteed", _("Guarantee issued")
    DISBURSED = "disbursed", _("Disbursed")
    REPAYING = "repaying", _("Repaying")
    EXTENDED = "extended", _("Extended")
    OVERDUE = "overdue", _("Overdue")
    SETTLED = "settled", _("Settled")
    DEFAULTED = "defaulted", _("Defaulted")
    COMPENSATED = "compensated", _("Compensated by the guarantee fund")
    RECOVERED = "recovered", _("Recovered")
    WRITTEN_OFF = "written_off", _("Written off")


FINAL_LOAN_STATES = frozenset({LoanState.BANK_DECLINED, LoanState.SETTLED, LoanState.RECOVERED, LoanState.WRITTEN_OFF})
# States in which the borrower repays and periods fall due.
REPAYING_LOAN_STATES = (LoanState.DISBURSED, LoanState.REPAYING, LoanState.EXTENDED, LoanState.OVERDUE)


class BorrowerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    PARTNERSHIP = "partnership", _("Partnership")
    SMALL_ENTERPRISE = "small_enterprise", _("Small enterprise")


class RepaymentMethod(models.TextChoices):
    ANNUITY = "annuity", _("Equal instalments")
    INTEREST_ONLY = "interest_only", _("Interest only, principal at maturity")


class SubsidyClaimSource(models.TextChoices):
    BORROWER = "borrower", _("Borrower")
    BANK_FILE = "bank_file", _("Bank interest file")
    SYSTEM = "system", _("Opened on schedule")


class SubsidyClaimStatus(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    PAYMENT_PENDING = "payment_pending", _("Payment pending")
    PAID = "paid", _("Paid")


class Bank(models.Model):
    """A lending bank (branch) taking part in the programme."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("bank")
        verbose_name_plural = _("banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BankOfficer(models.Model):
    """Ties a user with the bank_officer role to one bank: they see only loans routed to it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="bank_officer")
    bank = models.ForeignKey(Bank, models.PROTECT, related_name="officers")

    class Meta:
        verbose_name = _("bank officer")
        verbose_name_plural = _("bank officers")


class Loan(FSMModelMixin, models.Model):
    application = models.OneToOneField("cases.Application", models.PROTECT, related_name="loan")
    bank = models.ForeignKey(Bank, models.PROTECT, related_name="loans")
    state = FSMField(_("state"), default=LoanState.QUALIFIED, choices=LoanState.choices, protected=True, db_index=True)
    borrower_kind = models.CharField(_("borrower kind"), max_length=16, choices=BorrowerKind.choices)
    key_group = models.BooleanField(_("key group (full interest subsidy)"), default=False)
    qualified_amount = models.DecimalField(_("qualified amount"), max_digits=14, decimal_places=2)
    certificate_number = models.CharField(_("qualification certificate"), max_length=40, unique=True)
    certified_on = models.DateField(_("certified on"))
    # Bank due diligence.
    due_diligence_on = models.DateField(null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # Guarantee fund.
    guarantee_number = models.CharField(_("guarantee number"), max_length=40, blank=True)
    guaranteed_on = models.DateField(null=True, blank=True)
    # Contract, from disbursement.
    contract_number = models.CharField(_("contract number"), max_length=40, null=True, blank=True, unique=True)
    principal = models.DecimalField(_("principal"), max_digits=14, decimal_places=2, null=True, blank=True)
    annual_rate = models.DecimalField(_("annual rate"), max_digits=7, decimal_places=6, null=True, blank=True)
    reference_rate = models.DecimalField(_("reference rate"), max_digits=7, decimal_places=6, null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term in months"), null=True, blank=True)
    period_months = models.PositiveSmallIntegerField(_("months per period"), default=3)
    repayment_method = models.CharField(_("repayment method"), max_length=16, choices=RepaymentMethod.choices, blank=True)
    disbursed_on = models.DateField(null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField(default=0)
    settled_on = models.DateField(null=True, blank=True)
    # Default and guarantee compensation.
    defaulted_on = models.DateField(null=True, blank=True)
    outstanding_at_default = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    compensation_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    compensated_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(qualified_amount__gt=0), name="loan_qualified_positive"),
            models.CheckConstraint(
                condition=models.Q(principal__isnull=True)
                | models.Q(principal__gt=0, principal__lte=models.F("qualified_amount")),
                name="loan_principal_within_qualified",
            ),
            models.CheckConstraint(condition=models.Q(term_months__isnull=True) | models.Q(term_months__gt=0), name="loan_term"),
            models.CheckConstraint(condition=models.Q(period_months__in=[1, 3]), name="loan_period_months"),
        ]
        permissions = [("act_for_bank", _("Can record bank decisions, disbursements and repayments"))]

    def __str__(self) -> str:
        return self.contract_number or self.certificate_number

    # --- transitions: pure, no I/O ---------------------------------------------------

    @transition(field=state, source=LoanState.QUALIFIED, target=LoanState.BANK_ACCEPTED)
    def bank_accept(self, *, on) -> None:
        self.due_diligence_on = on

    @transition(field=state, source=LoanState.QUALIFIED, target=LoanState.BANK_DECLINED)
    def bank_decline(self, *, on, reason: str) -> None:
        self.due_diligence_on = on
        self.decline_reason = reason
        self.closed_on = on

    @transition(field=state, source=LoanState.BANK_ACCEPTED, target=LoanState.GUARANTEED)
    def guarantee(self, *, on, number: str) -> None:
        self.guaranteed_on = on
        self.guarantee_number = number

    @transition(field=state, source=LoanState.GUARANTEED, target=LoanState.DISBURSED)
    def disburse(
        self,
        *,
        on,
        contract_number: str,
        principal: Decimal,
        annual_rate: Decimal,
        reference_rate: Decimal,
        term_months: int,
        period_months: int,
        repayment_method: str,
    ) -> None:
        self.disbursed_on = on
        self.contract_number = contract_number
        self.principal = principal
        self.annual_rate = annual_rate
        self.reference_rate = reference_rate
        self.term_months = term_months
        self.period_months = period_months
        self.repayment_method = repayment_method

    @transition(field=state, source=LoanState.DISBURSED, target=LoanState.REPAYING)
    def start_repaying(self) -> None:
        pass

    @transition(field=state, source=[LoanState.DISBURSED, LoanState.REPAYING], target=LoanState.EXTENDED)
    def extend(self, *, months: int) -> None:
        self.extended_months += months

    @transition(field=state, source=[LoanState.DISBURSED, LoanState.REPAYING, LoanState.EXTENDED], target=LoanState.OVERDUE)
    def fall_overdue(self) -> None:
        pass

    @transition(
        field=state, source=LoanState.OVERDUE, target=LoanState.REPAYING, conditions=[lambda loan: not loan.extended_months]
    )
    def cure(self) -> None:
        pass

    @transition(
        field=state, source=LoanState.OVERDUE, target=LoanState.EXTENDED, conditions=[lambda loan: bool(loan.extended_months)]
    )
    def cure_extended(self) -> None:
        pass

    @transition(field=state, source=[LoanState.DISBURSED, LoanState.REPAYING, LoanState.EXTENDED], target=LoanState.SETTLED)
    def settle(self, *, on) -> None:
        self.settled_on = on
        self.closed_on = on

    @transition(field=state, source=LoanState.OVERDUE, target=LoanState.DEFAULTED)
    def declare_default(self, *, on, outstanding: Decimal) -> None:
        self.defaulted_on = on
        self.outstanding_at_default = outstanding

    @transition(field=state, source=LoanState.DEFAULTED, target=LoanState.COMPENSATED)
    def compensate(self, *, on, amount: Decimal) -> None:
        self.compensated_on = on
        self.compensation_amount = amount

    @transition(field=state, source=LoanState.COMPENSATED, target=LoanState.RECOVERED)
    def close_recovered(self, *, on) -> None:
        self.closed_on = on

    @transition(field=state, source=LoanState.COMPENSATED, target=LoanState.WRITTEN_OFF)
    def write_off(self, *, on) -> None:
        self.closed_on = on


class LoanPeriod(models.Model):
    """One row of the repayment schedule, with what the borrower actually repaid."""

    loan = models.ForeignKey(Loan, models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("period"))
    starts_on = models.DateField()
    due_on = models.DateField(_("due on"))
    opening_balance = models.DecimalField(max_digits=14, decimal_places=2)
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    subsidy = models.DecimalField(_("interest subsidy due if repaid on time"), max_digits=14, decimal_places=2)
    is_due = models.BooleanField(default=False)
    repaid_on = models.DateField(_("repaid on"), null=True, blank=True)
    # Sticky flags: a period once overdue or extended never earns a subsidy.
    overdue = models.BooleanField(default=False)
    extended = models.BooleanField(default=False)

    class Meta:
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loan_period_unique"),
            models.CheckConstraint(
                condition=models.Q(principal__gte=0, interest__gte=0, subsidy__gte=0, subsidy__lte=models.F("interest")),
                name="loan_period_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} #{self.number}"

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest

    @property
    def repaid_on_time(self) -> bool:
        return self.repaid_on is not None and self.repaid_on <= self.due_on and not self.overdue and not self.extended


class SubsidyClaim(models.Model):
    """The interest subsidy for one period (先还后贴). One claim per period, enforced by the database."""

    loan = models.ForeignKey(Loan, models.PROTECT, related_name="subsidy_claims")
    period = models.OneToOneField(LoanPeriod, models.PROTECT, related_name="subsidy_claim")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=16, choices=SubsidyClaimSource.choices)
    status = models.CharField(max_length=16, choices=SubsidyClaimStatus.choices, default=SubsidyClaimStatus.OPEN)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    claimed_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    review_note = models.TextField(blank=True)
    payment_line = models.OneToOneField("cases.PaymentLine", models.PROTECT, null=True, blank=True, related_name="subsidy_claim")
    paid_on = models.DateField(null=True, blank=True)
    # The envelope the approved amount is committed to (and later paid from): the one of the approval's year.
    envelope = models.ForeignKey("cases.BudgetEnvelope", models.PROTECT, null=True, blank=True, related_name="subsidy_claims")

    class Meta:
        ordering = ["loan_id", "period_id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="subsidy_claim_positive")]


class LoanRecovery(models.Model):
    """Money recovered from a defaulted borrower after the guarantee fund compensated the bank."""

    loan = models.ForeignKey(Loan, models.PROTECT, related_name="recoveries")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    recovered_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recovered_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="loan_recovery_positive")]
