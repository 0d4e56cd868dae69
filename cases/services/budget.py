"""Budget envelopes: approval commits, rejection and objection release, payment moves committed to paid,
clawback recovery gives money back. Every change locks the envelope row (then its funding sources, in id order)
and writes a ledger entry; with co-funding the entry is split across the sources to the cent.

Rounding rule (ADR "co-funding split"): an amount A is split over weights w_i by the largest-remainder method in
whole cents. Each part first gets floor(A * w_i / sum(w)) cents; the cents left over (fewer than the number of
parts) go one each to the parts with the largest dropped remainder, ties broken by (priority, id). The parts always
add up to A exactly and the same inputs always give the same split.
- A commitment uses the sources' shares as weights.
- A release, payment or recovery uses what this case still holds at each source as weights, so a case's money
  leaves each source exactly as it came in, and no source can go below zero.
"""

from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from cases.constants import BudgetEntryKind, UnitLevel
from cases.exceptions import BudgetExceeded, DomainError
from cases.models import Application, BudgetEntry, BudgetEntrySplit, BudgetEnvelope, FundingSource

CENT = Decimal("0.01")


def split_by_weights(amount: Decimal, weights: list[tuple[object, Decimal]]) -> list[tuple[object, Decimal]]:
    """Split `amount` (2 dp) over (key, weight) pairs, given in tie-break order. Largest remainder, whole cents."""
    total_weight = sum((w for _, w in weights), Decimal("0"))
    if amount < 0 or total_weight <= 0 or any(w < 0 for _, w in weights):
        raise DomainError(_("Cannot split %(amount)s over these shares.") % {"amount": amount})
    cents = int((amount / CENT).to_integral_value())
    if Decimal(cents) * CENT != amount:
        raise DomainError(_("Amounts are whole cents."))
    floors = []
    for index, (key, weight) in enumerate(weights):
        exact = Decimal(cents) * weight / total_weight
        floor = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        floors.append([key, floor, exact - floor, index])
    left = cents - sum(f[1] for f in floors)
    for part in sorted(floors, key=lambda f: (-f[2], f[3]))[:left]:
        part[1] += 1
    return [(key, Decimal(c) * CENT) for key, c, _, _ in floors]


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


def _sources(envelope: BudgetEnvelope) -> list[FundingSource]:
    """The envelope's sources, locked in id order (always after the envelope row: one lock order everywhere)."""
    sources = list(FundingSource.objects.select_for_update().filter(envelope=envelope).order_by("id"))
    if sources and sum((s.share for s in sources), Decimal("0")) != 1:
        raise DomainError(_("The funding shares of %(envelope)s do not add up to 100 %%.") % {"envelope": envelope})
    return sorted(sources, key=lambda s: (s.priority, s.pk))


def _entry_envelope(application: Application) -> BudgetEnvelope:
    entry = application.budget_entries.filter(kind=BudgetEntryKind.COMMIT).order_by("-id").first()
    if entry is None:
        raise BudgetExceeded(_("The case has no committed budget."))
    return BudgetEnvelope.objects.select_for_update().get(pk=entry.envelope_id)


def _case_holdings(application: Application, envelope: BudgetEnvelope) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """What this case still holds at each source: (committed, paid) by source id, from the ledger splits."""
    committed: dict[int, Decimal] = defaultdict(Decimal)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    rows = (
        BudgetEntrySplit.objects.filter(entry__application=application, entry__envelope=envelope)
        .values_list("source_id", "entry__kind")
        .annotate(s=Sum("amount"))
    )
    for source_id, kind, amount in rows:
        if kind == BudgetEntryKind.COMMIT:
            committed[source_id] += amount
        elif kind == BudgetEntryKind.RELEASE:
            committed[source_id] -= amount
        elif kind == BudgetEntryKind.PAY:
            committed[source_id] -= amount
            paid[source_id] += amount
        elif kind == BudgetEntryKind.RECOVER:
            paid[source_id] -= amount
    return committed, paid


def _split_holdings(
    amount: Decimal, sources: list[FundingSource], held: dict[int, Decimal]
) -> list[tuple[FundingSource, Decimal]]:
    weights = [(s, held.get(s.pk, Decimal("0"))) for s in sources]
    if amount > sum((w for _, w in weights), Decimal("0")):
        raise DomainError(_("The case does not hold %(amount)s in this envelope.") % {"amount": amount})
    if amount == 0:
        return [(s, Decimal("0")) for s in sources]
    parts = split_by_weights(amount, weights)
    return [(s, part) for s, part in parts]


