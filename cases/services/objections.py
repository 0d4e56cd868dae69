"""Objections during publicity (公示异议): numbered receipts, and filing online by anyone, without an account.

An online objection is checked in full before anything is written: the text (not empty, at most
PUBLIC_OBJECTION_MAX_CHARS characters; markup is kept as typed and shown as text), a contact (a telephone number
or an e-mail address), the objector's name unless the programme accepts anonymous objections, the publicity period,
and the client address's quota (PUBLIC_OBJECTIONS_PER_ADDRESS per PUBLIC_OBJECTION_WINDOW_SECONDS, counted as
AccessEvent rows in the database like failed sign-ins, so every web process sees the same count). The first
objection moves the case to investigation; a further one while it is investigated joins that investigation."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.constants import PublicityBatchStatus, Status
from cases.exceptions import DomainError, TransitionForbidden
from cases.models import AccessEvent, Application, Objection, Programme, User
from cases.services.access import _subjects_lock
from cases.services.applications import _save, _transition
from cases.services.audit import audit_record
from cases.services.locks import case_locked
from cases.services.numbering import counter_next
from cases.validators import validate_name

_TELEPHONE = re.compile(r"\+?[0-9][0-9 \-]{5,18}[0-9]")


class ObjectionQuotaExceeded(DomainError):
    http_status = 429


def objection_number_next(*, year: int) -> str:
    return f"YY-{year}-{counter_next(key=f'objection:{year}'):06d}"


def objection_period_check(*, application: Application) -> None:
    """Refuse unless the case is on a publicity list whose period runs today."""
    entry = getattr(application, "publicity_entry", None)
    batch = entry.batch if entry is not None else None
    if batch is None or batch.status != PublicityBatchStatus.OPEN or timezone.localdate() > batch.ends_on:
        raise TransitionForbidden(_("The publicity period has ended."))
    if application.status not in (Status.IN_PUBLICITY, Status.OBJECTION_RAISED):
        raise TransitionForbidden(_("This case is no longer open for objections."))


def objection_add(*, application: Application, by: User | None, name: str, contact: str, reason: str) -> Objection:
    """Record the objection on the locked case in publicity: a numbered row and an audit entry. The first open
    objection moves the case to investigation (`raise_objection`); a later one joins it."""
    before = application.status
    if before == Status.IN_PUBLICITY:
        _transition(application.raise_objection)
        _save(application)
    objection = Objection.objects.create(
        number=objection_number_next(year=timezone.localdate().year),
        application=application,
        batch=application.publicity_entry.batch,
        objector_name=name,
        objector_contact=contact,
        reason=reason,
        recorded_by=by,
    )
    action = "objection" if by is not None else "objection_online"
    audit_record(application=application, by=by, action=action, from_status=before, comment=f"{objection.number} {reason}")
    return objection


def objection_input_problems(*, programme: Programme, name: str, contact: str, reason: str) -> dict[str, str]:
    """What is wrong with an online objection's fields (stripped), by field name ("name", "contact", "reason")."""
    problems = {}
    if not reason:
        problems["reason"] = _("Write what your objection is about.")
    elif len(reason) > settings.PUBLIC_OBJECTION_MAX_CHARS:
        limit = settings.PUBLIC_OBJECTION_MAX_CHARS
        problems["reason"] = ngettext(
            "The objection may be at most %(limit)d character long (yours has %(count)d).",
            "The objection may be at most %(limit)d characters long (yours has %(count)d).",
            limit,
        ) % {"limit": limit, "count": len(reason)}
    if not name and not programme.anonymous_objections:
        problems["name"] = _("Give your name: this programme does not accept anonymous objections.")
    elif name:
        try:
            validate_name(name)
        except ValidationError as error:
            problems["name"] = error.messages[0]
    if not contact:
        problems["contact"] = _("Give a telephone number or an e-mail address so that the investigators can reach you.")
    elif not _contact_valid(contact):
        problems["contact"] = _("The contact is neither a telephone number nor an e-mail address.")
    return problems


def _contact_valid(contact: str) -> bool:
    if len(contact) > 100:
        return False
    if _TELEPHONE.fullmatch(contact):
        return True
    try:
        validate_email(contact)
    except ValidationError:
        return False
    return True


def objection_quota_check(*, address: str, now: dt.datetime) -> None:
    """Refuse when the address filed its quota within the window. The caller holds the address's advisory lock."""
    if not address:
        return
    window_start = now - dt.timedelta(seconds=settings.PUBLIC_OBJECTION_WINDOW_SECONDS)
    filed = AccessEvent.objects.filter(kind=AccessEvent.Kind.OBJECTION_FILED, address=address, created_at__gte=window_start)
    if filed.count() >= settings.PUBLIC_OBJECTIONS_PER_ADDRESS:
        minutes = max(settings.PUBLIC_OBJECTION_WINDOW_SECONDS // 60, 1)
        raise ObjectionQuotaExceeded(
            _("Too many objections from your address: at most %(count)d in %(minutes)d minutes. Try again later.")
            % {"count": settings.PUBLIC_OBJECTIONS_PER_ADDRESS, "minutes": minutes}
        )


@transaction.atomic
def objection_file(*, application: Application, name: str, contact: str, reason: str, address: str) -> Objection:
    """Anyone files an objection online during the period; returns it with its receipt number."""
    name, contact, reason = name.strip(), contact.strip(), reason.strip()
    problems = objection_input_problems(programme=application.programme, name=name, contact=contact, reason=reason)
    if problems:
        raise DomainError(_("The objection was not filed."), details=list(problems.values()))
    application = case_locked(application)
    objection_period_check(application=application)
    now = timezone.now()
    _subjects_lock(("objection", address))
    objection_quota_check(address=address, now=now)
    objection = objection_add(application=application, by=None, name=name, contact=contact, reason=reason)
    AccessEvent.objects.create(kind=AccessEvent.Kind.OBJECTION_FILED, address=address, created_at=now, note=objection.number)
    return objection
