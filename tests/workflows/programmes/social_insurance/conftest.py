import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from cases.demo import programmes_load
from cases.models import BudgetEnvelope, Programme
from tests.cases.services.social_insurance.given import bureau, standards

# A working Wednesday in Hangzhou, after the first quarter of 2026.
NOW = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def si_programme(district) -> Programme:
    programmes_load(year=2026)
    programme = Programme.objects.get(code="social-insurance")
    standards(programme, 2025, 2026)
    BudgetEnvelope.objects.get_or_create(programme=programme, year=2026, org_unit=None, defaults={"amount": Decimal("1000000")})
    return programme


@pytest.fixture
def bureau_user(district):
    return bureau(district)
