"""The district report's year, replayed through the real services and flows: `manage.py replay_report --year Y`.

The report (docs/statistics.md, "The report's year") counts, per programme, the cases it paid and what it paid
or lent; its enterprise indicators come from the business registrations and the jobs. The replay files and
decides only cases the report counts, each on a day of the year it is given (the clock moved to that day, the
services' `today` passed where they take one), with amounts drawn within each programme's rules and the last ones
adjusted so each programme's total comes out exact (`amounts_exact`). Each programme's part is the `replay` hook of
its registration (workflows/programmes/<kind>/replay.py); this module holds the targets, the shared clock, the
reference data and the comparison printed at the end.

A year is replayed once on a database: a year that already has cases decided in it or reference data is refused
before anything is written, and the replay runs in one transaction, so a failure leaves nothing behind.
"""

import csv
import datetime as dt
import io
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cases.constants import Role, Status, UnitLevel
from cases.demo import org_units_load, programmes_load
from cases.models import Application, BudgetEnvelope, BusinessRegistration, LabourFigure, OrgUnit, Programme, ReferenceKind, User
from cases.services.reference_data import COLUMNS, reference_file_import
from documents.tasks import documents_withheld
from workflows.engine import steps as flow_services
from workflows.engine.registry import registry
from workflows.engine.replay_targets import Reference, ReplayRefused, ReportTargets
from workflows.engine.simulation import SetupRefused, Staff, open_programme, pay, staff_for

# Claims of employers and training providers: no start-up of their own, no jobs in the report's ratio.
NOT_STARTUPS = ("social_insurance", "training")


def amounts_exact(
    rng: random.Random, *, count: int, total: Decimal, low: Decimal, high: Decimal, step: Decimal = Decimal("0.01")
) -> list[Decimal]:
    """`count` amounts between `low` and `high`, multiples of `step`, adding up to exactly `total`: each drawn at
    random around the mean, then the last ones moved (within the bounds) by what the sum is off."""
    units, lo, hi = total / step, low / step, high / step
    if count < 1 or units != units.to_integral_value() or lo != lo.to_integral_value() or hi != hi.to_integral_value():
        raise ReplayRefused(_("%(total)s cannot be split into amounts of %(step)s.") % {"total": total, "step": step})
    units, lo, hi = int(units), int(lo), int(hi)
    if not count * lo <= units <= count * hi:
        raise ReplayRefused(
            _("%(count)s amounts between %(low)s and %(high)s cannot add up to %(total)s.")
            % {"count": count, "low": low, "high": high, "total": total}
        )
    mean = units // count
    spread = min(mean - lo, hi - mean)
    drawn = [step * rng.randint(mean - spread, mean + spread) for _ in range(count)]
    return adjusted_exact(drawn, total=total, low=low, high=high)


def adjusted_exact(amounts: list[Decimal], *, total: Decimal, low: Decimal, high: Decimal) -> list[Decimal]:
    """The amounts with the last ones moved (each within `low` and `high`) by what their sum is off `total`; the
    earlier ones as they were. Refused when no move within the bounds can reach the total."""
    if not len(amounts) * low <= total <= len(amounts) * high:
        raise ReplayRefused(
            _("%(count)s amounts between %(low)s and %(high)s cannot add up to %(total)s.")
            % {"count": len(amounts), "low": low, "high": high, "total": total}
        )
    moved = [min(max(amount, low), high) for amount in amounts]
    off = total - sum(moved, Decimal("0"))
    for index in reversed(range(len(moved))):
        if off == 0:
            break
        move = min(off, high - moved[index]) if off > 0 else max(off, low - moved[index])
        moved[index] += move
        off -= move
    return moved


