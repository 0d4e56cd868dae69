"""The borrower's loan page in Chromium: signed in through the portal, the schedule read, the subsidy of the period
repaid on time claimed with the keyboard; axe-core (WCAG 2.1 A/AA) on each state."""

import datetime as dt

import pytest

from cases.models import SubsidyClaim
from cases.models.loan import SubsidyClaimStatus
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from tests.workflows.portal.conftest import PASSWORD
from tests.workflows.portal.test_browser import _assert_accessible
from tests.workflows.programmes.loan.test_loan_lifecycle import disbursed_loan, loan_programme, loan_setup, ls, repay  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def test_the_borrower_claims_an_on_time_period_in_chromium(live_server, loan_programme, ls, community):  # noqa: F811
    # given a loan whose period 1 was repaid on its due date and period 2 five days late
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=93)
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    repay(loan, officer, 2, dt.date(2026, 7, 20))
    borrower.set_password(PASSWORD)
    borrower.save()
    rec = Recorder("loan-borrower")

    with chromium_page() as page:
        page.goto(f"{live_server.url}/portal/login/")
        page.fill("#id_username", borrower.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        with page.expect_navigation():
            page.click("a[href='/portal/loans/']")
        rec.step(page, "loans")
        row = f"#loan-{loan.application.number}-"
        # then only period 1 offers the claim; period 2 says why it earns nothing
        assert page.locator("main button", has_text="申请贴息").count() == 1
        assert "逾期" in page.inner_text(f"{row}2")
        assert page.inner_text(f"{row}1").split("\t")[:5] == ["1", "2026-04-15", "¥31,133.37", "2026-04-15", "¥750.00"]
        assert "¥120,000.00" in page.inner_text("main")
        # the schedule scrolls inside its own focusable region on a phone, never the page
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # when the borrower tabs to the button and presses Enter
        page.focus(f"{row}1 button")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        rec.step(page, "loans-claimed")
        assert "申请贴息" not in page.inner_text(f"{row}1")

    claim = SubsidyClaim.objects.get()
    assert (claim.period.number, claim.status, claim.source, claim.claimed_by) == (
        1,
        SubsidyClaimStatus.OPEN,
        "borrower",
        borrower,
    )
    assert rec.pages == ["loans", "loans-claimed"]
    _assert_accessible(rec)
