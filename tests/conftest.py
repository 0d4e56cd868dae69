import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases import calendar
from cases.constants import Role
from cases.demo import org_units_load, programmes_load
from cases.models import BudgetEnvelope, OrgUnit, Programme, User
from workflows.engine import simulation

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SESSION_CLOCK = pytest.StashKey[time_machine.travel]()


def clock_from_env() -> dt.datetime | None:
    """The instant in `TEST_CLOCK` (ISO 8601 with a zone, e.g. 2026-12-01T23:30:00Z), or None when it is unset."""
    value = os.environ.get("TEST_CLOCK", "").strip()
    if not value:
        return None
    instant = dt.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise pytest.UsageError(f"TEST_CLOCK={value!r} needs a zone (Z or +08:00): a naive time is ambiguous")
    return instant


def pytest_configure(config):
    """With TEST_CLOCK set, the whole session runs at that clock, still ticking (the real worker too)."""
    instant = clock_from_env()
    if instant is not None:
        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        config.stash[SESSION_CLOCK] = traveller


def clock_env() -> dict[str, str]:
    """Environment for a subprocess started through tests/worker_at_clock.py: this process's current (travelled)
    time and the real time it was read at, so that the child, however long it takes to start, reads the same clock."""
    return {"TEST_CLOCK": timezone.now().isoformat(), "TEST_CLOCK_READ_AT": repr(time_machine.escape_hatch.time.time())}


def pytest_unconfigure(config):
    traveller = config.stash.get(SESSION_CLOCK, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    if SESSION_CLOCK in config.stash:
        return f"TEST_CLOCK: started at {clock_from_env().isoformat()} (ticking); Asia/Shanghai date {timezone.localdate()}"
    return None


def services_configured() -> str | None:
    """None when this run has PostgreSQL and a broker; otherwise the reason service-backed tests cannot run."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL (DATABASE_URL): this pass runs on SQLite"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "needs a broker (CELERY_BROKER_URL): tasks run in-process in this pass"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped service-backed (or PostgreSQL-only) test is a failure: the second pass must run it.
    The SQLite pass deselects them with -m, so they are never "skipped" there."""
    report = yield
    needs_services = item.get_closest_marker("services") or item.get_closest_marker("postgres")
    if report.skipped and os.environ.get("CI") == "true" and needs_services is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: a service-backed test may not be skipped ({reason})"
    return report


def wait_for(predicate: Callable[[], object], *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    """Poll until `predicate()` is truthy (bounded); returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Worker:
    """A real `celery worker` subprocess; a test may kill it (SIGKILL, as the kernel's OOM killer would) and start it
    again with the same command."""

    def __init__(self, command: list[str], env: dict, log: Path, storage: Path):
        self.command, self.env, self.log, self.storage = command, env, log, storage
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def start(self) -> None:
        starts = self.log_text().count(" ready.") if self.log.exists() else 0
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603 - the test's own command line
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ARTIFACTS.parent
            )
        wait_for(
            lambda: self.process.poll() is not None or self.log_text().count(" ready.") > starts,
            timeout=60,
            what="the worker to start",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {self.process.returncode}; see {self.log}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker --pool=solo` subprocess on the pytest-django test database and the same broker.

    Started once for the session, its log kept in test-artifacts/celery-worker.log, stopped at session end.
    """
    reason = services_configured()
    if reason:
        pytest.skip(reason)
    from config.celery import app

    database = settings.DATABASES["default"]
    test_name = connection.settings_dict["NAME"]  # pytest-django has switched it to the test database
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database.get("PASSWORD") else "")
    url = f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{test_name}"
    storage = tmp_path_factory.mktemp("worker-private")
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "celery-worker.log"
    with app.connection_for_write() as conn:  # messages left by an earlier, interrupted run
        app.control.purge(connection=conn)
    env = {
        **{name: value for name, value in os.environ.items() if name != "TEST_CLOCK"},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PRIVATE_STORAGE_ROOT": str(storage),
        "LOG_LEVEL": "INFO",
    }
    if SESSION_CLOCK in request.config.stash:
        env.update(clock_env())
    command = [sys.executable, "-m", "tests.worker_at_clock", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--hostname", f"pytest-{os.getpid()}@%h"]
    log.write_text("")
    worker = Worker(command, env, log, storage)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(autouse=True)
def _private_storage(request, tmp_path, settings):
    location = tmp_path / "private"
    if request.node.get_closest_marker("services") is not None and not services_configured():
        location = request.getfixturevalue("celery_worker_process").storage
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language (Simplified Chinese), whatever language an earlier test activated
    in this thread (a view's response leaves it active)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process, except in tests marked `services`, which use the real worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("services") is None
    if not eager:
        reason = services_configured()
        if reason:
            pytest.skip(reason)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or settings.CELERY_TASK_ALWAYS_EAGER
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def district(db) -> OrgUnit:
    return org_units_load()


@pytest.fixture
def programme(district) -> Programme:
    programmes_load(year=timezone.localdate().year, startup_budget=Decimal("1000000"))
    return Programme.objects.get(code="startup")


@pytest.fixture
def envelope(programme) -> BudgetEnvelope:
    return BudgetEnvelope.objects.get(programme=programme, year=timezone.localdate().year, org_unit=None)


def make_user(username: str, role: str, unit: OrgUnit | None) -> User:
    return User.objects.create_user(username=username, password="correct-horse-battery", role=role, org_unit=unit)


@pytest.fixture
def community(district) -> OrgUnit:
    return OrgUnit.objects.get(code="330110001001")  # 仓前社区, 仓前街道


@pytest.fixture
def other_town_community(district) -> OrgUnit:
    return OrgUnit.objects.get(code="330110002001")  # 凤凰山社区, 余杭街道


@pytest.fixture
def staff(district, community) -> simulation.Staff:
    return simulation.staff_for(district)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(7)


@pytest.fixture
def applicant_user(db) -> User:
    return make_user("applicant-a", Role.APPLICANT, None)


@pytest.fixture
def other_town_reviewer(district) -> User:
    return make_user("other-town", Role.TOWN_REVIEWER, OrgUnit.objects.get(code="330110002"))


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run after-commit work (documents) the way a committed transaction would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def training_programme(district) -> Programme:
    """The SYB training subsidy, created open (closed in the reference data), with this year's envelope."""
    programmes_load(year=2026, opened={"training", "loan"})
    programme = Programme.objects.get(code="training")
    BudgetEnvelope.objects.get_or_create(programme=programme, year=2026, org_unit=None, defaults={"amount": Decimal("100000")})
    return programme


@pytest.fixture
def loan_programme(training_programme) -> Programme:
    return Programme.objects.get(code="loan")
