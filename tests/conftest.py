import datetime as dt
import random
from decimal import Decimal

import pytest
from django.conf import settings

from cases import calendar
from cases.constants import Role
from cases.demo import org_units_load, programmes_load
from cases.models import BudgetEnvelope, OrgUnit, Programme, User
from workflows import simulation


@pytest.fixture(autouse=True)
def _private_storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process, except in tests marked `services`, which use the real worker."""
    from config.celery import app

    eager = "services" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or not settings.CELERY_BROKER_URL
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
