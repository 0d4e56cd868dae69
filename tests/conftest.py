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
from django.conf import settings
from django.db import connection

from cases import calendar
from cases.constants import Role
from cases.demo import org_units_load, programmes_load
from cases.models import BudgetEnvelope, OrgUnit, Programme, User
from workflows import simulation

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


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
    def __init__(self, process: subprocess.Popen, log: Path, storage: Path):
        self.process = process
        self.log = log
        self.storage = storage

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
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
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PRIVATE_STORAGE_ROOT": str(storage),
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--hostname", f"pytest-{os.getpid()}@%h"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ARTIFACTS.parent)  # noqa: S603
    worker = Worker(process, log, storage)
    try:
        wait_for(lambda: process.poll() is not None or " ready." in worker.log_text(), timeout=60, what="the worker to start")
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}; see {log}")
        yield worker
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(autouse=True)
def _private_storage(request, tmp_path, settings):
    location = tmp_path / "private"
    if "services" in request.keywords and not services_configured():
        location = request.getfixturevalue("celery_worker_process").storage
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process, except in tests marked `services`, which use the real worker."""
    from config.celery import app

    eager = "services" not in request.keywords
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
    programmes_load(year=dt.date.today().year, startup_budget=Decimal("1000000"))
    return Programme.objects.get(code="startup")


@pytest.fixture
def envelope(programme) -> BudgetEnvelope:
    return BudgetEnvelope.objects.get(programme=programme, year=dt.date.today().year, org_unit=None)


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
