"""Employers as applicants: the organisation (an enterprise Applicant with its unified social credit code) and
what an organisation account needs besides: its address and unit, its bank account, its authorised agents (portal
accounts that act for it, one organisation per account) and the trail of what each of them, or a window officer
on its behalf, did for it. A roster uploaded for checking waits here, encrypted, until it is submitted or replaced.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.fields import DigestsFollowSaves, EncryptedCharField, LookupDigestField
from cases.validators import validate_name


class AgentRole(models.TextChoices):
    ADMIN = "admin", _("Administrator of the organisation")
    AGENT = "agent", _("Agent")


class Employer(DigestsFollowSaves, models.Model):
    """The organisation account of an employer: one per enterprise applicant."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicant = models.OneToOneField("cases.Applicant", models.PROTECT, related_name="employer")
    address = models.CharField(_("address"), max_length=200)
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, related_name="employers", verbose_name=_("unit"))
    bank_name = models.CharField(_("bank and branch"), max_length=100, validators=[validate_name])
    bank_account_name = models.CharField(_("account holder"), max_length=200, validators=[validate_name])
    bank_account_number = EncryptedCharField(_("account number"), max_length=32)
    bank_account_number_digest = LookupDigestField(source="bank_account_number", db_index=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    registered_at_window = models.BooleanField(_("registered at the window"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.applicant)


class EmployerAgent(models.Model):
    """A portal account authorised to act for the organisation; the organisation's administrator adds the others."""

    employer = models.ForeignKey(Employer, models.PROTECT, related_name="agents")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.PROTECT, related_name="employer_agent")
    role = models.CharField(_("role"), max_length=16, choices=AgentRole.choices, default=AgentRole.AGENT)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("employer agent")
        verbose_name_plural = _("employer agents")
        ordering = ["employer_id", "added_at", "id"]


class EmployerEvent(models.Model):
    """What was done for an organisation, by whom (by name, as it read then) and whether at the window."""

    employer = models.ForeignKey(Employer, models.PROTECT, related_name="events")
    claim = models.ForeignKey("cases.SocialInsuranceClaim", models.PROTECT, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    actor_name = models.CharField(_("by"), max_length=200)
    at_window = models.BooleanField(_("at the window, for the employer"), default=False)
    action = models.CharField(_("action"), max_length=32)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("employer event")
        verbose_name_plural = _("employer events")
        ordering = ["created_at", "id"]


class RosterUpload(models.Model):
    """The last roster checked for a draft claim, kept (encrypted) so that the employer can submit its valid rows
    without choosing the file again. It is not the claim: nothing of it counts until it is submitted."""

    claim = models.OneToOneField("cases.SocialInsuranceClaim", models.CASCADE, related_name="pending_upload")
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("file digest"), max_length=64)
    content = models.TextField()  # cases.crypto ciphertext of the file's base64
    valid_rows = models.PositiveIntegerField(default=0)
    refused_rows = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("roster upload")
        verbose_name_plural = _("roster uploads")
