"""`simulate` runs one after another and side by side on one database: synthetic identities never collide, every
run finishes, the record stays consistent. Commits for real (after-commit work happens)."""

import io
import traceback

import pytest
from django.core.management import call_command
from django.db.models import Count

from cases.models import Applicant, Application, User
from tests.parallel import run_in_threads
from tests.workflows.engine.test_commands import CONSISTENT, table

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def simulate(**options) -> str:
    out = io.StringIO()
    call_command("simulate", stdout=out, **options)
    return out.getvalue()


def check_consistency() -> list[str]:
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    return out.getvalue().splitlines()


def assert_one_applicant_per_person():
    applicants = Applicant.objects.filter(kind="person")
    assert applicants.values("id_number").distinct().count() == applicants.count()
    assert not Applicant.objects.values("user").annotate(n=Count("id")).filter(user__isnull=False, n__gt=1).exists()
    for username, id_number in applicants.values_list("user__username", "id_number"):
        assert username.startswith(("sim-applicant-", "sim-borrower-")) and id_number[6:] not in username


def test_same_seed_twice_then_another_programme_on_one_database():
    # when the start-up simulation runs twice with one seed, then the loan simulation with that seed
    first = simulate(programme="startup", cases=20, seed=2026)
    second = simulate(programme="startup", cases=20, seed=2026)
    loans = simulate(programme="loan", cases=5, seed=2026)

    # then every run finished consistent, and the seed replayed the same paths with different people
    for output in (first, second, loans):
        assert output.rstrip().endswith("simulation consistent")
    assert table(first, "path") == table(second, "path")
    assert sum(table(first, "path").values()) == 20
    assert Application.objects.filter(programme__code="startup").count() == 40
    assert Application.objects.filter(programme__code="loan").count() == 5
    assert Applicant.objects.count() == 45 == User.objects.filter(username__startswith="sim-applicant-").count() + 5
    assert_one_applicant_per_person()
    assert check_consistency() == CONSISTENT


@pytest.mark.postgres
@pytest.mark.parametrize("seeds", [(7, 8), (2026, 2026)], ids=["different-seeds", "same-seed"])
def test_two_runs_in_parallel_on_one_database(seeds):
    # given an empty database: both runs also create the org units, programmes, envelope and staff at once
    def run(index: int) -> str:
        return simulate(programme="startup", cases=15, seed=seeds[index])

    outputs = run_in_threads(2, run)

    for output in outputs:
        assert isinstance(output, str), "".join(traceback.format_exception(output))  # a deadlock, a collision...
        assert output.rstrip().endswith("simulation consistent")
    assert Application.objects.filter(programme__code="startup").count() == 30
    assert_one_applicant_per_person()
    assert check_consistency() == CONSISTENT
