import pytest
from django.utils import timezone

from cases.models import OrgUnit
from workflows.programmes.disabled import simulation as disabled_simulation


@pytest.fixture
def disabled_programme(district):
    programme, _ = disabled_simulation.ensure_setup(year=timezone.localdate().year, cases=10)
    return programme


@pytest.fixture
def fstaff(district, disabled_programme):
    """The simulator's staff, the district level decided by the federation's reviewer."""
    return disabled_simulation.federation_staff(district)


@pytest.fixture
def federation(district) -> OrgUnit:
    return disabled_simulation.federation_unit(district)