def counts_exact(rng: random.Random, *, count: int, total: int, low: int, high: int) -> list[int]:
    """`count` whole numbers between `low` and `high` adding up to `total` (class sizes, jobs, registrations)."""
    return [
        int(v)
        for v in amounts_exact(rng, count=count, total=Decimal(total), low=Decimal(low), high=Decimal(high), step=Decimal(1))
    ]


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    """The clock at `hour` o'clock of `day` in the district's zone, still ticking."""
    import time_machine

    with time_machine.travel(dt.datetime.combine(day, dt.time(hour, 0), tzinfo=ZoneInfo(settings.TIME_ZONE)), tick=True):
        yield


@dataclass
class Replay:
    """What every programme's part shares: the year, the random source, the district, its staff and communities."""

    year: int
    rng: random.Random
    district: OrgUnit
    staff: Staff
    communities: list[OrgUnit]
    administrator: User

    def day(self, month: int, day: int) -> dt.date:
        return dt.date(self.year, month, day)

    def community(self) -> OrgUnit:
        return self.rng.choice(self.communities)

    def envelope_at_least(self, programme: Programme, amount: Decimal) -> None:
        """The year's district envelope of the programme holds at least `amount` more than it has committed (with a
        tenth to spare: an envelope committed to the last cent is never the case)."""
        amount = (amount * Decimal("1.1")).quantize(Decimal("1"))
        with transaction.atomic():
            envelope, _ = BudgetEnvelope.objects.select_for_update().get_or_create(
                programme=programme, year=self.year, org_unit=None, defaults={"amount": amount}
            )
            if envelope.remaining < amount:
                envelope.amount += amount - envelope.remaining
                envelope.save(update_fields=["amount"])

    @contextmanager
    def rules(self, programme: Programme, **fields) -> Iterator[None]:
        """The programme's rules with `fields` changed while the cases are filed (each keeps the version it was
        filed under), then the previous rules again as a new version: both changes by the replay's administrator."""
        from cases.services.programmes import programme_rules_change

        before = programme.current_rules.rules()
        programme_rules_change(programme=programme, by=self.administrator, **fields)
        try:
            yield
        finally:
            programme_rules_change(programme=Programme.objects.get(pk=programme.pk), by=self.administrator, **before)


def _administrator(district: OrgUnit) -> User:
    user, _ = User.objects.get_or_create(
        username="replay-administrator",
        defaults={"role": Role.ADMINISTRATOR, "org_unit": district, "first_name": f"{district.name}统计管理员"},
    )
    return user


def year_refusal(year: int) -> str | None:
    """Why the year cannot be replayed on this database (it already holds the year's figures), or None."""
    period = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    decided = Application.objects.exclude(status=Status.DRAFT).filter(decided_at__date__range=period).count()
    registrations = BusinessRegistration.objects.filter(month__range=period).exists()
    labour = LabourFigure.objects.filter(year=year).exists()
    if decided or registrations or labour:
        return _(
            "%(year)s already has figures on this database (%(cases)s cases decided in it, reference data: %(reference)s): "
            "the replay runs once per year on a database and has changed nothing."
        ) % {"year": year, "cases": decided, "reference": _("yes") if registrations or labour else _("no")}
    return None


