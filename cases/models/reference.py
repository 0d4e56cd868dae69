"""Reference data the statistics read beside the cases (docs/statistics.md): business registrations from market
regulation, resident and labour-force figures, jobs created per case, and the district's targets per town."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceKind(models.TextChoices):
    REGISTRATIONS = "registrations", _("Business registrations (market regulation)")
    LABOUR = "labour", _("Residents and labour force")
    JOBS = "jobs", _("Jobs created per case")


class Indicator(models.TextChoices):
    """What a town is assessed on (docs/statistics.md defines each)."""

    SUPPORTED = "supported", _("Start-ups supported (approved cases)")
    NEW_BUSINESSES = "new_businesses", _("New private enterprises and individual businesses")
    JOBS = "jobs", _("Jobs created by supported start-ups")
    ACTIVITY_INDEX = "activity_index", _("Entrepreneurship activity index (%)")
    EMPLOYMENT_CONTRIBUTION = "employment_contribution", _("Contribution of start-ups to employment (%)")
    JOBS_PER_STARTUP = "jobs_per_startup", _("Jobs per start-up")


class ReferenceFile(models.Model):
    """One imported reference file, by digest (what was imported, by whom, how many rows)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReferenceKind.choices)
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("file digest"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reference file")
        verbose_name_plural = _("reference files")
        ordering = ["-imported_at", "-id"]


class BusinessRegistration(models.Model):
    """New registrations in one town and month (a later file for the same town and month replaces the figures)."""

    town = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    private_enterprises = models.PositiveIntegerField(_("new private enterprises"))
    individual_businesses = models.PositiveIntegerField(_("new individual businesses"))
    source_file = models.ForeignKey(ReferenceFile, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("business registrations")
        verbose_name_plural = _("business registrations")
        ordering = ["town_id", "month"]
        constraints = [models.UniqueConstraint(fields=["town", "month"], name="registration_one_per_town_month")]


class LabourFigure(models.Model):
    """Residents, labour force and new urban employment of one town in one year."""

    town = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    residents = models.PositiveIntegerField(_("residents"))
    labour_force = models.PositiveIntegerField(_("labour force"))
    new_employment = models.PositiveIntegerField(_("new urban employment"))
    source_file = models.ForeignKey(ReferenceFile, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("labour figures")
        verbose_name_plural = _("labour figures")
        ordering = ["town_id", "year"]
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="labour_one_per_town_year")]


class JobsReport(models.Model):
    """Jobs a case's business created, as reported (it replaces the figure filed with the case)."""

    application = models.OneToOneField("cases.Application", models.PROTECT, related_name="jobs_report")
    jobs = models.PositiveIntegerField(_("jobs created"))
    source_file = models.ForeignKey(ReferenceFile, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("jobs report")
        verbose_name_plural = _("jobs reports")


class TownTarget(models.Model):
    """The district's target for one town, year and indicator."""

    town = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=32, choices=Indicator.choices)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("town target")
        verbose_name_plural = _("town targets")
        ordering = ["year", "town_id", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["town", "year", "indicator"], name="town_target_unique"),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="town_target_positive"),
        ]
