from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import DisabilityCategory, DisabilityGrade, DisabledBusinessForm, ProxyRelation
from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField


class DisabledGrant(DigestsFollowSaves, models.Model):
    """The facts of a disabled entrepreneur's household grant (残疾人自主创业扶持) beside its case: the disability
    certificate, the household, the business the applicant runs, and who filed it for the applicant.

    The certificate number (second generation) is the holder's citizen ID followed by the category and grade digits;
    it is kept encrypted like every personal number. One grant per household: the household registration number is
    unique among the cases that are granted or under way (cases.services.disabled)."""

    application = models.OneToOneField("cases.Application", models.CASCADE, related_name="disabled_grant")
    certificate_number = EncryptedCharField(_("disability certificate number"), max_length=20)
    certificate_number_digest = LookupDigestField(source="certificate_number", db_index=True)
    disability_category = models.PositiveSmallIntegerField(_("disability category"), choices=DisabilityCategory.choices)
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), choices=DisabilityGrade.choices)
    household_number = models.CharField(_("household registration number"), max_length=20, db_index=True)
    household_persons = models.PositiveSmallIntegerField(_("disabled persons of the household in the business"), default=1)
    resident_in_district = models.BooleanField(_("household registered in the district"), default=False)
    business_form = models.CharField(
        _("how the applicant runs the business"), max_length=24, choices=DisabledBusinessForm.choices
    )
    # Filed for the applicant (代办): by whom, in what relation; the applicant confirms by an SMS code before submission.
    proxy_relation = models.CharField(_("filed by"), max_length=24, choices=ProxyRelation.choices, blank=True)
    proxy_name = models.CharField(_("name of the person filing"), max_length=100, blank=True)
    confirmation_mobile = models.CharField(_("applicant's mobile number for the confirmation"), max_length=20, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the applicant at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("disabled entrepreneur's household grant")
        verbose_name_plural = _("disabled entrepreneurs' household grants")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability_category__gte=1, disability_category__lte=7)
                & models.Q(disability_grade__gte=1, disability_grade__lte=4),
                name="disabled_grant_category_grade_in_range",
            ),
            models.CheckConstraint(condition=models.Q(household_persons__gte=1), name="disabled_grant_persons_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.household_number}"

    @property
    def filed_by_proxy(self) -> bool:
        return bool(self.proxy_relation)
