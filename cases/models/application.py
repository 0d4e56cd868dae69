import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, FSMModelMixin, transition

from cases.constants import ApplicantCategory, AttachmentKind, Decision, ReviewLevel, Status
from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField
from cases.validators import validate_name

REVIEWABLE = [Status.SUBMITTED, Status.ACCEPTED, Status.TOWN_REVIEWED, Status.DISTRICT_REVIEWED]
# The status a case holds once it passed each review level. The status it holds while it waits for a level is the
# one of the level before it in the case's own rules version (submitted for the first): with all four levels,
# town waits in accepted and district in town_reviewed; where the version has no town level, district waits in
# accepted (Application.waiting_status_for).
PASSED_LEVEL = {
    ReviewLevel.COMMUNITY: Status.ACCEPTED,
    ReviewLevel.TOWN: Status.TOWN_REVIEWED,
    ReviewLevel.DISTRICT: Status.DISTRICT_REVIEWED,
    ReviewLevel.APPROVAL: Status.DISTRICT_APPROVED,
}


def _resubmit_target(instance: "Application") -> str:
    return instance.waiting_status_for(instance.returned_from)


class Application(DigestsFollowSaves, FSMModelMixin, models.Model):
    """The case. Its legal status changes only through the transitions below, called by cases.services."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("case number"), max_length=32, unique=True)
    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="applications")
    # The rules version the case was filed under, set at submission and kept to the end; empty while a draft (a draft
    # follows the programme's current version: the one its submission will record). See rules_in_force.
    rules = models.ForeignKey(
        "cases.ProgrammeRules",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("rules version"),
    )
    applicant = models.ForeignKey("cases.Applicant", models.PROTECT, related_name="applications")
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="applications")
    category = models.CharField(_("applicant category"), max_length=32, choices=ApplicantCategory.choices)
    business_name = models.CharField(_("business name"), max_length=200, blank=True, validators=[validate_name])
    business_credit_code = models.CharField(_("business credit code"), max_length=18, blank=True)
    business_registered_on = models.DateField(_("business registered on"), null=True, blank=True)
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    jobs_created = models.PositiveIntegerField(_("jobs created"), default=0)
    requested_amount = models.DecimalField(_("requested amount"), max_digits=14, decimal_places=2)
    approved_amount = models.DecimalField(_("approved amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, validators=[validate_name])
    bank_account_name = models.CharField(_("account holder"), max_length=200, validators=[validate_name])
    bank_account_number = EncryptedCharField(_("account number"), max_length=32)
    bank_account_number_digest = LookupDigestField(source="bank_account_number", db_index=True)

    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True)
    returned_from = models.CharField(_("returned from level"), max_length=16, choices=ReviewLevel.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("District reviewer: never the approver of the same case."),
    )
    # Review clock in working days; paused while the case waits for the applicant.
    deadline = models.DateField(_("current deadline"), null=True, blank=True)
    working_days_left = models.SmallIntegerField(_("working days left when paused"), null=True, blank=True)
    process = models.OneToOneField("viewflow.Process", models.PROTECT, null=True, blank=True, related_name="application")

    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # A family member filing for the applicant with the applicant's power of attorney (代办): acts on the
    # applicant's side of this case in the portal, as the applicant does.
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed for the applicant by"),
    )
    originals_checked = models.BooleanField(_("originals checked at the window"), default=False)
    # Filed at the window (代办): the applicant claims the case in their own account with this code.
    claim_code = models.CharField(_("claim code"), max_length=16, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["programme", "status"]), models.Index(fields=["org_unit", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(requested_amount__gt=0), name="application_requested_positive"),
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True) | models.Q(approved_amount__gt=0),
                name="application_approved_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True) | models.Q(rules__isnull=False),
                name="application_submitted_has_rules",
            ),
        ]
        permissions = [
            ("accept_application", _("Can accept applications at a community window")),
            ("review_town", _("Can review applications at town level")),
            ("review_district", _("Can review applications at district level")),
            ("review_federation", _("Can review disabled entrepreneurs' applications for the disabled persons' federation")),
            ("approve_application", _("Can approve applications at district level")),
            ("manage_publicity", _("Can publish publicity lists and decide objections")),
            ("prepare_payment", _("Can prepare payment batches")),
            ("approve_payment", _("Can approve payment batches")),
            ("view_statistics", _("Can read statistics")),
            ("reveal_personal_data", _("Can reveal a full citizen ID or account number (audited)")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def rules_in_force(self):
        """The rules version that judges this case: its own once submitted, the programme's current one before."""
        rules = self.rules
        return rules if rules is not None else self.programme.current_rules

    @property
    def review_levels(self) -> list[str]:
        return list(self.rules_in_force.review_levels)

    def waiting_status_for(self, level: str) -> str:
        """The status the case holds while it waits for `level` of its rules version."""
        levels = self.review_levels
        index = levels.index(level)
        return Status.SUBMITTED if index == 0 else PASSED_LEVEL[ReviewLevel(levels[index - 1])]

    def next_level(self, level: str) -> str | None:
        levels = self.review_levels
        index = levels.index(level) + 1
        return levels[index] if index < len(levels) else None

    def clean(self) -> None:
        cap = self.rules_in_force.max_amount
        for field in ("requested_amount", "approved_amount"):
            value = getattr(self, field)
            if value is not None and value > cap:
                raise ValidationError(
                    {field: _("The amount %(amount)s exceeds the programme cap %(cap)s.") % {"amount": value, "cap": cap}}
                )

    @property
    def waiting_level(self) -> str | None:
        if self.status not in REVIEWABLE:
            return None
        return next((level for level in self.review_levels if self.waiting_status_for(level) == self.status), None)

    # --- transitions: pure, no I/O ---------------------------------------------------

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self, *, at) -> None:
        self.submitted_at = at

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.ACCEPTED,
        target=Status.TOWN_REVIEWED,
        conditions=[lambda app: app.waiting_level == ReviewLevel.TOWN],
    )
    def pass_town_review(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.TOWN_REVIEWED, Status.ACCEPTED],
        target=Status.DISTRICT_REVIEWED,
        conditions=[lambda app: app.waiting_level == ReviewLevel.DISTRICT],
    )
    def pass_district_review(self, *, by) -> None:
        self.reviewed_by = by

    @transition(
        field=status,
        source=Status.DISTRICT_REVIEWED,
        target=Status.DISTRICT_APPROVED,
        conditions=[lambda app: app.approved_amount is not None],
    )
    def approve(self, *, at) -> None:
        self.decided_at = at

    @transition(field=status, source=REVIEWABLE, target=Status.RETURNED_FOR_CORRECTION)
    def return_for_correction(self) -> None:
        self.returned_from = self.waiting_level

    @transition(
        field=status,
        source=Status.RETURNED_FOR_CORRECTION,
        target=GET_STATE(_resubmit_target, states=REVIEWABLE),
    )
    def resubmit(self) -> None:
        """Back to the level that asked for the correction (its status is computed from returned_from)."""

    @transition(field=status, source=REVIEWABLE, target=Status.REJECTED)
    def reject(self, *, at) -> None:
        self.decided_at = at

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED, Status.RETURNED_FOR_CORRECTION], target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        pass

    @transition(field=status, source=Status.DISTRICT_APPROVED, target=Status.IN_PUBLICITY)
    def publish(self) -> None:
        pass

    @transition(field=status, source=Status.IN_PUBLICITY, target=Status.OBJECTION_RAISED)
    def raise_objection(self) -> None:
        pass

    @transition(field=status, source=Status.OBJECTION_RAISED, target=Status.REJECTED)
    def uphold_objection(self, *, at) -> None:
        self.decided_at = at

    @transition(field=status, source=[Status.IN_PUBLICITY, Status.OBJECTION_RAISED], target=Status.PUBLICITY_PASSED)
    def pass_publicity(self) -> None:
        pass

    @transition(field=status, source=[Status.PUBLICITY_PASSED, Status.PAYMENT_RETURNED], target=Status.PAYMENT_PENDING)
    def queue_payment(self) -> None:
        pass

    @transition(field=status, source=Status.PAYMENT_PENDING, target=Status.PAYMENT_RETURNED)
    def return_payment(self) -> None:
        pass

    @transition(field=status, source=Status.PAYMENT_RETURNED, target=Status.PAYMENT_RETURNED)
    def correct_bank_account(self, *, bank_name: str, account_name: str, account_number: str) -> None:
        self.bank_name = bank_name
        self.bank_account_name = account_name
        self.bank_account_number = account_number

    @transition(field=status, source=Status.PAYMENT_PENDING, target=Status.PAID)
    def confirm_payment(self) -> None:
        pass

    @transition(field=status, source=Status.PAID, target=Status.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=status, source=[Status.PAID, Status.CLOSED], target=Status.CLAWBACK)
    def open_clawback(self) -> None:
        pass


class CorrectionRequest(models.Model):
    """One-time notice (一次性告知): every missing or wrong item, listed at once."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="corrections")
    level = models.CharField(max_length=16, choices=ReviewLevel.choices)
    items = models.JSONField(help_text='[{"kind": "lease", "message": "..."}]')
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(answered_at__isnull=True), name="one_open_correction_per_case"
            )
        ]


class ReviewOpinion(models.Model):
    """What a reviewer decided at one level (审核意见)."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="opinions")
    level = models.CharField(max_length=16, choices=ReviewLevel.choices)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    opinion = models.TextField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.application.public_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    application = models.ForeignKey(Application, models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=32, choices=AttachmentKind.choices)
    # The upload slot within the kind: empty for a document kind (the kind is the slot); for a file answering a
    # free-text item of a correction notice, the item's slot ("correction-<request>-<item>", cases.selectors).
    # A newer file in the same kind and slot supersedes the older one, which stays on record.
    slot = models.CharField(max_length=40, blank=True, default="")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]
