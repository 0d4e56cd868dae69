from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import ApplicantKind
from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.validators import validate_name


class Applicant(DigestsFollowSaves, models.Model):
    """A person (citizen ID number) or an enterprise (unified social credit code)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ApplicantKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    id_number = EncryptedCharField(_("citizen ID number"), max_length=18, null=True, blank=True, validators=[validate_citizen_id])
    id_number_digest = LookupDigestField(source="id_number", unique=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True, validators=[validate_credit_code]
    )
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="applicant")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=ApplicantKind.PERSON, id_number__isnull=False, credit_code__isnull=True))
                | (models.Q(kind=ApplicantKind.ENTERPRISE, credit_code__isnull=False)),
                name="applicant_identifier_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name
