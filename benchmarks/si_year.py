"""The social-insurance programme's year at the district report's size (20,157 people, four quarters) on PostgreSQL
with a real Celery worker issuing every document: `make bench-si-year` (about an hour on two cores, so `make bench`
does not run it).

Its own database, dropped and created here (BENCH_SI_DATABASE_URL, default .../bench_si_year), migrated, the
programme opened as an administrator would; a worker started on the same database and broker and stopped at the
end. The run is `simulate --programme social-insurance` in two timed parts, the services (rosters, reviews,
publicity, payment, reversals, clawbacks) and the wait until the worker has issued every owed document, then
`check_consistency`. Figures: bench-results/social_insurance.json, key "simulated_year" (or "simulated_part" for a
smaller run).

    python -m benchmarks.si_year [--people 20157] [--employers 400] [--quarters 4] [--workers 1] [--documents-within S]

With --documents-within the wait for the documents ends after S seconds at most: what the worker has not issued by
then is recorded as pending (documents_pending, owed_pending), and check_consistency reports it.
"""

import argparse
import io
import os
import subprocess
import sys
import time
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

REPORT_PEOPLE = 20_157


def _database_fresh(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _worker(workers: int, log: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={workers}", "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--hostname", f"bench-si-{os.getpid()}@%h"]
    output = open(log, "w")  # noqa: SIM115 - the worker writes to it until it is stopped
    return subprocess.Popen(command, env=dict(os.environ), stdout=output, stderr=subprocess.STDOUT)  # noqa: S603 - our own command line


def _setup() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from cases.demo import programmes_load
    from cases.models import Programme
    from config.celery import app

    call_command("migrate", verbosity=0)
    programmes_load(year=timezone.localdate().year - 1)
    # opened for applications, as an administrator does before a run (simulate refuses a closed programme)
    Programme.objects.filter(code="social-insurance").update(active=True)
    with app.connection_for_write() as connection:  # messages left by an earlier, interrupted run
        app.control.purge(connection=connection)


def _figures(*, services: float, documents: float, consistency: str) -> dict:
    from django.db.models import Count

    from cases.constants import PaymentLineStatus, ProgrammeKind
    from cases.models import Clawback, OutboxKind, PaymentLine
    from cases.models.social_insurance import PersonMonthEntitlement, RosterRow, SocialInsuranceClaim
    from cases.services import outbox_pending
    from documents.models import Document

    def total(values) -> str:
        return str(sum(values, Decimal("0")))

    lines = PaymentLine.objects.filter(
        application__programme__kind=ProgrammeKind.SOCIAL_INSURANCE, status=PaymentLineStatus.PAID
    ).values_list("amount", flat=True)
    paid_months = PersonMonthEntitlement.objects.filter(payment_line__isnull=False)
    return {
        "services_seconds": round(services, 1),
        "documents_wait_seconds": round(documents, 1),
        "total_seconds": round(services + documents, 1),
        "claims": SocialInsuranceClaim.objects.exclude(application=None).count(),
        "roster_rows": RosterRow.objects.count(),
        "person_months_paid": paid_months.count(),
        "paid_total_payment_lines": total(lines),
        "paid_total_person_months": total(paid_months.values_list("amount", flat=True)),
        "clawbacks_total": total(
            Clawback.objects.filter(application__programme__kind=ProgrammeKind.SOCIAL_INSURANCE).values_list("amount", flat=True)
        ),
        "documents": dict(Document.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")),
        "documents_pending": outbox_pending().filter(kind=OutboxKind.DOCUMENT).count(),
        "owed_pending": outbox_pending().count(),
        "consistency": consistency,
    }


def _options(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=REPORT_PEOPLE)
    parser.add_argument("--employers", type=int, default=400)
    parser.add_argument("--quarters", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--documents-within", type=float, default=None, help="seconds at most waiting for the documents")
    return parser.parse_args(argv)


def _consistency() -> str:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command("check_consistency", stdout=out)
        return out.getvalue().strip().splitlines()[-1]
    except CommandError as error:
        return str(error)


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    url = os.environ.get("BENCH_SI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_si_year")
    if not url.startswith("postgres"):
        print("The year runs on PostgreSQL: set BENCH_SI_DATABASE_URL to a database of its own.", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    if not os.environ.get("CELERY_BROKER_URL"):
        print("The year needs a broker (CELERY_BROKER_URL) for its worker.", file=sys.stderr)
        return 2
    _database_fresh(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import CommandError

    from benchmarks.results import DIRECTORY, record
    from workflows.engine.registry import registry
    from workflows.management.commands.simulate import Command as Simulate

    _setup()
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    worker = _worker(options.workers, str(DIRECTORY / "si-year-worker.log"))
    try:
        started = time.perf_counter()
        lines = registry.get("social_insurance").simulation(
            seed=options.seed, employers=options.employers, people=options.people, quarters=options.quarters
        )
        services = time.perf_counter() - started
        print("\n".join(lines))
        print(f"\nservices: {services:.0f} s; waiting for the worker to issue every owed document", flush=True)
        started = time.perf_counter()
        try:
            Simulate(stdout=sys.stdout, stderr=sys.stderr).drain_and_check(drain_timeout=3600, within=options.documents_within)
        except CommandError as error:
            print(error, file=sys.stderr)
        documents = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    consistency = _consistency()
    figures = {
        "people": options.people,
        "employers": options.employers,
        "quarters": options.quarters,
        "workers": options.workers,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        **_figures(services=services, documents=documents, consistency=consistency),
    }
    key = "simulated_year" if options.people >= REPORT_PEOPLE and options.quarters >= 4 else "simulated_part"
    path = record("social_insurance", {key: figures})
    print(f"\n{options.people} people, {options.employers} employers, {options.quarters} quarters: {figures}")
    print(f"written to {path.relative_to(settings.BASE_DIR)}")
    return 0 if consistency == "consistent" else 1


if __name__ == "__main__":
    sys.exit(main())
