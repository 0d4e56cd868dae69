"""The workflow part of `make bench`: writes through the services on PostgreSQL against the same SQL in pgbench.

Runs on a PostgreSQL database of its own, `bench_workflow` on the server of $BENCH_PG_URL (default the server of
`make test`), in a child process (`python -m benchmarks.workflow`) because the rest of `make bench` runs on in-memory
SQLite. The database is created from `bench_workflow_template` (migrated and empty, kept between runs and migrated
forward at each run: migrating from nothing takes minutes on two cores) and dropped at the end. The cases are one
case filed and submitted through the services, copied in SQL. After-commit work (documents, messages) is queued to an
in-memory broker and not carried out: the figures are the steps' transactions.

- `transition_ratio`: a status change through the cases service (`application_decide`, one community acceptance:
  lock, permission, transition, validation, save, opinion, audit) with 2 worker processes in parallel, each on its
  own cases, against pgbench running the same statements (`TRANSITION_SQL`) with 2 clients.
- `step_ratio`: a full review step (`task_decide`: the case and its flow locked, the decision, the task completed,
  the routing, the next task, the owed document and message) against its statements in pgbench (`STEP_SQL`).
- `queries`: the statements of one `submit` and one `decide` in their own transaction, BEGIN and COMMIT not counted
  (a running server: the content types and the working-day calendar are in the process's caches; the reviewer is
  read as a request reads it, with their org unit and permissions).

Each ratio is the median of ROUNDS rounds; each round runs the services then pgbench, one after the other (the
same minute of the same machine). Goals (exit status 1 when missed): transition_ratio >= 0.3, step_ratio >= 0.1,
submit and decide <= 15 statements.
"""

import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from benchmarks import pgbench

ROUNDS = int(os.environ.get("BENCH_WORKFLOW_ROUNDS", "5"))  # fewer for a quick look
OPS_PER_WORKER = {"transition": 150, "step": 80}
PGBENCH_SECONDS = 3
PGBENCH_CASES = 200
WORKERS = 2
DATABASE = "bench_workflow"
TEMPLATE = "bench_workflow_template"
GOALS = {"transition_ratio": 0.3, "step_ratio": 0.1}
MAX_QUERIES = 15


def server_url() -> str:
    return os.environ.get("BENCH_PG_URL") or os.environ.get("PG_URL") or "postgres://postgres@127.0.0.1:5432/subsidies"


def _database_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path="/" + name))


def unavailable() -> str | None:
    """Why the workflow part cannot run here, or None."""
    import shutil
    import socket

    parts = urlsplit(server_url())
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2):
            pass
    except OSError as error:
        return f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432} ({error}); set BENCH_PG_URL"
    if shutil.which("pgbench") is None:
        return "pgbench is not installed (Debian: apt-get install postgresql-contrib)"
    return None


def _admin(statement: str) -> None:
    import psycopg

    parts = urlsplit(server_url())
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(statement)


def _exists(name: str) -> bool:
    import psycopg

    parts = urlsplit(server_url())
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres") as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _child(database: str, *arguments: str) -> int:
    env = {**os.environ, "DATABASE_URL": _database_url(database), "CELERY_BROKER_URL": "memory://", "DJANGO_DEBUG": "1"}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "benchmarks.workflow", *arguments], env=env, check=False).returncode  # noqa: S603


def run() -> int:
    """`make bench`: the workflow part in a child process on its own database, or a clear word why not.

    The database is created from TEMPLATE (a migrated, empty database kept between runs and migrated forward at each
    run: migrating from nothing takes minutes on two cores) and dropped at the end."""
    reason = unavailable()
    if reason:
        print(f"workflow: SKIPPED, {reason}.")
        return 0
    if not _exists(TEMPLATE):
        print(f"workflow: creating {TEMPLATE} (a migrated empty database, kept for the next runs)")
        _admin(f"CREATE DATABASE {TEMPLATE}")
    if _child(TEMPLATE, "--migrate") != 0:
        return 1
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DATABASE} TEMPLATE {TEMPLATE}")
    try:
        return _child(DATABASE)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


# --- in the child process, on the benchmark's database --------------------------------------------------------------


def _setup():
    from django.core.management import call_command
    from django.utils import timezone

    from cases.demo import org_units_load, programmes_load
    from cases.models import OrgUnit, Programme
    from workflows.engine import simulation

    started = time.perf_counter()
    call_command("migrate", verbosity=0)  # nothing left to apply: created from the migrated template
    district = org_units_load()
    programmes_load(year=timezone.localdate().year, startup_budget=Decimal("100000000"))
    programme = Programme.objects.get(code="startup")
    community = OrgUnit.objects.get(code="330110001001")
    staff = simulation.staff_for(district)
    print(f"workflow: database migrated and loaded in {time.perf_counter() - started:.0f} s")
    return programme, community, staff


def _columns(model, *skip: str, prefix: str = "") -> str:
    from django.db import connection

    names = [f.column for f in model._meta.concrete_fields if not f.primary_key and f.column not in skip]
    return ", ".join(prefix + connection.ops.quote_name(name) for name in names)


