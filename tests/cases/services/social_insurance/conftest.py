import pytest

from cases.demo import programmes_load
from cases.models import Programme
from tests.cases.services.social_insurance.given import bureau, standards


@pytest.fixture
def si_programme(district) -> Programme:
    """The reference programme (its rules: 36 months per person and category, contract of at least one year), with
    the 2025 and 2026 standards."""
    programmes_load(year=2026)
    programme = Programme.objects.get(code="social-insurance")
    standards(programme, 2025, 2026)
    return programme


@pytest.fixture
def bureau_user(district):
    return bureau(district)
