"""Every staff page in Chromium, as each staff role opens it: 0 axe violations, one design, and the keyboard path
of a reviewer (skip link, visible focus, `n` opens the next task of the queue, the decision field has the focus on
the task page). Screenshots are kept under test-artifacts/portal/staff-<role>/."""

import json

import pytest
from django.test import Client

from cases.constants import ReviewLevel, Role
from cases.models import Bank, BankFileLayout, BankOfficer
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from tests.workflows.finance.test_finance_pages import payable
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from workflows.engine import steps as flow_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def signed_in(page, base_url: str, user) -> None:
    """The browser carries the session of a test client signed in as `user` (second factor included)."""
    client = Client()
    sign_in(client, user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])


def walk(page, base_url: str, recorder: Recorder, paths: list[str]) -> dict[str, int]:
    statuses = {}
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        page.wait_for_load_state("networkidle")
        statuses[path] = response.status
        recorder.step(page, path.strip("/").replace("/", "-") or "home")
        # one design: every page has the one header, one main and the skip link first
        assert page.locator("header.site").count() == 1, path
        assert page.locator("main#main").count() == 1, path
        assert page.locator("body > a.skip").count() == 1, path
    return statuses


@pytest.fixture
def cases_in_review(programme, community, staff, rng):
    at_town, _ = submitted(programme=programme, community=community, rng=rng)
    at_district, _ = submitted(programme=programme, community=community, rng=rng)
    return advance(at_town, staff, through=ReviewLevel.COMMUNITY), advance(at_district, staff, through=ReviewLevel.TOWN)


def test_every_staff_page_of_every_role_has_no_axe_violation(
    live_server, cases_in_review, programme, staff, community, district, rng
):
    at_town, at_district = cases_in_review
    # a batch for the finance pages: prepared in a bank's layout, its progress bar and return-file template
    batch = flow_services.payment_batch_prepare(
        programme=programme,
        applications=payable(programme, staff, community, rng),
        by=staff.finance_maker,
        layout=BankFileLayout.objects.get(code="icbc-yh"),
    )
    town_task = flow_services.open_task(application=at_town)
    town_base = f"/startup/{town_task.process_id}/{town_task.flow_task.name}/{town_task.pk}"
    bank_user = make_user("bank-abc", Role.BANK_OFFICER, district)
    BankOfficer.objects.create(
        user=bank_user, bank=Bank.objects.get_or_create(code="abc-yh", defaults={"name": "农业银行余杭支行"})[0]
    )
    walks = {
        "town-reviewer": (
            staff.town[community.parent_id],
            [
                "/queue/",
                "/startup/",
                "/startup/inbox/",
                "/startup/queue/",
                "/startup/archive/",
                "/startup/flows/",
                "/startup/tasks/",
                f"/startup/{town_task.process_id}/",
                f"{town_base}/detail/",
                f"{town_base}/assign/",
                "/venture/queue/",
                "/loan/queue/",
                "/cases/",
                f"/cases/{at_town.public_id}/",
                "/loans/book/",
                "/socialinsurance/queue/",
            ],
        ),
        "community-officer": (staff.community[community.pk], ["/queue/", "/startup/queue/", "/cases/"]),
        "district-reviewer": (
            staff.district_reviewer,
            ["/queue/", "/startup/queue/", "/publicity/", "/venture/rounds/", "/loans/claims/", "/loans/book/", "/cases/"],
        ),
        "approver": (staff.approver, ["/queue/", "/startup/queue/", "/loans/qualify/", "/publicity/"]),
        "expert": (make_user("expert-1", Role.EXPERT, district), ["/venture/rounds/"]),
        "finance-officer": (
            staff.finance_maker,
            [
                "/finance/",
                "/finance/batches/",
                f"/finance/batches/{batch.number}/",
                "/finance/batches/prepare/",
                "/finance/batches/prepare-subsidies/",
            ],
        ),
        "manager-auditor": (make_user("manager-1", Role.MANAGER, district), ["/statistics/", "/cases/", "/startup/"]),
        "bank-officer": (bank_user, ["/loans/book/", "/loans/interest-file/"]),
    }
    violations, refused = {}, {}
    with chromium_page(width=1280, height=900) as page:
        recorder = Recorder("staff-anonymous")
        page.goto(f"{live_server.url}/")
        assert page.url == f"{live_server.url}/accounts/login/?next=/"
        recorder.step(page, "login")
        violations.update(recorder.violations)
        for role, (user, paths) in walks.items():
            recorder = Recorder(f"staff-{role}")
            signed_in(page, live_server.url, user)
            statuses = walk(page, live_server.url, recorder, paths)
            refused.update({f"{role} {path}": status for path, status in statuses.items() if status != 200})
            violations.update({f"{role}: {key}": found for key, found in recorder.violations.items()})
    assert refused == {}
    assert violations == {}, json.dumps(violations, ensure_ascii=False, indent=1)


def test_a_reviewer_works_the_queue_by_keyboard(live_server, cases_in_review, staff, community):
    at_town, _ = cases_in_review
    task = flow_services.open_task(application=at_town)
    reviewer = staff.town[community.parent_id]
    with chromium_page(width=1280, height=900) as page:
        recorder = Recorder("staff-keyboard")
        signed_in(page, live_server.url, reviewer)
        page.goto(f"{live_server.url}/startup/queue/")
        page.wait_for_load_state("networkidle")

        # the first Tab reaches the skip link, shown on screen with a visible focus ring
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        box = page.locator("a.skip").bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        recorder.step(page, "queue-skip-link")

        # `n` opens the next task of the queue: its claim page
        with page.expect_navigation():
            page.keyboard.press("n")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{live_server.url}/startup/{task.process_id}/town_review/{task.pk}/assign/"
        recorder.step(page, "claim")
        page.get_by_role("button", name="认领并打开").focus()
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")

        # the task page opens with the focus on the decision
        assert page.url == f"{live_server.url}/startup/{task.process_id}/town_review/{task.pk}/execute/"
        assert page.evaluate("document.activeElement.name") == "decision"
        recorder.step(page, "task")
        page.locator("textarea").first.focus()
        page.keyboard.press("Escape")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("d")
        assert page.evaluate("document.activeElement.name") == "decision"

        # `?` opens the list of shortcuts (outside a field); the single keys can be turned off
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("?")
        assert page.locator("#shortcuts").get_attribute("open") is not None
        page.check("#shortcuts-off")
        page.evaluate("document.activeElement.blur()")
        page.goto(f"{live_server.url}/startup/inbox/")  # the claimed task is listed here now
        assert page.locator("[data-task-list] tbody tr a").count() == 1
        page.keyboard.press("n")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{live_server.url}/startup/inbox/"
    assert recorder.violations == {}, json.dumps(recorder.violations, ensure_ascii=False, indent=1)
