"""The demo's reference data, so that its statistics page shows the report's indicators rather than "—": this
year's business registrations per town and month (the report's yearly 1,540 private enterprises and 3,300
individual businesses, pro rata up to this month), its labour figures per town (the report's), and the jobs each
decided start-up case reports (its own `jobs_created`). Imported as files through the reference-data service by the
demo's administrator, the way the district imports them; loaded once (a year with reference data is left alone).
"""

import random

from django.db.models import Q
from django.utils import timezone

from cases.constants import Status, UnitLevel
from cases.models import Application, BusinessRegistration, LabourFigure, OrgUnit, ReferenceKind, User
from cases.services.reference_data import COLUMNS, reference_file_import
from workflows.engine.replay import NOT_STARTUPS, counts_exact, csv_bytes, residents_by_labour
from workflows.engine.replay_targets import REPORT


def demo_reference_load(*, administrator: User, seed: int = 2026) -> list[str]:
    """Import the demo year's reference files; returns the kinds imported (none when the year has them already)."""
    today = timezone.localdate()
    year = today.year
    if BusinessRegistration.objects.filter(month__year=year).exists() or LabourFigure.objects.filter(year=year).exists():
        return []
    rng = random.Random(f"demo-reference:{seed}:{year}")
    reference = REPORT.reference
    towns = list(OrgUnit.objects.filter(level=UnitLevel.TOWN).order_by("code"))
    cells = [(town, month) for town in towns for month in range(1, today.month + 1)]
    share = today.month / 12

    def spread(total: int, count: int) -> list[int]:
        return counts_exact(rng, count=count, total=total, low=0, high=total)

    private = spread(round(reference.private_enterprises * share), len(cells))
    individual = spread(round(reference.individual_businesses * share), len(cells))
    files = [
        (
            ReferenceKind.REGISTRATIONS,
            [[t.code, f"{year}-{m:02d}", p, i] for (t, m), p, i in zip(cells, private, individual, strict=True)],
        )
    ]
    labour = counts_exact(rng, count=len(towns), total=reference.labour_force, low=1, high=reference.labour_force)
    employment = spread(reference.new_employment, len(towns))
    residents = residents_by_labour(labour, reference.residents)
    rows = [[t.code, year, r, lf, ne] for t, r, lf, ne in zip(towns, residents, labour, employment, strict=True)]
    files.append((ReferenceKind.LABOUR, rows))
    decided = (
        Application.objects.exclude(Q(status=Status.DRAFT) | Q(programme__kind__in=NOT_STARTUPS))
        .filter(decided_at__year=year)
        .order_by("number")
    )
    jobs = [[a.number, a.jobs_created] for a in decided]
    if jobs:
        files.append((ReferenceKind.JOBS, jobs))
    for kind, rows in files:
        reference_file_import(
            kind=kind, content=csv_bytes(COLUMNS[kind], rows), filename=f"demo-{year}-{kind}.csv", by=administrator
        )
    return [kind for kind, _rows in files]
