"""`make bench-scale`: the reviewers' inbox and the staff case search at 1,000,000 cases on PostgreSQL.

The database (bench_scale on the server of BENCH_SCALE_URL) is built once with bulk SQL and reused: the district's
org units, programmes and staff through the project's own loaders, then the applicants and cases by COPY (personal
numbers encrypted and digested as the project stores them), their processes and tasks by INSERT ... SELECT: one
start task per case, a done task per review level passed, and one open task at the level each open case waits for
(20 % of the cases: 200,000 open tasks over the 36 communities, 1 % of them claimed). A build is recorded in the
simulator's counters (bench-scale:cases); a database holding another size is rebuilt.

Each figure is the median of RUNS runs on a warm cache, in milliseconds, of what a page reads from the database:
- inbox_ms: the slowest of a community, town and district reviewer's inbox page (/startup/inbox/, requested through
  Django's test client): the time its statements spend in the database, every statement the request sends (session,
  user, permissions, the count and the rows); the whole request with its rendering is recorded beside it
  (scale.inbox_page_ms_by_level), and so is the first page of their work queue, sorted by deadline
  (scale.work_queue_ms_by_level);
- queries: the statements of the inbox page and of the programme dashboard (merged into the other parts' counts);
- search_ms: the slowest of the case searches by citizen ID, by name, by case number, by part of an ID and by a
  1,000-character string, each for a district reviewer (the widest scope).
"""

import datetime as dt
import hashlib
import hmac
import os
import statistics
import sys
import time
import uuid

RUNS = 7
CASES = int(os.environ.get("BENCH_SCALE_CASES", "1000000"))
OPEN_SHARE = 5  # one case in five is open
URL = os.environ.get("BENCH_SCALE_URL", "postgres://postgres@127.0.0.1:5432/bench_scale")
FLOW = "workflows/programmes.startup.flow.StartupFlow"
# level number, node, permission, the case's status while it waits for this level
LEVELS = [
    (1, "accept", "cases.accept_application", "submitted"),
    (2, "town_review", "cases.review_town", "accepted"),
    (3, "district_review", "cases.review_district", "town_reviewed"),
    (4, "approve", "cases.approve_application", "district_reviewed"),
]