def _cases(programme, community, count: int) -> list[int]:
    """`count` submitted cases with their flow and open acceptance task: one filed and submitted through the services,
    copied in SQL (case, audit entries, process, tasks and link): seconds, not the minutes of filing each one."""
    from django.db import connection, transaction

    from cases.models import Application, AuditEntry
    from workflows.engine import simulation
    from workflows.engine import steps as flow_services
    from workflows.models import SubsidyTask

    application, user = simulation.file_draft(rng=random.Random(2), programme=programme, community=community)
    template = flow_services.case_submit(application=application, by=user)

    copied = _columns(Application, "public_id", "number", "process_id")
    entry = _columns(AuditEntry, "application_id")
    task, task_of_t = _columns(SubsidyTask, "process_id"), _columns(SubsidyTask, "process_id", prefix="t.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_application ({copied}, public_id, number) SELECT {copied}, gen_random_uuid(), "  # noqa: S608 - names from the models
            "number || '-' || g FROM cases_application, generate_series(1, %s) g WHERE id = %s RETURNING id",
            [count, template.pk],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"INSERT INTO cases_auditentry (application_id, {entry}) SELECT a.id, {entry} "  # noqa: S608 - names from the models
            "FROM cases_auditentry, unnest(%s::bigint[]) a(id) WHERE application_id = %s",
            [ids, template.pk],
        )
        cursor.execute(
            "INSERT INTO viewflow_process (flow_class, status, created, data, artifact_content_type_id, artifact_object_id) "
            "SELECT flow_class, status, now(), data, artifact_content_type_id, a.id FROM viewflow_process, "
            "unnest(%s::bigint[]) a(id) WHERE viewflow_process.id = %s",
            [ids, template.process_id],
        )
        cursor.execute(
            "UPDATE cases_application a SET process_id = p.id FROM viewflow_process p "
            "WHERE p.artifact_object_id = a.id AND a.id = ANY(%s) AND p.id <> %s",
            [ids, template.process_id],
        )
        cursor.execute(
            f"INSERT INTO viewflow_task (process_id, {task}) SELECT a.process_id, {task_of_t} "  # noqa: S608 - names from the models
            "FROM viewflow_task t, cases_application a WHERE t.process_id = %s AND a.id = ANY(%s)",
            [template.process_id, ids],
        )
        cursor.execute(
            "INSERT INTO viewflow_task_previous (from_task_id, to_task_id) SELECT later.id, earlier.id "
            "FROM viewflow_task_previous link JOIN viewflow_task tl ON tl.id = link.from_task_id "
            "JOIN viewflow_task te ON te.id = link.to_task_id JOIN cases_application a ON a.id = ANY(%s) "
            "JOIN viewflow_task later ON later.process_id = a.process_id AND later.flow_task = tl.flow_task "
            "JOIN viewflow_task earlier ON earlier.process_id = a.process_id AND earlier.flow_task = te.flow_task "
            "WHERE tl.process_id = %s",
            [ids, template.process_id],
        )
    assert Application.objects.filter(pk__in=ids, process__isnull=False).count() == count
    return ids


def _in_processes(target, chunks: list) -> list:
    """Run target(chunk) in one forked process per chunk, started together; their results, in order."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(chunks))
    results = context.Queue()

    def work(index, chunk):
        barrier.wait()
        results.put((index, target(chunk)))
        connections.close_all()

    processes = [context.Process(target=work, args=(i, chunk)) for i, chunk in enumerate(chunks)]
    for process in processes:
        process.start()
    out = dict(results.get() for _ in processes)
    for process in processes:
        process.join()
    return [out[i] for i in range(len(chunks))]


def _reviewer(staff, community):
    from cases.models import User

    reviewer = User.objects.get(pk=staff.community[community.pk].pk)  # as a request reads it
    return reviewer


def _services_rate(kind: str, ids: list[int], reviewer_id: int) -> float:
    """Operations per second of 2 worker processes, each on its half of `ids`, timed from the common start."""
    from cases.constants import Decision, ReviewLevel
    from cases.models import Application, User
    from cases.services.reviews import application_decide
    from workflows.engine import steps as flow_services

    def work(chunk):
        reviewer = User.objects.get(pk=reviewer_id)
        reviewer.has_perm("cases.accept_application")  # the permissions of the request's user, read once
        targets = list(Application.objects.filter(pk__in=chunk).values_list("pk", "process_id"))
        if kind == "step":
            tasks = dict(
                flow_services.SubsidyTask.objects.filter(
                    process_id__in=[p for _, p in targets], status__in=flow_services.OPEN
                ).values_list("process_id", "pk")
            )
        started = time.perf_counter()
        for pk, process_id in targets:
            if kind == "transition":
                application_decide(
                    application=Application(pk=pk),
                    by=reviewer,
                    level=ReviewLevel.COMMUNITY,
                    decision=Decision.PASS,
                    opinion="材料齐全，符合条件。",
                )
            else:
                flow_services.task_decide(
                    task_id=tasks[process_id], by=reviewer, decision=Decision.PASS, opinion="材料齐全，符合条件。"
                )
        return started, time.perf_counter()

    spans = _in_processes(work, [ids[i::WORKERS] for i in range(WORKERS)])
    return len(ids) / (max(end for _, end in spans) - min(start for start, _ in spans))


def _statements(context) -> int:
    """The operation's statements, without the transaction's BEGIN and COMMIT."""
    return sum(1 for query in context.captured_queries if query["sql"] not in ("BEGIN", "COMMIT"))


def _queries(programme, community, staff) -> dict:
    """Statements of one submit and one decide, each in its own transaction, with a running server's caches."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases import calendar
    from cases.constants import Decision
    from cases.models import Application, User
    from workflows.engine import simulation
    from workflows.engine import steps as flow_services

    ContentType.objects.get_for_model(Application)
    calendar.add_working_days(timezone.localdate(), 1)
    application, user = simulation.file_draft(rng=random.Random(1), programme=programme, community=community)
    application, user = Application.objects.get(pk=application.pk), User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as submit:
        application = flow_services.case_submit(application=application, by=user)
    task = flow_services.open_task(application=application)
    reviewer = _reviewer(staff, community)
    with CaptureQueriesContext(connection) as decide:
        flow_services.task_decide(task_id=task.pk, by=reviewer, decision=Decision.PASS, opinion="材料齐全，符合条件。")
    for name, context in (("submit", submit), ("decide", decide)):
        if _statements(context) > MAX_QUERIES:
            print(f"workflow: the statements of {name}:")
            for number, query in enumerate(context.captured_queries, 1):
                print(f"  {number:3} {query['sql'][:160]}")
    return {name: _statements(context) for name, context in (("submit", submit), ("decide", decide))}


