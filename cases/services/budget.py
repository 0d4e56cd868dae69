"""Budget envelopes: approval commits, rejection and objection release, payment moves committed to paid,
clawback recovery gives money back. Every change locks the envelope row and writes a ledger entry."""

from decimal import Decimal

from django.utils.translation import gettext as _

from cases.constants import BudgetEntryKind, UnitLevel
from cases.exceptions import BudgetExceeded
from cases.models import Application, BudgetEntry, BudgetEnvelope


def envelope_for(*, application: Application, year: int, lock: bool = True) -> BudgetEnvelope:
    """The town's own envelope if the programme has one for that year, else the district-wide one."""
    town = application.org_unit.ancestor_at(UnitLevel.TOWN)
    qs = BudgetEnvelope.objects.filter(programme_id=application.programme_id, year=year)
    if lock:
        qs = qs.select_for_update()
    envelope = qs.filter(org_unit=town).first() if town else None
    envelope = envelope or qs.filter(org_unit__isnull=True).first()
    if envelope is None:
        raise BudgetExceeded(
            _("No budget envelope exists for %(programme)s in %(year)s.")
            % {"programme": application.programme.name, "year": year}
        )
    return envelope


def _entry_envelope(application: Application) -> BudgetEnvelope:
    entry = application.budget_entries.filter(kind=BudgetEntryKind.COMMIT).order_by("-id").first()
    if entry is None:
        raise BudgetExceeded(_("The case has no committed budget."))
    return BudgetEnvelope.objects.select_for_update().get(pk=entry.envelope_id)


def budget_commit(*, application: Application, amount: Decimal, year: int) -> BudgetEnvelope:
    envelope = envelope_for(application=application, year=year)
    if amount > envelope.remaining:
        raise BudgetExceeded(
            _("Approval refused: %(amount)s would exceed the remaining budget %(remaining)s of %(envelope)s.")
            % {"amount": amount, "remaining": envelope.remaining, "envelope": envelope}
        )
    envelope.committed += amount
    envelope.save(update_fields=["committed"])
    BudgetEntry.objects.create(envelope=envelope, application=application, kind=BudgetEntryKind.COMMIT, amount=amount)
    return envelope


def budget_release(*, application: Application, amount: Decimal) -> None:
    envelope = _entry_envelope(application)
    envelope.committed -= amount
    envelope.save(update_fields=["committed"])
    BudgetEntry.objects.create(envelope=envelope, application=application, kind=BudgetEntryKind.RELEASE, amount=amount)


def budget_pay(*, application: Application, amount: Decimal) -> None:
    envelope = _entry_envelope(application)
    envelope.committed -= amount
    envelope.paid += amount
    envelope.save(update_fields=["committed", "paid"])
    BudgetEntry.objects.create(envelope=envelope, application=application, kind=BudgetEntryKind.PAY, amount=amount)


def budget_recover(*, application: Application, amount: Decimal) -> None:
    envelope = _entry_envelope(application)
    envelope.paid -= amount
    envelope.save(update_fields=["paid"])
    BudgetEntry.objects.create(envelope=envelope, application=application, kind=BudgetEntryKind.RECOVER, amount=amount)
