"""Sign-in throttling and second-factor enrolment codes, recorded as AccessEvent rows in the database so that every
web process sees the same lock-outs (no process memory, no cache).

Failed sign-ins are counted per login name and per client address within LOGIN_FAILURE_WINDOW_SECONDS. When either
count reaches its limit (LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS) a LOCKED_OUT row locks that login
name or address for LOGIN_LOCKOUT_SECONDS: every attempt, with the right password too, is refused until it expires
or an administrator unlocks it (an UNLOCKED row). Failures before a lock-out, an unlock or the account's last
successful sign-in no longer count. A successful sign-in does not reset the address count, so an attacker cannot
clear it by signing in to an account of their own between guesses."""

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import Role
from cases.crypto import lookup_digest
from cases.exceptions import DomainError, PermissionDenied
from cases.models import AccessEvent, OtpEnrolmentCode, User

logger = logging.getLogger(__name__)
Kind, Scope = AccessEvent.Kind, AccessEvent.Scope
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the telephone


# A login name that is a citizen ID or a long digit string (an account number typed in the wrong box) is recorded
# as its keyed hash: the access events never hold a personal number, and the same name still counts as one.
_PERSONAL_NUMBER = re.compile(r"\d{15,}|\d{17}[xX]")


def login_name(username: str | None) -> str:
    name = (username or "").strip().lower()[:150]
    if _PERSONAL_NUMBER.fullmatch(name.replace(" ", "")):
        return "#" + (lookup_digest(name) or "")[:40]
    return name


def _subject(scope: str, subject: str) -> Q:
    return Q(username=subject) if scope == Scope.ACCOUNT else Q(address=subject)


def _user_named(name: str) -> User | None:
    return User.objects.filter(username__iexact=name).order_by("pk").first() if name else None


def _active_lock(scope: str, subject: str, now: dt.datetime) -> AccessEvent | None:
    locks = AccessEvent.objects.filter(_subject(scope, subject), kind=Kind.LOCKED_OUT, scope=scope, until__gt=now)
    for lock in locks.order_by("-until", "-id"):
        released = AccessEvent.objects.filter(_subject(scope, subject), kind=Kind.UNLOCKED, scope=scope, id__gt=lock.id)
        if not released.exists():
            return lock
    return None


def login_lock_find(*, username: str, address: str) -> AccessEvent | None:
    """The lock-out that refuses a sign-in as `username` from `address` now, if any (the account's first)."""
    now = timezone.now()
    name = login_name(username)
    return (name and _active_lock(Scope.ACCOUNT, name, now)) or (address and _active_lock(Scope.ADDRESS, address, now)) or None


