"""`simulate --programme social-insurance`: employers, rosters, contribution files, reviews, publicity, payment,
reversals and clawbacks through the real services, then the consistency checks. The paid total is compared with a
sum taken independently of the ledger and of the payment lines: from the approved roster rows of the paid claims,
the agency's contribution records and the year's standard.

Three sizes: in-process tasks (both passes of `make test`), the same run with the real worker issuing every document
(PostgreSQL pass), and the issue's size (50 employers, 2,000 people, four quarters) with `make acceptance`."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from cases.constants import PaymentLineStatus, Status
from cases.models import Clawback, PaymentLine, Programme
from cases.models.social_insurance import (
    ContributionRecord,
    EntitlementStatus,
    PersonMonthEntitlement,
    RosterRow,
    RowDecision,
    SocialInsuranceStandard,
)
from documents.constants import DocumentKind
from documents.models import Document
from workflows.engine.consistency import check_all


def independent_sums(programme: Programme) -> tuple[Decimal, Decimal]:
    """(paid, recovered), neither read from the ledger nor from the payment lines: every month of every row both
    levels approved on a claim whose case was paid, at the employer's contribution for that person and month capped
    by the year's standard; recovered, those of them the agency has since reversed."""
    caps = {s.year: s.monthly_cap for s in SocialInsuranceStandard.objects.filter(programme=programme)}
    records = {
        (r.person_digest, r.employer_credit_code, r.month): (r.employer_total, r.reversed)
        for r in ContributionRecord.objects.all()
    }
    paid = recovered = Decimal("0")
    rows = RosterRow.objects.filter(
        claim__programme=programme,
        claim__application__status__in=(Status.CLOSED, Status.CLAWBACK),
        town_decision=RowDecision.APPROVED,
        district_decision=RowDecision.APPROVED,
    ).values_list("id_number_digest", "claim__employer__credit_code", "months")
    for digest, credit_code, months in rows:
        for text in months:
            month = dt.date(int(text[:4]), int(text[5:7]), 1)
            contributed, reversed_since = records[(digest, credit_code, month)]
            amount = min(contributed, caps[month.year])
            paid += amount
            recovered += amount if reversed_since else Decimal("0")
    return paid, recovered


def simulate_and_check(programme: Programme, *, employers: int, people: int, quarters: int, clawbacks: bool = True) -> str:
    Programme.objects.filter(pk=programme.pk).update(active=True)
    out = io.StringIO()
    call_command(
        "simulate",
        "--programme=social-insurance",
        f"--employers={employers}",
        f"--people={people}",
        f"--quarters={quarters}",
        "--seed=7",
        stdout=out,
    )
    output = out.getvalue()
    assert output.rstrip().endswith("simulation consistent")
    assert {k: v for k, v in check_all().items() if v} == {}

    # the ledger never holds a person-month twice: at most people x 3 months a quarter
    ledger = PersonMonthEntitlement.objects.all()
    assert ledger.values("person_digest", "month").distinct().count() == ledger.count() <= people * 3 * quarters
    # every person-month that went out on a line: the line is paid (paid still or recovered since)
    months = ledger.filter(payment_line__isnull=False)
    assert set(months.values_list("payment_line__status", flat=True)) == {PaymentLineStatus.PAID}
    lines = PaymentLine.objects.filter(application__programme=programme, status=PaymentLineStatus.PAID)
    paid = sum(lines.values_list("amount", flat=True), Decimal("0"))
    clawed = sum(Clawback.objects.values_list("amount", flat=True), Decimal("0"))
    # the paid total (payment lines) and the recovered total (clawbacks) equal the independent sums
    assert (paid, clawed) == independent_sums(programme)
    assert paid > clawed > 0 if clawbacks else paid > 0
    assert paid == sum(months.values_list("amount", flat=True), Decimal("0"))
    assert clawed == sum(months.filter(status=EntitlementStatus.RECOVERED).values_list("amount", flat=True), Decimal("0"))
    assert re.search(rf"^paid in total \(payment lines\): {paid}$", output, re.MULTILINE)

    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert out.getvalue().splitlines()[-1] == "consistent"
    return output


@pytest.mark.django_db
def test_a_small_simulated_year_is_consistent_and_pays_each_person_month_once(si_programme):
    simulate_and_check(si_programme, employers=4, people=40, quarters=2)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_small_simulated_year_with_the_worker_issuing_every_document(si_programme):
    # one quarter (the in-process run above covers the second and its clawbacks): the worker's part is the documents
    output = simulate_and_check(si_programme, employers=4, people=40, quarters=1, clawbacks=False)
    assert "owed documents and notifications still pending: 0" in output
    # every paid claim has its acceptance notice, two review opinions, approval decision and payment notice
    paid_cases = si_programme.applications.filter(status__in=(Status.CLOSED, Status.CLAWBACK))
    for kind in (DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.APPROVAL_DECISION, DocumentKind.PAYMENT_NOTICE):
        assert Document.objects.filter(application__in=paid_cases, kind=kind).count() == paid_cases.count() > 0


@pytest.mark.acceptance
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_issues_simulated_year_50_employers_2000_people_four_quarters(si_programme):
    simulate_and_check(si_programme, employers=50, people=2000, quarters=4)