def _rounds(pool: list[int], scripts: dict, variables: dict, reviewer_id: int) -> dict:
    """ROUNDS rounds, each the services then pgbench for each kind; the medians."""
    ratios: dict[str, list[float]] = {kind: [] for kind in scripts}
    rates: dict[str, list[tuple[float, float]]] = {kind: [] for kind in scripts}
    for round_ in range(ROUNDS):
        for kind, script in scripts.items():
            count = WORKERS * OPS_PER_WORKER[kind]
            ids, pool = pool[:count], pool[count:]
            services = _services_rate(kind, ids, reviewer_id)
            baseline = pgbench.pgbench_rate(script, variables, clients=WORKERS, seconds=PGBENCH_SECONDS)
            rates[kind].append((services, baseline))
            ratios[kind].append(services / baseline)
            print(f"workflow: round {round_ + 1} {kind}: services {services:.0f}/s, pgbench {baseline:.0f}/s")
    figures = {}
    for kind in scripts:
        figures[f"{kind}_ratio"] = round(statistics.median(ratios[kind]), 3)
        figures[f"{kind}_per_s"] = round(statistics.median(s for s, _ in rates[kind]), 1)
        figures[f"{kind}_pgbench_per_s"] = round(statistics.median(b for _, b in rates[kind]), 1)
    return figures


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if "--migrate" in sys.argv:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return 0
    from django.db import connection

    from benchmarks.results import record
    from cases.models import Application

    started = time.perf_counter()
    programme, community, staff = _setup()
    queries = _queries(programme, community, staff)
    print(f"workflow: statements per operation: submit {queries['submit']}, decide {queries['decide']}")
    reviewer = _reviewer(staff, community)
    needed = ROUNDS * WORKERS * sum(OPS_PER_WORKER.values())
    prepared = time.perf_counter()
    pool = _cases(programme, community, needed + PGBENCH_CASES)
    print(f"workflow: {len(pool)} submitted cases prepared in {time.perf_counter() - prepared:.0f} s")
    # pgbench works on cases of its own, which stay submitted (the services take fresh ones each time)
    reserved, pool = pool[-PGBENCH_CASES:], pool[:-PGBENCH_CASES]
    with connection.cursor() as cursor:
        cursor.execute("SELECT flow_class FROM viewflow_process LIMIT 1")
        flow = cursor.fetchone()[0]
    scripts = {"transition": pgbench.transition_sql(), "step": pgbench.step_sql(flow)}
    variables = {"lo": min(reserved), "hi": max(reserved), "reviewer": reviewer.pk, "unit": reviewer.org_unit_id}
    figures = {**_rounds(pool, scripts, variables, reviewer.pk), "queries": queries, "workflow_workers": WORKERS}
    decided = Application.objects.filter(status="accepted").count()
    path = record("workflow", figures)
    print(
        f"workflow: transition_ratio {figures['transition_ratio']} (goal >= {GOALS['transition_ratio']}), "
        f"step_ratio {figures['step_ratio']} (goal >= {GOALS['step_ratio']}); {decided} cases decided; "
        f"{time.perf_counter() - started:.0f} s; {path}"
    )
    missed = [name for name, goal in GOALS.items() if figures[name] < goal]
    missed += [name for name, count in queries.items() if count > MAX_QUERIES]
    if missed:
        print(f"workflow: goals missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