def csv_bytes(columns: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[str(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8")


def reference_import(replay: Replay, reference: Reference, startups: list[Application], others: list[Application]) -> None:
    """The year's business registrations (per town and month), residents and labour force (per town) and the jobs per
    case, imported as files through the reference-data service by the replay's administrator."""
    rng, year = replay.rng, replay.year
    towns = list(OrgUnit.objects.filter(level=UnitLevel.TOWN, path__startswith=replay.district.path).order_by("code"))
    cells = [(town, month) for town in towns for month in range(1, 13)]
    private = counts_exact(rng, count=len(cells), total=reference.private_enterprises, low=0, high=reference.private_enterprises)
    individual = counts_exact(
        rng, count=len(cells), total=reference.individual_businesses, low=0, high=reference.individual_businesses
    )
    rows = [[town.code, f"{year}-{month:02d}", p, i] for (town, month), p, i in zip(cells, private, individual, strict=True)]
    files = [(ReferenceKind.REGISTRATIONS, rows)]
    labour = counts_exact(rng, count=len(towns), total=reference.labour_force, low=1, high=reference.labour_force)
    residents = residents_by_labour(labour, reference.residents)
    employment = counts_exact(rng, count=len(towns), total=reference.new_employment, low=0, high=reference.new_employment)
    files.append(
        (
            ReferenceKind.LABOUR,
            [[t.code, year, r, lf, ne] for t, r, lf, ne in zip(towns, residents, labour, employment, strict=True)],
        )
    )
    jobs = counts_exact(rng, count=len(startups), total=reference.jobs, low=1, high=reference.jobs) if startups else []
    rows = [[a.number, j] for a, j in zip(startups, jobs, strict=True)] + [[a.number, 0] for a in others]
    if rows:
        files.append((ReferenceKind.JOBS, rows))
    for kind, rows in files:
        reference_file_import(
            kind=kind, content=csv_bytes(COLUMNS[kind], rows), filename=f"replay-{year}-{kind}.csv", by=replay.administrator
        )


def residents_by_labour(labour: list[int], total: int) -> list[int]:
    """The residents per town in proportion to its labour force (never fewer), adding up to `total`."""
    labour_total = sum(labour)
    shares = [max(lf, total * lf // labour_total) for lf in labour]
    shares[-1] += total - sum(shares)
    return shares


def replay_run(*, year: int, targets: ReportTargets, seed: int = 2010, documents: bool = True, progress=None) -> dict[str, int]:
    """Replay the targets in `year`, all or nothing; returns the cases replayed per programme kind. `progress` is
    called with each programme's kind, cases and seconds as it ends."""
    refusal = year_refusal(year)
    if refusal:
        raise ReplayRefused(refusal)
    hooks = {}
    for target in targets.programmes:
        programme = registry.get(target.kind)
        if programme is None or programme.replay is None:
            raise ReplayRefused(_("The programme %(kind)s has no replay on this installation.") % {"kind": target.kind})
        hooks[target.kind] = programme.replay
    with transaction.atomic(), documents_withheld() if not documents else _nothing():
        district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
        with on(dt.date(year, 1, 4), hour=9):
            programmes_load(year=year, opened={t.code for t in targets.programmes})
            replay = Replay(
                year=year,
                rng=random.Random(f"{seed}:{year}"),
                district=district,
                staff=staff_for(district),
                communities=list(
                    OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code")
                ),
                administrator=_administrator(district),
            )
            for target in targets.programmes:
                try:
                    open_programme(target.code)
                except SetupRefused as refusal:
                    raise ReplayRefused(str(refusal)) from refusal
        replayed: dict[str, list[Application]] = {}
        for target in targets.programmes:
            started = time.monotonic()
            replayed[target.kind] = hooks[target.kind](replay=replay, target=target)
            if progress is not None:
                progress(target.kind, len(replayed[target.kind]), time.monotonic() - started)
        startups = [a for kind, cases in replayed.items() if kind not in NOT_STARTUPS for a in cases]
        others = [a for kind, cases in replayed.items() if kind in NOT_STARTUPS for a in cases]
        with on(dt.date(year, 12, 31), hour=16):
            reference_import(replay, targets.reference, startups, others)
    return {kind: len(cases) for kind, cases in replayed.items()}


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def working_day(day: dt.date) -> dt.date:
    """`day`, or the next working day of the district's calendar."""
    from cases import calendar

    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def publish_and_pay(replay: Replay, programme: Programme, approved: list[Application], day: dt.date) -> None:
    """Publicity from `day` (no objection), closed the day after it ends, and payment on that day."""
    with on(working_day(day)):
        batch = flow_services.publicity_publish(
            programme=programme, applications=approved, by=replay.staff.approver, starts_on=working_day(day)
        )
    after = batch.ends_on + dt.timedelta(days=1)
    with on(after):
        flow_services.publicity_close_due(today=after, batches=[batch])
        pay(programme, [Application.objects.get(pk=a.pk) for a in approved], replay.staff, set(), replay.rng)
