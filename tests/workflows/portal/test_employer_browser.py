"""Employers in Chromium: an account registers its organisation, opens this year's first quarter, uploads a roster
with a bad row, reads the row-by-row report and submits the valid row only; a window officer opens the employer
pages of the town. axe-core (WCAG 2.1 A/AA) on every page visited.

The year is this year (the claim form offers this year and the last), so the test reads no fixed date: the agency's
records are imported for this year's January to March, at the minimum base (3 x 1,160.12 = 3,480.36).
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from cases.constants import Role
from cases.demo import programmes_load
from cases.identifiers import mask_citizen_id
from cases.models import Employer, Programme, SocialInsuranceClaim, User
from cases.models.social_insurance import ClaimStatus
from tests.cases.services.social_insurance.given import AT_MINIMUM, bureau, citizen_id, paid, roster, standards
from tests.conftest import make_user
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from tests.workflows.portal.conftest import PASSWORD
from tests.workflows.portal.test_browser import _assert_accessible, _click_and_load, _staff_sign_in
from tests.workflows.portal.test_employer import code, wrong_checksum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE = citizen_id("19900101", "001")
CAROL = citizen_id("19920202", "005")


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def test_an_employer_files_a_quarter_roster_in_chromium(live_server, district, community, tmp_path):
    year = timezone.localdate().year
    programmes_load(year=year, opened={"social-insurance"})
    standards(Programme.objects.get(code="social-insurance"), year)
    paid(ALICE, SimpleNamespace(credit_code=code(1)), [f"{year}01", f"{year}02", f"{year}03"], AT_MINIMUM, by=bureau(district))
    owner = User.objects.create_user(username="13900000001", password=PASSWORD, role=Role.APPLICANT, real_name="李四")
    good = [f"{year}-01-01", f"{year + 1}-12-31", f"{year}-01~{year}-03", "3480.36", "", ""]
    file = tmp_path / "花名册.csv"
    file.write_bytes(roster([[ALICE, "王伟", "就业困难人员", *good], [wrong_checksum(CAROL), "刘芳", "登记失业人员", *good]]))
    rec = Recorder("employer")

    with chromium_page() as page:
        page.goto(f"{live_server.url}/portal/login/")
        page.fill("#id_username", owner.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        _click_and_load(page, "a[href='/portal/employers/']")
        rec.step(page, "employer-home")
        _click_and_load(page, "a[href='/portal/employers/register/']")
        rec.step(page, "register")
        page.fill("#id_name", "杭州仓前实业有限公司")
        page.fill("#id_credit_code", code(1))
        page.fill("#id_address", "余杭区仓前街道文一西路1号")
        page.select_option("#id_community", str(community.pk))
        page.fill("#id_bank_name", "中国工商银行余杭支行")
        page.fill("#id_bank_account_name", "杭州仓前实业有限公司")
        page.fill("#id_bank_account_number", "6222021202001234567")
        _click_and_load(page, "main form button[type=submit]")
        rec.step(page, "organisation")
        assert "***************4567" in page.inner_text("main")

        page.select_option("#id_year", str(year))
        page.select_option("#id_quarter", "1")
        _click_and_load(page, "form:has(#id_quarter) button[type=submit]")
        rec.step(page, "claim-draft")
        page.set_input_files("#roster-file", str(file))
        _click_and_load(page, "form:has(#roster-file) button[type=submit]")
        rec.step(page, "report")
        # then the bad row is reported with its line number, and one row can be claimed
        assert page.inner_text("#line-3").startswith("3\t")
        assert "¥3,480.36" in page.inner_text("main")
        assert SocialInsuranceClaim.objects.get().status == ClaimStatus.DRAFT

        _click_and_load(page, "form:has(input[name=sha256]) button[type=submit]")
        rec.step(page, "submitted")
        main = page.inner_text("main")
        assert "王伟" in main and mask_citizen_id(ALICE) in main and ALICE not in main
        # the page is laid out for a phone: tables scroll in their own region
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    claim = SocialInsuranceClaim.objects.get()
    assert (claim.status, str(claim.total_amount), claim.roster_rows.count()) == (ClaimStatus.SUBMITTED, "3480.36", 1)

    officer = make_user("window", Role.COMMUNITY_OFFICER, community)
    officer.set_password(PASSWORD)
    officer.save()
    employer = Employer.objects.get()
    with chromium_page() as page:
        _staff_sign_in(page, live_server.url, officer.username)
        _click_and_load(page, "a[href='/portal/employers/']")
        rec.step(page, "window-employers")
        _click_and_load(page, "a[href='/portal/window/employers/']")
        rec.step(page, "window-register")
        page.goto(f"{live_server.url}/portal/employers/{employer.public_id}/")
        rec.step(page, "window-organisation")

    assert rec.pages == [
        "employer-home",
        "register",
        "organisation",
        "claim-draft",
        "report",
        "submitted",
        "window-employers",
        "window-register",
        "window-organisation",
    ]
    _assert_accessible(rec)