def _record(
    envelope: BudgetEnvelope, application: Application, kind: str, amount: Decimal, parts: list[tuple[FundingSource, Decimal]]
) -> BudgetEntry:
    entry = BudgetEntry.objects.create(envelope=envelope, application=application, kind=kind, amount=amount)
    BudgetEntrySplit.objects.bulk_create([BudgetEntrySplit(entry=entry, source=s, amount=part) for s, part in parts])
    return entry


def budget_commit(*, application: Application, amount: Decimal, year: int) -> BudgetEnvelope:
    envelope = envelope_for(application=application, year=year)
    if amount > envelope.remaining:
        raise BudgetExceeded(
            _("Approval refused: %(amount)s would exceed the remaining budget %(remaining)s of %(envelope)s.")
            % {"amount": amount, "remaining": envelope.remaining, "envelope": envelope}
        )
    sources = _sources(envelope)
    parts = split_by_weights(amount, [(s, s.share) for s in sources]) if sources else []
    for source, part in parts:
        limit = envelope.amount * source.share
        if source.committed + source.paid + part > limit:
            raise BudgetExceeded(
                _("Approval refused: %(source)s cannot carry its share %(part)s of %(amount)s.")
                % {"source": source.name, "part": part, "amount": amount}
            )
    for source, part in parts:
        source.committed += part
        source.save(update_fields=["committed"])
    envelope.committed += amount
    envelope.save(update_fields=["committed"])
    _record(envelope, application, BudgetEntryKind.COMMIT, amount, parts)
    return envelope


def budget_release(*, application: Application, amount: Decimal) -> None:
    envelope = _entry_envelope(application)
    sources = _sources(envelope)
    parts = _split_holdings(amount, sources, _case_holdings(application, envelope)[0]) if sources else []
    for source, part in parts:
        source.committed -= part
        source.save(update_fields=["committed"])
    envelope.committed -= amount
    envelope.save(update_fields=["committed"])
    _record(envelope, application, BudgetEntryKind.RELEASE, amount, parts)


def budget_pay(*, application: Application, amount: Decimal, envelope: BudgetEnvelope | None = None) -> None:
    """Move `amount` from committed to paid: in `envelope` when given (a loan subsidy claim knows its own), else in
    the envelope of the case's last commitment."""
    envelope = BudgetEnvelope.objects.select_for_update().get(pk=envelope.pk) if envelope else _entry_envelope(application)
    sources = _sources(envelope)
    parts = _split_holdings(amount, sources, _case_holdings(application, envelope)[0]) if sources else []
    for source, part in parts:
        source.committed -= part
        source.paid += part
        source.save(update_fields=["committed", "paid"])
    envelope.committed -= amount
    envelope.paid += amount
    envelope.save(update_fields=["committed", "paid"])
    _record(envelope, application, BudgetEntryKind.PAY, amount, parts)


def budget_recover(*, application: Application, amount: Decimal) -> None:
    """Money recovered by a clawback (all or part) goes back to the envelope, to each source in proportion to what
    it paid for this case."""
    envelope = _entry_envelope(application)
    sources = _sources(envelope)
    parts = _split_holdings(amount, sources, _case_holdings(application, envelope)[1]) if sources else []
    for source, part in parts:
        source.paid -= part
        source.save(update_fields=["paid"])
    envelope.paid -= amount
    envelope.save(update_fields=["paid"])
    _record(envelope, application, BudgetEntryKind.RECOVER, amount, parts)


@transaction.atomic
def funding_sources_set(*, envelope: BudgetEnvelope, shares: list[tuple[str, str, Decimal]], by) -> list[FundingSource]:
    """Define the co-funders of an envelope that has not committed anything yet: [(code, name, share), ...]."""
    from cases.exceptions import PermissionDenied

    if not (by.is_superuser or by.has_perm("cases.prepare_payment")):
        raise PermissionDenied()
    envelope = BudgetEnvelope.objects.select_for_update().get(pk=envelope.pk)
    if envelope.entries.exists():
        raise DomainError(_("Funding shares can only be set before the envelope commits money."))
    if sum((share for _, _, share in shares), Decimal("0")) != 1:
        raise DomainError(_("The funding shares must add up to 100 %."))
    FundingSource.objects.filter(envelope=envelope).delete()
    return [
        FundingSource.objects.create(envelope=envelope, code=code, name=name, share=share, priority=index)
        for index, (code, name, share) in enumerate(shares)
    ]
