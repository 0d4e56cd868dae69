from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.constants import Role, UnitLevel
from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField
from cases.validators import validate_name


class OrgUnit(models.Model):
    """District -> town/street -> community/village. `path` makes "this unit and below" one index scan."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    # Short name used in document numbers (余人社创〔2026〕00123号).
    document_prefix = models.CharField(_("document prefix"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=UnitLevel.DISTRICT, parent__isnull=True)
                | (~models.Q(level=UnitLevel.DISTRICT) & models.Q(parent__isnull=False)),
                name="orgunit_only_district_is_root",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_for(*, code: str, parent: "OrgUnit | None") -> str:
        return f"{parent.path if parent else '/'}{code}/"

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)

    def ancestor_at(self, level: str) -> "OrgUnit | None":
        unit: OrgUnit | None = self
        while unit is not None and unit.level != level:
            unit = unit.parent
        return unit


class User(DigestsFollowSaves, AbstractUser):
    """A staff member belongs to one org unit and acts on cases in it and below."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.APPLICANT)
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, null=True, blank=True, related_name="staff")
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    # Real-name binding of a portal account (实名认证): a citizen ID number, or a credit code for an enterprise contact.
    real_name = models.CharField(_("real name"), max_length=200, blank=True, validators=[validate_name])
    id_number = EncryptedCharField(_("citizen ID number"), max_length=18, blank=True)
    id_number_digest = LookupDigestField(source="id_number", unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role=Role.APPLICANT) | models.Q(org_unit__isnull=False),
                name="user_staff_has_org_unit",
            ),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="user_one_account_per_credit_code"
            ),
        ]

    @property
    def is_staff_member(self) -> bool:
        return self.role != Role.APPLICANT
