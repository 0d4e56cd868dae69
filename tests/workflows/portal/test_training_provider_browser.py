"""A training provider's agent in Chromium: from the organisation's page to the classes, files a new class, then, for
a class held last month, files a roster with a refused row (the reason on the page, nothing saved), the corrected
roster, the exam results and the claim, and opens a trainee's certificate on the public check. axe-core (WCAG 2.1
A/AA) on every page visited.

The held class is set up through the services at dates relative to today (filed 30 days ago, approved 29, held from
20 to 12 days ago), so its roster, results and claim fall inside their windows on any day the test runs.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cases.demo import programmes_load
from cases.models import BudgetEnvelope, Programme
from cases.models.training import ClassStatus, TrainingClaim, TrainingClass
from cases.services import training
from tests.cases.services.training import given
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from tests.workflows.portal.conftest import PASSWORD
from tests.workflows.portal.test_browser import _assert_accessible, _click_and_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A, B = given.citizen_id(21), given.citizen_id(23)


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def _held_class(provider, agent, programme, reviewer, today: dt.date) -> TrainingClass:
    with given.at(today - dt.timedelta(days=30)):
        held = training.class_file(
            provider=provider,
            programme=programme,
            plan="SYB创业培训",
            teacher="陈老师",
            starts_on=today - dt.timedelta(days=20),
            ends_on=today - dt.timedelta(days=12),
            place="创业服务中心",
            capacity=20,
            by=agent,
        )
    with given.at(today - dt.timedelta(days=29)):
        training.class_decide(training_class=held, by=reviewer, approve=True)
    return held


def test_a_provider_files_a_class_a_roster_results_and_a_claim_in_chromium(live_server, community, staff, tmp_path):
    today = timezone.localdate()
    programmes_load(year=today.year, opened={"training"})
    programme = Programme.objects.get(code="training")
    BudgetEnvelope.objects.get_or_create(programme=programme, year=today.year, org_unit=None, defaults={"amount": 100000})
    provider, agent = given.provider(1, community, staff.approver)
    agent.set_password(PASSWORD)
    agent.save()
    held = _held_class(provider, agent, programme, staff.district_reviewer, today)
    bad, good = tmp_path / "花名册-有误.csv", tmp_path / "花名册.csv"
    bad.write_bytes(given.roster_csv([(A, "王一", 100), (B, "王二", 60)]))
    good.write_bytes(given.roster_csv([(A, "王一", 100), (B, "王二", 90)]))
    rec = Recorder("training-provider")

    with chromium_page() as page:
        page.goto(f"{live_server.url}/portal/login/")
        page.fill("#id_username", agent.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        _click_and_load(page, "a[href='/portal/employers/']")  # an agent of one organisation lands on its page
        rec.step(page, "organisation")
        assert page.url.endswith(f"/portal/employers/{provider.employer.public_id}/")
        # what was done for the organisation reads in Chinese, not as the services' action codes
        assert "认定为创业培训定点机构" in page.inner_text("main")
        assert "training_" not in page.inner_text("main")
        _click_and_load(page, "a[href='/portal/training/']")
        rec.step(page, "classes")
        assert held.number in page.inner_text("main")

        # a new class, two weeks ahead
        page.fill("#id_plan", "SYB创业培训（第二期）")
        page.fill("#id_teacher", "李老师")
        page.fill("#id_starts_on", (today + dt.timedelta(days=14)).isoformat())
        page.fill("#id_ends_on", (today + dt.timedelta(days=23)).isoformat())
        page.fill("#id_place", "仓前街道创业服务中心")
        page.fill("#id_capacity", "25")
        _click_and_load(page, "main form button[type=submit]")
        rec.step(page, "class-filed")
        filed = TrainingClass.objects.exclude(pk=held.pk).get()
        assert filed.status == ClassStatus.FILED
        assert filed.number in page.inner_text("h1")

        # the class held last month: a roster with a line under the attendance floor is refused whole
        page.goto(f"{live_server.url}/portal/training/classes/{held.public_id}/")
        rec.step(page, "held-class")
        page.set_input_files("#id_file", str(bad))
        _click_and_load(page, "form:has(#id_file) button[type=submit]")
        rec.step(page, "roster-refused")
        assert "第 3 行：出勤率 60 % 低于本项目的最低要求 80 %" in page.inner_text("[role=alert]")
        assert held.trainees.count() == 0

        page.set_input_files("#id_file", str(good))
        _click_and_load(page, "form:has(#id_file) button[type=submit]")
        rec.step(page, "roster-filed")
        page.fill("#id_passed", "2")
        _click_and_load(page, "form:has(#id_passed) button[type=submit]")
        rec.step(page, "results")
        assert "为尚未申领的 1 名合格学员申领补贴" in page.inner_text("form:has(input[value=claim])")
        _click_and_load(page, "form:has(input[value=claim]) button[type=submit]")
        rec.step(page, "claimed")
        certificate = held.trainees.get(line=2).certificate
        main = page.inner_text("main")
        assert certificate.number in main and "本班合格学员均已申领补贴。" in main and "1 名学员 · 已申领，待结算" in main
        assert page.locator("input[value=claim]").count() == 0
        # the trainee list scrolls in its own region on a phone; the page itself does not
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _click_and_load(page, f"a[href='/training/certificates/{certificate.token}']")
        rec.step(page, "certificate-check")
        assert certificate.number in page.inner_text("main")

    held.refresh_from_db()
    claim = TrainingClaim.objects.get()
    assert (held.status, held.trainees.count(), held.trainees.filter(certificate__isnull=False).count()) == (
        ClassStatus.RESULTS_RECORDED,
        2,
        1,
    )
    assert [row.trainee.line for row in claim.rows.select_related("trainee")] == [2]
    assert rec.pages == [
        "organisation",
        "classes",
        "class-filed",
        "held-class",
        "roster-refused",
        "roster-filed",
        "results",
        "claimed",
        "certificate-check",
    ]
    _assert_accessible(rec)
