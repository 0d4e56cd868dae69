"""The operator's commands end to end: seed_demo, simulate start-up cases (documents rendered for every step),
check_consistency: 100 start-up cases and then 10 loans on one database, in both passes of `make test`; the acceptance
size (1,000 start-up cases and then 50 loans, on PostgreSQL) runs with `make acceptance`. Commits for real so after-commit
work happens."""

import io
import re
import time

import pytest
from django.core.management import call_command

from cases.constants import SECOND_FACTOR_ROLES, Status
from cases.models import Application, User
from documents.constants import DocumentKind
from documents.models import Document

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONSISTENT = [
    "owed       ok",
    "flows      ok",
    "payments   ok",
    "budgets    ok",
    "documents  ok",
    "numbering  ok",
    "audit      ok",
    "loans      ok",
    "social_insurance_ledger ok",
    "training   ok",
    "disabled_cases_have_facts ok",
    "disabled_one_grant_per_household ok",
    "disabled_proxy_cases_confirmed ok",
    "pilot      ok",  # the throw-away programme of tests/settings.py brings its own check
    "consistent",
]


def table(output: str, header: str) -> dict[str, int]:
    """Rows `name  count` of the table whose header line starts with `header`, up to the next blank line."""
    lines = output.split(f"{header} ", 1)[1].splitlines()[1:]
    rows = {}
    for line in lines:
        if not line.strip():
            break
        name, count = line.rsplit(None, 1)
        rows[name.strip()] = int(count)
    return rows


def test_seed_demo_simulate_100_start_up_cases_then_10_loans_on_one_database():
    seed_demo_simulate_startup_then_loans_and_check(cases=100, loans=10)


@pytest.mark.acceptance
@pytest.mark.postgres
def test_seed_demo_simulate_1000_start_up_cases_then_50_loans_on_one_database():
    seed_demo_simulate_startup_then_loans_and_check(cases=1000, loans=50)


def seed_demo_simulate_startup_then_loans_and_check(*, cases: int, loans: int) -> None:
    seed_demo_simulate_startup_and_check(cases=cases)

    # when loans follow on the same database (the start-up applicants' identities are taken)
    out = io.StringIO()
    call_command("simulate", programme="loan", cases=loans, stdout=out)

    # then the loan run finishes consistent too
    assert out.getvalue().rstrip().endswith("simulation consistent")
    assert Application.objects.filter(programme__code="loan").count() == loans
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert out.getvalue().splitlines() == CONSISTENT


def seed_demo_simulate_startup_and_check(*, cases: int) -> None:
    # given the demo data
    out = io.StringIO()
    call_command("seed_demo", "--reference-only", stdout=out)
    seeded = out.getvalue()
    assert re.search(r"^calendar: \d+ days added$", seeded, re.MULTILINE)
    demo_users = User.objects.exclude(username__startswith="sim-").count()
    assert demo_users >= 1
    second_factor = User.objects.filter(role__in=SECOND_FACTOR_ROLES).exclude(username__startswith="sim-").count()
    assert (
        len(re.findall(r"^second-factor enrolment code for \S+: \S+ \(until .+\)$", seeded, re.MULTILINE)) == second_factor >= 1
    )
    assert seeded.count("\n") == 2 + demo_users + second_factor

    # when the start-up cases are driven to their ends
    out = io.StringIO()
    started = time.monotonic()
    call_command("simulate", programme="startup", cases=cases, stdout=out)
    seconds = time.monotonic() - started
    output = out.getvalue()
    print(f"\nsimulate --cases {cases}: {seconds:.0f}s, {Document.objects.count()} documents")

    # then every case took one path and ended in one final status, and the summary says so
    paths = table(output, "path")
    statuses = table(output, "final status")
    assert sum(paths.values()) == cases
    assert sum(statuses.values()) == cases
    assert Application.objects.count() == cases
    assert statuses == {s: Application.objects.filter(status=s).count() for s in statuses}
    terminal = {Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.CLAWBACK}
    assert set(statuses) <= terminal
    assert statuses.get(Status.WITHDRAWN, 0) == paths.get("withdrawn_draft", 0) + paths.get("withdrawn_after_return", 0)
    assert statuses[Status.CLAWBACK] == paths["clawback"]
    assert output.rstrip().endswith("simulation consistent")
    # documents were issued for every submitted case (an acceptance or refusal notice at least)
    submitted = cases - paths.get("withdrawn_draft", 0)
    acceptance = Document.objects.filter(kind=DocumentKind.ACCEPTANCE_NOTICE).count()
    assert acceptance == submitted - paths.get("rejected_community", 0)
    assert (
        Document.objects.filter(kind=DocumentKind.PAYMENT_NOTICE).count() == statuses[Status.CLOSED] + statuses[Status.CLAWBACK]
    )

    # and the consistency check agrees on its own
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert out.getvalue().splitlines() == CONSISTENT