def _subjects_lock(*subjects: tuple[str, str]) -> None:
    """On PostgreSQL, serialise writers of the same login name or address (a transaction-level advisory lock, taken
    in sorted order) so that parallel failures write one lock-out, not several. SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for scope, subject in sorted(s for s in subjects if s[1]):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"access:{scope}:{subject}"])


def _failures_counted(scope: str, subject: str, now: dt.datetime, user: User | None) -> int:
    window_start = now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    failures = AccessEvent.objects.filter(_subject(scope, subject), kind=Kind.LOGIN_FAILED, created_at__gte=window_start)
    reset = (
        AccessEvent.objects.filter(_subject(scope, subject), scope=scope, kind__in=[Kind.LOCKED_OUT, Kind.UNLOCKED])
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if reset is not None:
        failures = failures.filter(id__gt=reset)
    if scope == Scope.ACCOUNT and user is not None and user.last_login is not None:
        failures = failures.filter(created_at__gt=user.last_login)
    return failures.count()


def login_failure_record(*, username: str, address: str) -> AccessEvent | None:
    """Record a failed sign-in (wrong password or unknown name); return the lock-out it caused, if any."""
    now = timezone.now()
    name = login_name(username)
    user = _user_named(name)
    limits = (
        (Scope.ACCOUNT, name, settings.LOGIN_FAILURES_PER_ACCOUNT),
        (Scope.ADDRESS, address, settings.LOGIN_FAILURES_PER_ADDRESS),
    )
    caused = None
    with transaction.atomic():
        _subjects_lock((Scope.ACCOUNT, name), (Scope.ADDRESS, address))
        AccessEvent.objects.create(kind=Kind.LOGIN_FAILED, username=name, address=address, user=user, created_at=now)
        for scope, subject, limit in limits:
            if not subject or _active_lock(scope, subject, now) is not None:
                continue
            if _failures_counted(scope, subject, now, user) >= limit:
                lock = AccessEvent.objects.create(
                    kind=Kind.LOCKED_OUT,
                    scope=scope,
                    username=name,
                    address=address,
                    user=user if scope == Scope.ACCOUNT else None,
                    created_at=now,
                    until=now + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS),
                    note=f"{limit} failures",
                )
                # No login name or address in the log (a portal login name is a mobile number): the row has them.
                logger.warning("sign-in locked: %s lock-out, access event %s", scope, lock.pk)
                caused = caused or lock
    return caused


def _assert_administrator(actor: User | None) -> None:
    # actor None: a management command, run by whoever holds the server.
    if actor is not None and not (actor.is_superuser or actor.role == Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only an administrator may do this."))


def login_unlock(*, actor: User | None, username: str = "", address: str = "", note: str = "") -> list[AccessEvent]:
    """Release the lock-out of a login name and/or an address and restart their failure counts; one UNLOCKED row
    for each (written even when nothing was locked, so that the count restarts and the request is on record)."""
    _assert_administrator(actor)
    name = login_name(username)
    if not (name or address):
        raise DomainError(_("Name a login name or an address to unlock."))
    now = timezone.now()
    rows = []
    with transaction.atomic():
        _subjects_lock((Scope.ACCOUNT, name), (Scope.ADDRESS, address))
        for scope, subject in ((Scope.ACCOUNT, name), (Scope.ADDRESS, address)):
            if not subject:
                continue
            was_locked = _active_lock(scope, subject, now) is not None
            rows.append(
                AccessEvent.objects.create(
                    kind=Kind.UNLOCKED,
                    scope=scope,
                    username=name if scope == Scope.ACCOUNT else "",
                    address=address if scope == Scope.ADDRESS else "",
                    user=_user_named(name) if scope == Scope.ACCOUNT else None,
                    actor=actor,
                    created_at=now,
                    note=(note or ("was locked" if was_locked else "was not locked"))[:200],
                )
            )
    return rows


# --- second-factor enrolment codes -------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    normal = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime


def otp_enrolment_code_issue(*, user: User, actor: User | None, hours: int | None = None) -> IssuedCode:
    """A new one-time enrolment code for `user` (16 characters, 80 bits); earlier unused codes stop working. Only
    the hash is stored: the code is shown once, to the administrator, who hands it over."""
    _assert_administrator(actor)
    if not user.is_active:
        raise DomainError(_("The account is inactive."))
    now = timezone.now()
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    expires_at = now + dt.timedelta(hours=hours or settings.OTP_ENROLMENT_CODE_HOURS)
    with transaction.atomic():
        OtpEnrolmentCode.objects.filter(user=user, used_at=None, expires_at__gt=now).update(expires_at=now)
        OtpEnrolmentCode.objects.create(
            user=user, code_hash=_code_hash(code), issued_by=actor, created_at=now, expires_at=expires_at
        )
        AccessEvent.objects.create(
            kind=Kind.OTP_CODE_ISSUED, username=user.username, user=user, actor=actor, created_at=now, until=expires_at
        )
    return IssuedCode(code=code, expires_at=expires_at)


def otp_enrolment_code_redeem(*, user: User, code: str, address: str = "") -> None:
    """Spend `user`'s enrolment code; DomainError (nothing spent) when it is unknown, used or expired."""
    now = timezone.now()
    with transaction.atomic():
        row = OtpEnrolmentCode.objects.select_for_update().filter(user=user, code_hash=_code_hash(code)).first()
        if row is None:
            problem = _("This enrolment code is not valid for your account.")
        elif row.used_at is not None:
            problem = _("This enrolment code has already been used. Ask an administrator for a new one.")
        elif row.expires_at <= now:
            problem = _("This enrolment code has expired. Ask an administrator for a new one.")
        else:
            problem = None
            row.used_at = now
            row.save(update_fields=["used_at"])
        AccessEvent.objects.create(
            kind=Kind.OTP_CODE_REFUSED if problem else Kind.OTP_CODE_USED,
            username=user.username,
            address=address,
            user=user,
            created_at=now,
        )
    if problem:
        raise DomainError(problem)


def otp_device_confirm(*, device, address: str = "") -> None:
    """Mark a TOTP device confirmed after its first correct code, on record."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        AccessEvent.objects.create(
            kind=Kind.OTP_ENROLLED, username=device.user.username, address=address, user=device.user, note=device.name[:200]
        )
