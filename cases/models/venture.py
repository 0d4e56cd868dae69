"""Graduate venture grants (大学生创业项目资助): rounds, the project data of a case, the expert pool, the panel and
its score sheets. The legal status stays on the Application; these rows hold what the panel needs and decided."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.fields import DigestsFollowSaves, EncryptedCharField, EncryptedJSONField, LookupDigestField
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.validators import validate_name


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open for applications")
    SCORING = "scoring", _("Panel drawn, scoring")
    CLOSED = "closed", _("Panel closed")


class SeatStatus(models.TextChoices):
    SEATED = "seated", _("Seated")
    REPLACED = "replaced", _("Replaced")


class VentureRound(models.Model):
    """One panel session (quarterly by default). Rubric and tiers are copied from the programme when the round opens,
    so a later change of the programme never alters a round already under way."""

    programme = models.ForeignKey("cases.Programme", models.PROTECT, related_name="venture_rounds")
    code = models.CharField(_("code"), max_length=16)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(_("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    panel_size = models.PositiveSmallIntegerField(_("experts on the panel"))
    outlier_distance = models.DecimalField(_("outlier distance from the median"), max_digits=6, decimal_places=2)
    rubric = models.JSONField(_("rubric"))
    tiers = models.JSONField(_("tiers"))
    seed = models.BigIntegerField(_("draw seed"), null=True, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("panel chair"))
    created_at = models.DateTimeField(auto_now_add=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("venture round")
        verbose_name_plural = _("venture rounds")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="venture_round_unique_code"),
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="venture_round_period_ordered"),
            models.CheckConstraint(condition=models.Q(panel_size__gte=1), name="venture_round_panel_not_empty"),
            models.CheckConstraint(
                condition=models.Q(status=RoundStatus.OPEN) | models.Q(seed__isnull=False), name="venture_round_drawn_has_seed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.code}"


class VentureProject(DigestsFollowSaves, models.Model):
    """The venture part of one case: the enterprise's graduate, its legal representative, the round, the panel result
    and the award decision."""

    application = models.OneToOneField("cases.Application", models.PROTECT, related_name="venture")
    round = models.ForeignKey(VentureRound, models.PROTECT, related_name="projects")
    project_title = models.CharField(_("project title"), max_length=200, validators=[validate_name])
    legal_representative_name = models.CharField(_("legal representative"), max_length=100, validators=[validate_name])
    legal_representative_id_number = EncryptedCharField(
        _("legal representative's citizen ID number"), max_length=18, validators=[validate_citizen_id]
    )
    legal_representative_id_number_digest = LookupDigestField(source="legal_representative_id_number", db_index=True)
    graduate_name = models.CharField(_("graduate"), max_length=100, validators=[validate_name])
    graduate_id_number = EncryptedCharField(_("graduate's citizen ID number"), max_length=18, validators=[validate_citizen_id])
    graduate_id_number_digest = LookupDigestField(source="graduate_id_number", db_index=True)
    # Filled when the panel closes.
    mean_score = models.DecimalField(_("mean score"), max_digits=6, decimal_places=2, null=True, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    proposed_amount = models.DecimalField(_("proposed amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    # Filled when the district approver decides.
    override_reason = models.TextField(_("reason for overriding the proposed amount"), blank=True)

    class Meta:
        verbose_name = _("venture project")
        verbose_name_plural = _("venture projects")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mean_score__isnull=True) | models.Q(mean_score__gte=0, mean_score__lte=100),
                name="venture_mean_score_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(proposed_amount__isnull=True) | models.Q(proposed_amount__gt=0),
                name="venture_proposed_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__isnull=True) | models.Q(mean_score__isnull=False), name="venture_tier_needs_score"
            ),
        ]

    def __str__(self) -> str:
        return self.project_title

    @property
    def panel_done(self) -> bool:
        return self.mean_score is not None


class Shareholder(DigestsFollowSaves, models.Model):
    """A holder of the enterprise's registered capital: a person (citizen ID) or an enterprise (credit code)."""

    project = models.ForeignKey(VentureProject, models.CASCADE, related_name="shareholders")
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    id_number = EncryptedCharField(_("citizen ID number"), max_length=18, blank=True, validators=[validate_citizen_id])
    id_number_digest = LookupDigestField(source="id_number", db_index=True)
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True, validators=[validate_credit_code])
    capital_percent = models.DecimalField(_("share of capital (%)"), max_digits=5, decimal_places=2)
    is_graduate = models.BooleanField(_("graduate within the programme's years"), default=False)

    class Meta:
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        ordering = ["-capital_percent", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capital_percent__gt=0, capital_percent__lte=100), name="shareholder_percent_in_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(id_number="") | ~models.Q(credit_code=""), name="shareholder_has_identifier"
            ),
        ]


class Expert(DigestsFollowSaves, models.Model):
    """A member of the expert pool (a staff user with role `expert`) and what they declared."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.PROTECT, related_name="expert")
    id_number = EncryptedCharField(_("citizen ID number"), max_length=18, validators=[validate_citizen_id])
    id_number_digest = LookupDigestField(source="id_number", unique=True)
    fields_of_expertise = models.JSONField(_("fields of expertise"), default=list, blank=True)
    # Declared affiliations: enterprises by credit code, relatives by name and citizen ID number.
    affiliated_credit_codes = models.JSONField(_("affiliated enterprises (credit codes)"), default=list, blank=True)
    relatives = EncryptedJSONField(_("relatives"), default=list, blank=True, help_text='[{"name": "...", "id_number": "..."}]')
    active = models.BooleanField(_("in the pool"), default=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class PanelSeat(models.Model):
    """An expert drawn (or seated by hand) for a round. Replaced seats stay as a record."""

    round = models.ForeignKey(VentureRound, models.PROTECT, related_name="seats")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="seats")
    code = models.CharField(_("expert code"), max_length=8, help_text="E01, E02, ...: the name printed on the panel record")
    status = models.CharField(max_length=16, choices=SeatStatus.choices, default=SeatStatus.SEATED)
    draw_number = models.PositiveSmallIntegerField(_("draw"), help_text="1: the first draw; 2, 3...: replacements; 0: by hand")
    seated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    seated_at = models.DateTimeField(auto_now_add=True)
    replaced_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "expert"], name="panel_seat_once_per_round"),
            models.UniqueConstraint(fields=["round", "code"], name="panel_seat_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.code}"


class ScoreSheet(models.Model):
    """One expert's scores for one project: points per rubric criterion and the weighted total (0-100)."""

    round = models.ForeignKey(VentureRound, models.PROTECT, related_name="sheets")
    project = models.ForeignKey(VentureProject, models.PROTECT, related_name="sheets")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="sheets")
    points = models.JSONField(_("points per criterion"))
    total = models.DecimalField(_("weighted total"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    outlier_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    outlier_confirmed_at = models.DateTimeField(null=True, blank=True)
    outlier_note = models.TextField(blank=True)

    class Meta:
        ordering = ["project_id", "expert_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "expert"], name="one_score_sheet_per_expert_per_project"),
            models.CheckConstraint(condition=models.Q(total__gte=0, total__lte=100), name="score_sheet_total_in_range"),
        ]


class RoundEvent(models.Model):
    """Append-only audit of a round: opened, drawn (with seed and candidates), seated by hand, replaced, closed."""

    round = models.ForeignKey(VentureRound, models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Round events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Round events are append-only.")
