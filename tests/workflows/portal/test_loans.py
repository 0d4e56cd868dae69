"""The borrower's loan page in the portal: schedule, repayments, subsidy per period and claim status, and the
"claim the subsidy" button for each period repaid on time (先还后贴). Simplified Chinese by default."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from cases.models import AuditEntry, SubsidyClaim
from cases.models.loan import SubsidyClaimStatus
from tests.workflows.portal.conftest import zh
from tests.workflows.programmes.loan.test_loan_lifecycle import disbursed_loan, loan_programme, loan_setup, ls, repay  # noqa: F401 - fixtures
from workflows.programmes.loan import actions as loan_flow

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def repaid(loan_programme, ls, community):  # noqa: F811
    """Period 1 repaid on its due date, period 2 repaid five days late."""
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=91)
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    repay(loan, officer, 2, dt.date(2026, 7, 20))
    client = Client()
    client.force_login(borrower)
    return loan, borrower, client


def claim_url(loan, period):
    return f"/portal/loans/{loan.application.public_id}/periods/{period}/claim/"


def state():
    return list(SubsidyClaim.objects.values_list("period__number", "status")), AuditEntry.objects.count()


def test_the_borrower_sees_the_schedule_and_claims_an_on_time_period(repaid):
    loan, borrower, client = repaid
    home = client.get("/portal/").content.decode()
    assert zh("My loans and interest subsidies") in home

    page = client.get("/portal/loans/").content.decode()
    assert loan.application.number in page and loan.contract_number in page
    assert "2026-04-15" in page and "2026-07-20" in page  # repayment dates
    assert "¥750.00" in page and "¥566.67" in page  # subsidy per period
    assert page.count(zh("Claim the subsidy")) == 1  # period 1 only: period 2 was late, 3 and 4 are not repaid
    assert zh("Period %(n)s was overdue: no interest subsidy.", html=True, n=2) in page

    response = client.post(claim_url(loan, 1))
    assert response.status_code == 302
    claim = SubsidyClaim.objects.get()
    assert (claim.period.number, claim.amount, claim.source, claim.status, claim.claimed_by) == (
        1,
        D("750.00"),
        "borrower",
        SubsidyClaimStatus.OPEN,
        borrower,
    )
    entry = AuditEntry.objects.filter(application=loan.application).order_by("-id").first()
    assert (entry.action, entry.actor) == ("loan:subsidy_claimed", borrower)
    page = client.get(response["Location"]).content.decode()
    assert zh("Awaiting review") in page
    assert zh("Claim the subsidy") not in page


def test_late_unpaid_and_second_claims_are_refused_with_the_reason(repaid):
    loan, borrower, client = repaid
    loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 16))
    before = state()
    for period, message in [
        (1, zh("The interest subsidy for period %(n)s has already been claimed.", html=True, n=1)),
        (2, zh("Period %(n)s was overdue: no interest subsidy.", html=True, n=2)),
        (3, zh("Period %(n)s has not been repaid yet: the subsidy follows the repayment.", html=True, n=3)),
        (9, zh("The loan has no period %(n)s.", html=True, n=9)),
    ]:
        response = client.post(claim_url(loan, period), follow=True)
        assert response.status_code == 200
        assert message in response.content.decode(), period
        assert state() == before, period


def test_a_refused_claim_shows_the_reviewers_reason(repaid, ls):  # noqa: F811
    loan, borrower, client = repaid
    claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 16))
    loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=False, note="还款凭证与银行记录不符")
    page = client.get("/portal/loans/").content.decode()
    assert zh("Refused") in page and "还款凭证与银行记录不符" in page


def test_another_borrower_sees_nothing_and_cannot_claim(repaid, loan_programme, ls, community):  # noqa: F811
    loan, _, _ = repaid
    _, other, _ = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=92)
    client = Client()
    client.force_login(other)
    page = client.get("/portal/loans/").content.decode()
    assert loan.application.number not in page and loan.contract_number not in page
    before = state()
    assert client.post(claim_url(loan, 1)).status_code == 404
    assert state() == before
    # staff see no "my loans" here either, and anonymous visitors are sent to the portal login
    staff = Client()
    staff.force_login(ls.staff.district_reviewer)
    assert loan.application.number not in staff.get("/portal/loans/").content.decode()
    assert staff.post(claim_url(loan, 1)).status_code == 404
    response = Client().get("/portal/loans/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert state() == before


def test_the_loan_page_in_english_on_request(repaid):
    loan, _, client = repaid
    client.cookies["django_language"] = "en"
    page = client.get("/portal/loans/").content.decode()
    assert "My loans and interest subsidies" in page and "Claim the subsidy" in page
