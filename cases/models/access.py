from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.Model):
    """Account events that belong to no case: failed sign-ins, lock-outs and their release, second-factor enrolment
    codes and enrolments. Rows are only ever added; a lock-out is a row with `until`, released early by a later
    UNLOCKED row for the same scope and subject (cases.services.access)."""

    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Sign-in locked")
        UNLOCKED = "unlocked", _("Sign-in unlocked")
        OTP_CODE_ISSUED = "otp_code_issued", _("Second-factor enrolment code issued")
        OTP_CODE_USED = "otp_code_used", _("Second-factor enrolment code used")
        OTP_CODE_REFUSED = "otp_code_refused", _("Second-factor enrolment code refused")
        OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
        OBJECTION_FILED = "objection_filed", _("Objection filed online")

    class Scope(models.TextChoices):
        NONE = "", _("—")
        ACCOUNT = "account", _("Account")
        ADDRESS = "address", _("Address")

    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, blank=True)
    # The login name as typed (stripped, lower case) and the client address of the request.
    username = models.CharField(_("login name"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=45, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="access_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["username", "kind", "created_at"], name="access_event_username"),
            models.Index(fields=["address", "kind", "created_at"], name="access_event_address"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username or self.address} {self.created_at:%Y-%m-%d %H:%M}"


class OtpEnrolmentCode(models.Model):
    """A one-time code an administrator issues so that a user may enrol a second-factor device. Only its SHA-256 is
    stored; it is spent when the enrolment page first shows the device secret."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="otp_enrolment_codes")
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("second-factor enrolment code")
        verbose_name_plural = _("second-factor enrolment codes")
        ordering = ["-created_at"]


class SmsCode(models.Model):
    """A verification code sent by SMS to confirm a mobile number (registration). Only a keyed hash of the code is
    stored. A code is spent by one successful check; too many wrong tries make it void (cases.services.sms_codes)."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")
        PROXY_CONFIRM = "proxy_confirm", _("Confirmation of an application filed for the applicant")

    mobile = models.CharField(_("mobile number"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(_("code hash"), max_length=64)
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # Set when a newer code for the same number and purpose replaced it, or when it was tried wrongly too often.
    void_at = models.DateTimeField(_("void since"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS verification code")
        verbose_name_plural = _("SMS verification codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mobile", "created_at"], name="sms_code_mobile")]

    def __str__(self) -> str:
        return f"{self.mobile} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class SmsLog(models.Model):
    """A text message that belongs to no case (a verification code), kept by the database SMS backend instead of
    being sent: offices without a gateway, the demonstration and the tests read it here."""

    number = models.CharField(_("mobile number"), max_length=20)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("SMS log entry")
        verbose_name_plural = _("SMS log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.created_at:%Y-%m-%d %H:%M}"
