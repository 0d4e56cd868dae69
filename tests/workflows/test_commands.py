"""The operator's commands end to end: seed_demo, simulate 500 start-up cases (documents rendered for every step),
check_consistency. Runs in both passes (SQLite, then PostgreSQL); commits for real so after-commit work happens."""

import io
import re
import time

import pytest
from django.core.management import call_command

from cases.constants import Status
from cases.models import Application, User
from documents.constants import DocumentKind
from documents.models import Document

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CASES = 500


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


def test_seed_demo_simulate_500_and_check_consistency():
    # given the demo data
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    seeded = out.getvalue()
    assert re.search(r"^calendar: \d+ days added$", seeded, re.MULTILINE)
    demo_users = User.objects.exclude(username__startswith="sim-").count()
    assert demo_users >= 1
    assert seeded.count("\n") == 2 + demo_users

    # when 500 start-up cases are driven to their ends
    out = io.StringIO()
    started = time.monotonic()
    call_command("simulate", programme="startup", cases=CASES, stdout=out)
    seconds = time.monotonic() - started
    output = out.getvalue()
    print(f"\nsimulate --cases {CASES}: {seconds:.0f}s, {Document.objects.count()} documents")

    # then every case took one path and ended in one final status, and the summary says so
    paths = table(output, "path")
    statuses = table(output, "final status")
    assert sum(paths.values()) == CASES
    assert sum(statuses.values()) == CASES
    assert Application.objects.count() == CASES
    assert statuses == {s: Application.objects.filter(status=s).count() for s in statuses}
    terminal = {Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.CLAWBACK}
    assert set(statuses) <= terminal
    assert statuses.get(Status.WITHDRAWN, 0) == paths.get("withdrawn_draft", 0) + paths.get("withdrawn_after_return", 0)
    assert statuses[Status.CLAWBACK] == paths["clawback"]
    assert output.rstrip().endswith("simulation consistent")
    # documents were issued for every submitted case (an acceptance or refusal notice at least)
    submitted = CASES - paths.get("withdrawn_draft", 0)
    acceptance = Document.objects.filter(kind=DocumentKind.ACCEPTANCE_NOTICE).count()
    assert acceptance == submitted - paths.get("rejected_community", 0)
    assert (
        Document.objects.filter(kind=DocumentKind.PAYMENT_NOTICE).count() == statuses[Status.CLOSED] + statuses[Status.CLAWBACK]
    )

    # and the consistency check agrees on its own
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert out.getvalue().splitlines() == [
        "flows      ok",
        "payments   ok",
        "budgets    ok",
        "documents  ok",
        "audit      ok",
        "loans      ok",
        "consistent",
    ]
