"""Documents in the workflow part of `make bench` (bench-results/workflow.json, keys merged with the other parts'):

  docs_per_s_per_core      one-page notices (acceptance notices of one case) issued through the document service
                           from their outbox items, one after the other in one process: number reserved, rendered,
                           stored, digest, item done. Divided by the cores used: this process's CPU time plus the
                           CPU time of its PostgreSQL backend (read from /proc when the server is local; the wall
                           time otherwise). Goal >= 60. docs_render_ms_per_document: the CPU of the render
                           alone; the rest is numbering, queries, storage and digest.
  batch_ms_per_page        a 1,000-row publicity list rendered through documents.services.document_render, CPU
                           milliseconds per page; `batch_ms_per_page_10_rows` is the same for a 10-row list (a page
                           should cost the same at row 10 and row 1,000). No database. Goal <= 15.
  drain_speedup_2_workers  the same number of owed approval decisions (numbered per district: one counter row for
                           all of them) drained by one worker process, then by two, wall time; 1 vs 2 interleaved
                           three times, the medians compared. Goal >= 1.6.

PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/subsidies_bench), a database of its own,
migrated on the first run (about two minutes) and reused; each run adds one case and its documents. When the server
is not reachable the two PostgreSQL figures are not measured and the run says so (exit status 0: nothing was missed,
nothing was measured). Run alone: `.venv/bin/python -m benchmarks.workflow_documents`.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/subsidies_bench"
GOALS = {"docs_per_s_per_core": 60.0, "batch_ms_per_page": 15.0, "drain_speedup_2_workers": 1.6}
NOTICES = 40
DRAINED = 36
ROUNDS = 3


def _environment(database_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = ""  # owed work is drained here, never sent to a broker
    os.environ.setdefault("PRIVATE_STORAGE_ROOT", tempfile.mkdtemp(prefix="bench-documents-"))


def _postgres_reachable(url: str) -> str:
    """'' when the server answers (the database is created when missing), else why not."""
    import psycopg

    base, _, name = url.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=3, autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
    return ""


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a local process (the PostgreSQL backend serving this connection), None when not readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


# --- the list ----------------------------------------------------------------------------------------------------


def _pages(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _list_ms_per_page(rows: int) -> tuple[float, int]:
    from datetime import date

    from django.utils import timezone

    from benchmarks.documents import GIVEN, SURNAMES, _units
    from cases.models import Programme
    from documents.constants import DocumentKind
    from documents.contexts import in_tables
    from documents.models import new_token
    from documents.services import document_render

    context = {
        "programme": Programme(name="一次性创业补贴"),
        "starts_on": date(2026, 11, 2),
        "ends_on": date(2026, 11, 6),
        "publicity_days": 5,
        "rows": [
            {
                "name": SURNAMES[i % len(SURNAMES)] + "*" + GIVEN[(i * 7) % len(GIVEN)],
                "masked_id": f"330110********{i % 10000:04d}",
                "unit": "仓前街道仓前社区" + ("某某科技有限公司" if i % 3 else "个体工商户"),
                "amount": f"{3000 + 500 * (i % 50):,.2f}",
            }
            for i in range(rows)
        ],
        "total_yuan": "¥0.00",
        "total_capitals": "零元整",
    }
    context["row_tables"] = in_tables(context["rows"])
    started = time.process_time()
    pdf = document_render(
        kind=DocumentKind.PUBLICITY_LIST,
        number="余人社创公〔2026〕00001号",
        token=new_token(),
        unit=_units(),
        context=context,
        issued_at=timezone.now(),
    )
    cpu_ms = (time.process_time() - started) * 1000
    pages = _pages(pdf)
    return cpu_ms / pages, pages


def measure_list() -> dict:
    _list_ms_per_page(10)  # warm up: fonts, stylesheet
    short, short_pages = _list_ms_per_page(10)
    long, long_pages = _list_ms_per_page(1000)
    return {
        "batch_ms_per_page": round(long, 1),
        "batch_pages": long_pages,
        "batch_ms_per_page_10_rows": round(short, 1),
    }


# --- PostgreSQL: issuing and draining ------------------------------------------------------------------------------


def _approved_case():
    """One case filed, submitted and passed at every level through the services (its own documents issued)."""
    import random

    from django.utils import timezone

    from cases.constants import Decision, ReviewLevel
    from cases.demo import org_units_load, programmes_load
    from cases.models import OrgUnit, Programme
    from workflows.engine import simulation
    from workflows.engine import steps as flow_services

    district = org_units_load()
    programmes_load(year=timezone.localdate().year)
    programme = Programme.objects.get(code="startup")
    staff = simulation.staff_for(district)
    community = OrgUnit.objects.get(code="330110001001")  # 仓前社区
    application, user = simulation.file_draft(rng=random.Random(), programme=programme, community=community)
    application = flow_services.case_submit(application=application, by=user)
    for level, by in (
        (ReviewLevel.COMMUNITY, staff.community[community.pk]),
        (ReviewLevel.TOWN, staff.town[community.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
        (ReviewLevel.APPROVAL, staff.approver),
    ):
        application = simulation.decide(application, by, level, Decision.PASS)
    return application


def _owe(application, kind: str, count: int, tag: str) -> list[int]:
    from django.db import transaction

    from cases.models import OutboxKind
    from cases.services import outbox_record

    with transaction.atomic():
        return [
            outbox_record(
                key=f"{kind}:case:{application.pk}:{tag}-{i}",
                kind=OutboxKind.DOCUMENT,
                application_id=application.pk,
                payload={"kind": kind, "subject": {}},
            )[0].pk
            for i in range(count)
        ]


def measure_issue(application, run: str) -> dict:
    from unittest import mock

    from documents.services import document_issue_owed, document_render

    warm = _owe(application, "acceptance_notice", 2, f"{run}-warm")
    for item_id in warm:
        document_issue_owed(item_id=item_id)
    items = _owe(application, "acceptance_notice", NOTICES, f"{run}-notice")
    backend = _backend_pid()
    backend_cpu = _cpu_seconds(backend)
    rendering = [0.0]

    def render_timed(**kwargs):
        started = time.process_time()
        try:
            return document_render(**kwargs)
        finally:
            rendering[0] += time.process_time() - started

    cpu, wall = time.process_time(), time.perf_counter()
    with mock.patch("documents.services.document_render", render_timed):
        for item_id in items:
            assert document_issue_owed(item_id=item_id) is not None
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server = _cpu_seconds(backend)
    server_cpu = None if backend_cpu is None or server is None else server - backend_cpu
    cores_seconds = cpu + server_cpu if server_cpu is not None else wall
    return {
        "docs_per_s_per_core": round(NOTICES / cores_seconds, 1),
        "docs_ms_per_document": round(cores_seconds * 1000 / NOTICES, 1),
        "docs_render_ms_per_document": round(rendering[0] * 1000 / NOTICES, 1),
        "docs_per_s_wall_one_process": round(NOTICES / wall, 1),
        "docs_cores_counted": "worker and PostgreSQL backend CPU" if server_cpu is not None else "wall time",
    }


def _drain_worker(queue, ready, start, done) -> None:
    """One worker process: Django set up, one document rendered to warm up, then owed items from the queue until
    None (the queue plays the broker: each item delivered once)."""
    import django

    django.setup()
    from benchmarks.documents import _render, _units
    from documents.services import document_issue_owed

    _render("approval_decision", 0, district=_units(), language="zh-hans", latin=False)

    ready.set()
    start.wait()
    issued = 0
    while (item_id := queue.get()) is not None:
        issued += document_issue_owed(item_id=item_id) is not None
    done.put(issued)


def _drain(items: list[int], workers: int) -> float:
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    queue, done, start = context.Queue(), context.Queue(), context.Event()
    readies = [context.Event() for _ in range(workers)]
    processes = [context.Process(target=_drain_worker, args=(queue, readies[i], start, done)) for i in range(workers)]
    for process in processes:
        process.start()
    for item_id in items:
        queue.put(item_id)
    for _ in processes:
        queue.put(None)
    for ready in readies:
        if not ready.wait(timeout=120):
            raise RuntimeError("a drain worker did not start in 120 s")
    began = time.perf_counter()
    start.set()
    issued = sum(done.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join(timeout=30)
    if issued != len(items):
        raise RuntimeError(f"{workers} worker(s) issued {issued} of {len(items)} owed documents")
    return elapsed


def measure_drain(application, run: str) -> dict:
    from documents.models import Document

    one, two = [], []
    for round_ in range(ROUNDS):
        one.append(_drain(_owe(application, "approval_decision", DRAINED, f"{run}-d1-{round_}"), 1))
        two.append(_drain(_owe(application, "approval_decision", DRAINED, f"{run}-d2-{round_}"), 2))
    numbers = Document.objects.filter(step_key__contains=f":{run}-d").values_list("number", flat=True)
    if len(set(numbers)) != 2 * ROUNDS * DRAINED:
        raise RuntimeError("the drained documents do not have one number each")
    return {
        "drain_speedup_2_workers": round(statistics.median(one) / statistics.median(two), 2),
        "drain_seconds_1_worker": round(statistics.median(one), 2),
        "drain_seconds_2_workers": round(statistics.median(two), 2),
        "drain_documents": DRAINED,
    }


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    why_not = _postgres_reachable(url)
    _environment(url if not why_not else "sqlite://:memory:")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from benchmarks.results import record

    figures = measure_list()
    if why_not:
        print(f"PostgreSQL not reachable at {url} ({why_not}): docs_per_s_per_core and drain_speedup_2_workers not measured")
    else:
        call_command("migrate", verbosity=0)
        run = timezone.now().strftime("%Y%m%d%H%M%S")
        application = _approved_case()
        figures |= measure_issue(application, run)
        figures |= measure_drain(application, run)
    figures["documents_measured_at"] = timezone.now().isoformat()
    passed = {
        key: (figures[key] >= goal if key != "batch_ms_per_page" else figures[key] <= goal)
        for key, goal in GOALS.items()
        if key in figures
    }
    path = record("workflow", figures)
    for key, value in figures.items():
        mark = "" if key not in passed else ("  ok" if passed[key] else f"  MISSED (goal {GOALS[key]})")
        print(f"{key:34} {value}{mark}")
    print(f"written to bench-results/{path.name}")
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
