"""Publicity (公示): approved cases are listed for N working days; anyone may object."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import calendar
from cases.constants import ObjectionStatus, PublicityBatchStatus, Status
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import Application, Objection, Programme, PublicityBatch, PublicityEntry, User
from cases.selectors import application_visible_to
from cases.services.applications import _save, _transition, case_rejected, staff_may
from cases.services.audit import audit_record
from cases.services.budget import budget_release
from cases.services.locks import case_locked, cases_lock
from cases.services.numbering import counter_next
from cases.services.objections import objection_add, objection_period_check
from cases.validators import validate_name


@transaction.atomic
def publicity_open(*, programme: Programme, applications: list[Application], by: User, starts_on: dt.date) -> PublicityBatch:
    if not by.has_perm("cases.manage_publicity") or by.org_unit_id is None:
        raise PermissionDenied()
    if not applications:
        raise DomainError(_("Choose at least one approved case to publish."))
    if not calendar.is_working_day(starts_on):
        starts_on = calendar.add_working_days(starts_on, 1)
    ends_on = calendar.add_working_days(starts_on, programme.publicity_days - 1)
    # The cases first (ascending pk), then the counter and the batch: one lock order (ADR 0003).
    locked = cases_lock(pks=[a.pk for a in applications])
    year = starts_on.year
    batch = PublicityBatch.objects.create(
        number=f"GS-{programme.case_prefix}-{year}-{counter_next(key=f'publicity:{programme.code}:{year}'):04d}",
        programme=programme,
        org_unit=by.org_unit,
        starts_on=starts_on,
        ends_on=ends_on,
        published_by=by,
    )
    for application in locked:
        if application.programme_id != programme.pk or not application_visible_to(user=by, application=application):
            raise PermissionDenied()
        before = application.status
        _transition(application.publish)
        _save(application)
        PublicityEntry.objects.create(batch=batch, application=application, amount=application.approved_amount)
        audit_record(application=application, by=by, action="publish", from_status=before, comment=batch.number)
    return batch


@transaction.atomic
def objection_raise(*, application: Application, by: User, objector_name: str, objector_contact: str, reason: str) -> Objection:
    """A staff member records an objection received during the publicity period."""
    application = case_locked(application)
    if not staff_may(user=by, permission="cases.manage_publicity", application=application):
        raise PermissionDenied()
    if not reason.strip() or not objector_name.strip():
        raise DomainError(_("An objection needs the objector's name and a reason."))
    try:
        validate_name(objector_name)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from error
    objection_period_check(application=application)
    return objection_add(application=application, by=by, name=objector_name, contact=objector_contact, reason=reason)


@transaction.atomic
def objection_decide(*, application: Application, by: User, upheld: bool, reason: str) -> Application:
    application = case_locked(application)
    if not staff_may(user=by, permission="cases.manage_publicity", application=application):
        raise PermissionDenied()
    if not reason.strip():
        raise DomainError(_("Give the reason for the decision on the objection."))
    # One investigation decides every objection still open on the case (several may have been filed online).
    objections = list(application.objections.filter(status=ObjectionStatus.OPEN).order_by("id"))
    if not objections:
        raise TransitionForbidden()
    before = application.status
    if upheld:
        _transition(application.uphold_objection, at=timezone.now())
        budget_release(application=application, amount=application.approved_amount)
        _save(application, "decided_at")
    else:
        _transition(application.pass_publicity)
        _save(application)
    decided = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    for objection in objections:
        objection.status = decided
        objection.decided_by = by
        objection.decided_at = timezone.now()
        objection.decision_reason = reason
        objection.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(application=application, by=by, action="objection:" + decided, from_status=before, comment=reason)
    if upheld:
        case_rejected.send(sender=Application, application=application, by=by)
    return application


def publicity_batches_due(*, today: dt.date):
    return PublicityBatch.objects.filter(status=PublicityBatchStatus.OPEN, ends_on__lt=today)


@transaction.atomic
def publicity_pass_case(*, application: Application) -> bool:
    """The period ended without objection: the case passes. Returns False when it is not in publicity any more."""
    application = case_locked(application)
    if application.status != Status.IN_PUBLICITY:
        return False
    before = application.status
    _transition(application.pass_publicity)
    _save(application)
    audit_record(application=application, by=None, action="publicity_passed", from_status=before)
    return True


@transaction.atomic
def publicity_batch_close(*, batch: PublicityBatch) -> bool:
    batch = PublicityBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PublicityBatchStatus.OPEN:
        return False
    if (
        batch.entries.filter(application__status__in=[Status.IN_PUBLICITY, Status.OBJECTION_RAISED])
        .exclude(application__status=Status.OBJECTION_RAISED)
        .exists()
    ):
        raise TransitionForbidden(_("Cases of the batch are still in publicity."))
    batch.status = PublicityBatchStatus.CLOSED
    batch.closed_at = timezone.now()
    batch.save(update_fields=["status", "closed_at"])
    return True
