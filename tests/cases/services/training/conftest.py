from decimal import Decimal

import pytest

from cases.demo import programmes_load
from cases.models import BudgetEnvelope, Programme


@pytest.fixture
def training_programme(district) -> Programme:
    programmes_load(year=2026, opened={"training", "loan"})
    programme = Programme.objects.get(code="training")
    BudgetEnvelope.objects.get_or_create(programme=programme, year=2026, org_unit=None, defaults={"amount": Decimal("100000")})
    return programme


@pytest.fixture
def loan_programme(training_programme) -> Programme:
    return Programme.objects.get(code="loan")
