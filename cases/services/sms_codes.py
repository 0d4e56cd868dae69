"""SMS verification codes: a six-digit code sent to a mobile number to prove the applicant holds it (registration).

Only a keyed hash of the code is stored (SmsCode). Sending is limited per number: one code every
SMS_CODE_RESEND_SECONDS and SMS_CODES_PER_HOUR within an hour. A code is valid SMS_CODE_VALID_SECONDS; a new code
voids the older ones for the same number and purpose; SMS_CODE_MAX_ATTEMPTS wrong tries make it void, and a new one
must be requested. The check locks the code row, so two checks at once cannot both spend it.

The message itself is sent by the caller (workflows.engine.sms) after the code row is committed."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from cases.exceptions import DomainError
from cases.models import SmsCode, User

HOUR = dt.timedelta(hours=1)


class SmsCodeRefused(DomainError):
    """The verification code was missing, wrong, expired, spent or void."""


def _digest(*, mobile: str, purpose: str, code: str) -> str:
    return salted_hmac("cases.sms_code", f"{mobile}:{purpose}:{code}", algorithm="sha256").hexdigest()


def sms_code_valid_minutes() -> int:
    return max(1, settings.SMS_CODE_VALID_SECONDS // 60)


@transaction.atomic
def sms_code_issue(*, mobile: str, purpose: str = SmsCode.Purpose.REGISTER) -> str:
    """A new code for the number; returns the code in clear (to be sent, never stored). Refused (DomainError,
    nothing changed) when the number is registered already, or when the resend limits are reached."""
    now = timezone.now()
    if purpose == SmsCode.Purpose.REGISTER and User.objects.filter(mobile=mobile).exists():
        raise DomainError(_("An account with this mobile number already exists. Log in instead."))
    # The number's codes of the last hour, locked: two requests at once cannot both pass the limits.
    recent = list(
        SmsCode.objects.select_for_update().filter(mobile=mobile, created_at__gt=now - HOUR).order_by("created_at", "id")
    )
    if recent:
        wait = settings.SMS_CODE_RESEND_SECONDS - int((now - recent[-1].created_at).total_seconds())
        if wait > 0:
            raise DomainError(
                _("A code was sent to this number a moment ago. You may request a new one in %(seconds)s seconds.")
                % {"seconds": wait}
            )
    if len(recent) >= settings.SMS_CODES_PER_HOUR:
        again = timezone.localtime(recent[-settings.SMS_CODES_PER_HOUR].created_at + HOUR)
        raise DomainError(
            _("%(count)s codes were sent to this number within an hour. Request a new one after %(time)s.")
            % {"count": settings.SMS_CODES_PER_HOUR, "time": time_format(again, "H:i")}
        )
    SmsCode.objects.filter(mobile=mobile, purpose=purpose, used_at=None, void_at=None).update(void_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    SmsCode.objects.create(
        mobile=mobile,
        purpose=purpose,
        code_hash=_digest(mobile=mobile, purpose=purpose, code=code),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_VALID_SECONDS),
    )
    return code


def sms_code_check(*, mobile: str, code: str, purpose: str = SmsCode.Purpose.REGISTER) -> str | None:
    """Check a code inside the caller's transaction: None when it is right (it is spent), else the problem to show.

    The newest code for the number and purpose is locked. A wrong code counts a try, which the caller commits (it
    returns the problem rather than raising, so that the count is kept); the last allowed wrong try voids it. The
    caller spends the code in the same transaction as the work it guards: if that work fails, the code is unspent."""
    now = timezone.now()
    row = SmsCode.objects.select_for_update().filter(mobile=mobile, purpose=purpose).order_by("-created_at", "-id").first()
    limit = settings.SMS_CODE_MAX_ATTEMPTS
    too_many = _("The code was entered wrongly %(count)s times and is no longer valid. Request a new code.") % {"count": limit}
    if row is None:
        return _("Request a verification code for this mobile number first.")
    if row.used_at is not None:
        return _("This code has been used already. Request a new code.")
    if row.attempts >= limit:
        return too_many
    if row.void_at is not None:
        return _("This code is no longer valid. Request a new code.")
    if row.expires_at <= now:
        return _("The code has expired (it is valid for %(minutes)s minutes). Request a new code.") % {
            "minutes": sms_code_valid_minutes()
        }
    if not constant_time_compare(row.code_hash, _digest(mobile=mobile, purpose=purpose, code=(code or "").strip())):
        row.attempts += 1
        if row.attempts >= limit:
            row.void_at = now
            row.save(update_fields=["attempts", "void_at"])
            return too_many
        row.save(update_fields=["attempts"])
        return _("The code is wrong. %(left)s tries left.") % {"left": limit - row.attempts}
    row.used_at = now
    row.save(update_fields=["used_at"])
    return None