def database_ensure() -> None:
    import psycopg

    base, _, name = URL.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _rows_applicants(year: int):
    from cases import crypto, synthetic

    key = crypto.settings.PERSONAL_DATA_LOOKUP_KEY
    born0 = dt.date(1970, 1, 1)
    created = f"{year - 2}-01-01 08:00:00+08"
    for i in range(1, CASES + 1):
        born = born0 + dt.timedelta(days=i // 900)
        number = synthetic.citizen_id_build(region="330110", born=born, sequence=i % 900 + 1)
        name = synthetic.SURNAMES[i % len(synthetic.SURNAMES)] + synthetic.GIVEN[(i // 7) % len(synthetic.GIVEN)]
        if i % 3:
            name += synthetic.GIVEN[(i // 311) % len(synthetic.GIVEN)]
        digest = hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
        yield (i, "person", name, crypto.encrypt(number), None, "", "", created, None, digest)


def _rows_applications(year: int, units: list[int], rules_id: int, programme_id: int, filer_id: int):
    from cases import crypto

    key = crypto.settings.PERSONAL_DATA_LOOKUP_KEY
    today = dt.date(year, 12, 1)
    for i in range(1, CASES + 1):
        unit = units[i % len(units)]
        submitted = today - dt.timedelta(days=(CASES - i) * 1000 // CASES)
        if i % OPEN_SHARE == 0:  # open, waiting at one of the four levels
            status = LEVELS[(i // OPEN_SHARE // len(units)) % 4][3]
            deadline = (submitted + dt.timedelta(days=20 + i % 15)).isoformat()
            decided = None
        else:
            status = "rejected" if i % 7 == 0 else "paid"
            deadline = None
            decided = f"{submitted + dt.timedelta(days=25)} 10:00:00+08"
        account = "6222" + f"{i:015d}"
        yield (
            i,
            str(uuid.uuid4()),
            f"YH-CY-{submitted.year}-{i:07d}",
            "graduate",
            "",
            "",
            None,
            None,
            1,
            "10000.00",
            "10000.00" if status == "paid" else None,
            "中国农业银行余杭支行",
            "申请人",
            crypto.encrypt(account),
            status,
            "",
            deadline,
            None,
            True,
            f"{submitted} 09:00:00+08",
            f"{submitted} 09:00:00+08",
            decided,
            f"{submitted} 09:00:00+08",
            i,
            filer_id,
            None,
            unit,
            programme_id,
            i,  # its process, created with the same id in the same transaction (the foreign key is deferred)
            "",
            rules_id,
            hmac.new(key, account.encode(), hashlib.sha256).hexdigest(),
        )


APPLICATION_COLUMNS = (
    "id, public_id, number, category, business_name, business_credit_code, business_registered_on, graduated_on, "
    "jobs_created, requested_amount, approved_amount, bank_name, bank_account_name, bank_account_number, status, "
    "returned_from, deadline, working_days_left, originals_checked, created_at, submitted_at, decided_at, updated_at, "
    "applicant_id, filed_by_id, reviewed_by_id, org_unit_id, programme_id, process_id, claim_code, rules_id, "
    "bank_account_number_digest"
)
TASK_COLUMNS = """INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, started, finished, token,
    owner_permission, owner_id, process_id, assigned, data) """
CASE_SCOPE = """ FROM cases_application a JOIN cases_orgunit o ON o.id = a.org_unit_id """
# The levels a case passed: submitted none, accepted one, ... a paid case all four, a rejected one two.
LEVELS_PASSED = """CASE a.status WHEN 'submitted' THEN 0 WHEN 'accepted' THEN 1 WHEN 'town_reviewed' THEN 2
    WHEN 'district_reviewed' THEN 3 WHEN 'rejected' THEN 2 ELSE 4 END"""
TASKS_START = (
    TASK_COLUMNS
    + """SELECT %s, 'START', 'DONE', a.submitted_at, a.submitted_at, a.submitted_at, 'start', NULL, NULL, a.id,
    NULL, jsonb_build_object('scope', o.path)"""
    + CASE_SCOPE
)
TASKS_DONE = (
    TASK_COLUMNS
    + """SELECT %s || l.node, 'HUMAN', 'DONE', a.submitted_at + l.n * interval '2 days',
    a.submitted_at + l.n * interval '2 days', a.submitted_at + l.n * interval '3 days', 'start', l.permission,
    r.user_id, a.id, a.submitted_at + l.n * interval '2 days', jsonb_build_object('scope', o.path)"""
    + CASE_SCOPE
    + "JOIN bench_level l ON l.n <= "
    + LEVELS_PASSED
    + " JOIN bench_reviewer r ON r.unit = a.org_unit_id AND r.level = l.n"
)
# One open task in a hundred is claimed (in the inbox of the reviewer of its level), the others wait in the queues.
TASKS_OPEN = (
    TASK_COLUMNS
    + """SELECT %s || l.node, 'HUMAN', CASE WHEN a.id / 5 %% 100 = 0 THEN 'ASSIGNED' ELSE 'NEW' END, a.submitted_at,
    NULL, NULL, 'start', l.permission, CASE WHEN a.id / 5 %% 100 = 0 THEN r.user_id END, a.id,
    CASE WHEN a.id / 5 %% 100 = 0 THEN a.submitted_at END, jsonb_build_object('scope', o.path)"""
    + CASE_SCOPE
    + "JOIN bench_level l ON l.n = "
    + LEVELS_PASSED
    + " + 1 JOIN bench_reviewer r ON r.unit = a.org_unit_id AND r.level = l.n WHERE a.decided_at IS NULL"
)


def _district() -> tuple:
    """The district's units, programmes and staff (the project's loaders); the reviewer of each level per community."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from cases.constants import UnitLevel
    from cases.demo import org_units_load, programmes_load
    from cases.models import OrgUnit, Programme, ProgrammeRules
    from workflows.engine import simulation

    year = timezone.localdate().year
    district = org_units_load()
    programmes_load(year=year)
    staff = simulation.staff_for(district)
    programme = Programme.objects.get(code="startup")
    rules = ProgrammeRules.objects.filter(programme=programme).order_by("-number").first()
    units = list(OrgUnit.objects.filter(level=UnitLevel.COMMUNITY).order_by("path").values_list("pk", flat=True))
    process_type = ContentType.objects.get(app_label="viewflow", model="process").pk
    reviewers = [(unit, 1, user.pk) for unit, user in staff.community.items()]
    for unit in units:
        town = OrgUnit.objects.get(pk=unit).parent_id
        reviewers += [(unit, 2, staff.town[town].pk), (unit, 3, staff.district_reviewer.pk), (unit, 4, staff.approver.pk)]
    return year, staff, programme, rules, units, process_type, reviewers


def build() -> float:
    from django.db import connection, transaction

    from workflows.models import SimulationCounter

    started = time.monotonic()
    year, staff, programme, rules, units, process_type, reviewers = _district()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            "TRUNCATE viewflow_task_previous, viewflow_task, viewflow_process, cases_application, cases_applicant CASCADE"
        )
        raw = cursor.cursor
        with raw.copy(
            "COPY cases_applicant (id, kind, name, id_number, credit_code, mobile, email, created_at, user_id, "
            "id_number_digest) FROM STDIN"
        ) as copy:
            for row in _rows_applicants(year):
                copy.write_row(row)
        print(f"bench-scale: {CASES} applicants in {time.monotonic() - started:.0f} s", flush=True)
        with raw.copy(f"COPY cases_application ({APPLICATION_COLUMNS}) FROM STDIN") as copy:
            for row in _rows_applications(year, units, rules.pk, programme.pk, staff.approver.pk):
                copy.write_row(row)
        print(f"bench-scale: {CASES} cases in {time.monotonic() - started:.0f} s", flush=True)
        cursor.execute(
            """INSERT INTO viewflow_process (id, flow_class, status, created, finished, artifact_content_type_id,
                   artifact_object_id, data)
               SELECT a.id, %s, CASE WHEN a.decided_at IS NULL THEN 'NEW' ELSE 'DONE' END, a.submitted_at, a.decided_at,
                      %s, a.id, jsonb_build_object('scope', o.path)
                 FROM cases_application a JOIN cases_orgunit o ON o.id = a.org_unit_id""",
            [FLOW, process_type],
        )
        cursor.execute("CREATE TEMP TABLE bench_reviewer (unit bigint, level int, user_id bigint) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_reviewer VALUES (%s, %s, %s)", reviewers)
        cursor.execute("CREATE TEMP TABLE bench_level (n int, node text, permission text) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_level VALUES (%s, %s, %s)", [row[:3] for row in LEVELS])
        cursor.execute(TASKS_START, [f"{FLOW}.start"])
        cursor.execute(TASKS_DONE, [f"{FLOW}."])
        cursor.execute(TASKS_OPEN, [f"{FLOW}."])
        for table in ("cases_applicant", "cases_application", "viewflow_process", "viewflow_task"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            cursor.execute(sql)
        SimulationCounter.objects.update_or_create(key="bench-scale:cases", defaults={"value": CASES})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def built() -> bool:
    from workflows.models import SimulationCounter

    return SimulationCounter.objects.filter(key="bench-scale:cases", value=CASES).exists()


def _median_ms(read) -> float:
    read()  # warm
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        read()
        runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), 1)


def _inbox_page(user):
    """The inbox page as the reviewer requests it: (database ms, whole request ms), medians of RUNS on a warm cache.

    The database time is the sum over every statement the request sends, timed around the driver's execute
    (connection.execute_wrapper), so it is what the page asks of PostgreSQL and nothing the page does not ask."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)

    def request() -> tuple[float, float]:
        spent = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append(time.perf_counter() - started)

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = client.get("/startup/inbox/")
        assert response.status_code == 200, response.status_code
        return sum(spent) * 1000, (time.perf_counter() - started) * 1000

    request()  # warm
    runs = [request() for _ in range(RUNS)]
    return round(statistics.median(r[0] for r in runs), 1), round(statistics.median(r[1] for r in runs), 1)


def _queue_read(user):
    from workflows.engine.queue import QueueFilter, queue_page

    return lambda: queue_page(user=user, spec=QueueFilter())


def statements() -> dict:
    """Statements of the inbox page and the programme dashboard for a community reviewer (whatever the rows shown)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import User

    client = Client()
    client.force_login(User.objects.filter(username__startswith="sim-community-").order_by("username").first())
    counts = {}
    for key, url in (("inbox", "/startup/inbox/"), ("dashboard", "/startup/")):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[key] = len(queries)
    return counts


def measure() -> dict:
    from cases.models import Applicant, Application, User
    from cases.selectors import applications_search_for_user

    reviewers = {
        "community": User.objects.filter(username__startswith="sim-community-").order_by("username").first(),
        "town": User.objects.filter(username__startswith="sim-town-").order_by("username").first(),
        "district": User.objects.get(username="sim-district-reviewer"),
    }
    pages = {level: _inbox_page(user) for level, user in reviewers.items()}
    inbox = {level: database for level, (database, _) in pages.items()}
    inbox_page = {level: whole for level, (_, whole) in pages.items()}
    queue = {level: _median_ms(_queue_read(user)) for level, user in reviewers.items()}
    district = reviewers["district"]
    case = Application.objects.select_related("applicant").get(pk=CASES // 2 + 3)
    citizen_id = Applicant.objects.get(pk=case.applicant_id).id_number
    texts = {
        "id": citizen_id,
        "name": case.applicant.name,
        "number": case.number,
        "number_part": case.number[-7:],
        "id_part": citizen_id[:10],
        "long": "张" * 600 + "%_\\" * 100 + "x" * 100,
        "wildcards": "%_\\",
    }
    search = {}
    for kind, text in texts.items():
        search[kind] = _median_ms(lambda text=text: applications_search_for_user(user=district, text=text))
    found = applications_search_for_user(user=district, text=citizen_id)
    assert [a.pk for a in found] == [case.pk], "the search by citizen ID must find its case"
    return {
        "inbox_ms": max(inbox.values()),
        "search_ms": max(search.values()),
        "scale": {
            "cases": CASES,
            "inbox_ms_by_level": inbox,
            "inbox_page_ms_by_level": inbox_page,
            "work_queue_ms_by_level": queue,
            "search_ms_by_kind": search,
        },
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["DATABASE_URL"] = URL
    os.environ["CELERY_BROKER_URL"] = ""
    database_ensure()
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.results import record

    call_command("migrate", verbosity=0)
    if built():
        print(f"bench-scale: reusing the {CASES}-case database")
    else:
        print(f"bench-scale: building {CASES} cases (once)", flush=True)
        print(f"bench-scale: built in {build():.0f} s", flush=True)
    figures = measure()
    figures["queries"] = statements()
    path = record("workflow", figures)
    print(f"bench-scale: inbox_ms={figures['inbox_ms']} search_ms={figures['search_ms']} -> {path}")
    print(figures["scale"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
