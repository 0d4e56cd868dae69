"""SYB entrepreneurship training subsidy (创业培训补贴), claimed by designated training providers.

A provider is an organisation account (cases.models.Employer: credit code, bank account, authorised agents)
designated by the district (TrainingProvider). It files each class for approval before it starts (TrainingClass),
uploads the roster with the attendance after it (Trainee), records the exam results, which issue numbered
certificates (TrainingCertificate, verifiable by token), and claims per trainee within the window after the class
(TrainingClaim, TrainingClaimRow). The claim is settled when the trainees' business window ends: each row pays the
full amount when its trainee started a business inside the window, else the configured share; the settled claim is
then reviewed, published and paid as a case (cases.Application).

A person is on the roster of one subsidised class at most, whichever the provider: the unique digest of Trainee is
the guarantee. cases.services.training writes these rows; nothing here has business logic.
"""

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField
from cases.identifiers import validate_citizen_id
from cases.validators import validate_name


def certificate_token() -> str:
    return secrets.token_urlsafe(24)


class ClassStatus(models.TextChoices):
    FILED = "filed", _("Filed for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    ROSTER_FILED = "roster_filed", _("Roster and attendance filed")
    RESULTS_RECORDED = "results_recorded", _("Exam results recorded")


class ClaimRowOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the end of the business window")
    FULL = "full", _("Business started in the window: paid in full")
    SHARE = "share", _("No business started in the window: paid at the share")


class TrainingClaimStatus(models.TextChoices):
    FILED = "filed", _("Filed, waiting for settlement")
    SETTLED = "settled", _("Settled and under review")


class TrainingProvider(models.Model):
    """The district's designation of an organisation account as an SYB training provider (定点培训机构)."""

    employer = models.OneToOneField("cases.Employer", models.PROTECT, related_name="training_provider")
    designation_number = models.CharField(_("designation number"), max_length=32, unique=True)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(_("designated at"), default=timezone.now)
    active = models.BooleanField(_("designation in force"), default=True)

    class Meta:
        verbose_name = _("training provider")
        verbose_name_plural = _("training providers")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.employer)


class TrainingClass(models.Model):
    """One class, filed before it starts and approved by the district."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("class number"), max_length=32, unique=True)
    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="training_classes")
    rules = models.ForeignKey("cases.ProgrammeRules", models.PROTECT, related_name="+", verbose_name=_("rules version"))
    provider = models.ForeignKey(TrainingProvider, models.PROTECT, related_name="classes")
    plan = models.TextField(_("teaching plan"), max_length=2000)
    teacher = models.CharField(_("teacher"), max_length=100, validators=[validate_name])
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    status = models.CharField(_("status"), max_length=20, choices=ClassStatus.choices, default=ClassStatus.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)
    roster_filename = models.CharField(_("roster file"), max_length=200, blank=True)
    roster_sha256 = models.CharField(_("roster file digest"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="training_class_dates"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="training_class_capacity"),
        ]

    def __str__(self) -> str:
        return self.number


class Trainee(DigestsFollowSaves, models.Model):
    """One person of a class roster with the attendance and the exam result. One subsidised training per person."""

    training_class = models.ForeignKey(TrainingClass, models.PROTECT, related_name="trainees")
    line = models.PositiveIntegerField(_("line"))
    id_number = EncryptedCharField(_("citizen ID number"), max_length=18, validators=[validate_citizen_id])
    id_number_digest = LookupDigestField(source="id_number")
    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    attendance = models.PositiveSmallIntegerField(_("attendance (%)"))
    exam_passed = models.BooleanField(_("exam passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["training_class_id", "line"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_digest"], name="training_one_subsidised_training_per_person"),
            models.UniqueConstraint(fields=["training_class", "line"], name="training_trainee_unique_line"),
            models.CheckConstraint(condition=models.Q(attendance__lte=100), name="training_attendance_percent"),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingCertificate(models.Model):
    """The numbered certificate (创业培训合格证) of a trainee who passed the exam; public verification by token."""

    trainee = models.OneToOneField(Trainee, models.PROTECT, related_name="certificate")
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    person_digest = models.CharField(max_length=64, db_index=True)
    token = models.CharField(max_length=64, unique=True, default=certificate_token, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return self.number


class TrainingClaim(models.Model):
    """A provider's claim for trainees of one class, filed inside the claim window and settled when their business
    window ends; the settled claim is reviewed and paid as a case."""

    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="training_claims")
    rules = models.ForeignKey("cases.ProgrammeRules", models.PROTECT, related_name="+", verbose_name=_("rules version"))
    training_class = models.ForeignKey(TrainingClass, models.PROTECT, related_name="claims")
    status = models.CharField(_("status"), max_length=16, choices=TrainingClaimStatus.choices, default=TrainingClaimStatus.FILED)
    amount_per_trainee = models.DecimalField(_("amount per trainee"), max_digits=10, decimal_places=2)
    share = models.DecimalField(_("share without a business"), max_digits=5, decimal_places=4)
    settles_on = models.DateField(_("business window ends on"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_amount = models.DecimalField(_("settled amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    application = models.OneToOneField("cases.Application", models.PROTECT, null=True, blank=True, related_name="training_claim")

    class Meta:
        verbose_name = _("training subsidy claim")
        verbose_name_plural = _("training subsidy claims")
        ordering = ["filed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_per_trainee__gt=0), name="training_claim_amount_positive"),
            models.CheckConstraint(condition=models.Q(share__gte=0, share__lte=1), name="training_claim_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.training_class} #{self.pk}"


class TrainingClaimRow(models.Model):
    """One certified trainee claimed; a trainee is claimed once."""

    claim = models.ForeignKey(TrainingClaim, models.PROTECT, related_name="rows")
    trainee = models.OneToOneField(Trainee, models.PROTECT, related_name="claim_row")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ClaimRowOutcome.choices, default=ClaimRowOutcome.PENDING)
    business_started_on = models.DateField(_("business started on"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("training claim row")
        verbose_name_plural = _("training claim rows")
        ordering = ["claim_id", "trainee__line"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="training_claim_row_not_negative")]


class CertificateCitation(models.Model):
    """A certificate of this programme cited by a case of another programme (the loan's training requirement): the
    number the applicant gave, checked against the register and the applicant's own citizen ID."""

    application = models.OneToOneField("cases.Application", models.PROTECT, related_name="training_certificate_citation")
    certificate = models.ForeignKey(TrainingCertificate, models.PROTECT, related_name="citations")
    cited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    cited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("training certificate cited")
        verbose_name_plural = _("training certificates cited")
