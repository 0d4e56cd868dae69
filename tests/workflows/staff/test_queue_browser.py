"""A town reviewer clears 30 cases from the work queue in Chromium: ten one by one (open, look at the evidence,
decide), twenty in bulk with one opinion. axe-core (WCAG 2.1 A/AA) on every page visited; screenshots of the queue,
a task page and the bulk result under test-artifacts/staff/work-queue/."""

import json
import time

import pytest
from django.conf import settings
from django.test import Client

from cases.constants import Decision, ReviewLevel, Status
from cases.models import Application, OrgUnit
from documents.constants import DocumentKind
from documents.models import Document
from tests.workflows.portal.browser import ROOT, axe_violations, chromium_page, require_browser
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = ROOT / "test-artifacts" / "staff" / "work-queue"
ONE_BY_ONE = 10
IN_BULK = 20


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def _cases_waiting_for_town(*, programme, community, staff, rng, count: int) -> list[Application]:
    """Filed, submitted and accepted through the services, in the town's two first communities."""
    communities = [community, OrgUnit.objects.get(code="330110001002")]
    cases = []
    for n in range(count):
        where = communities[n % 2]
        application, applicant = simulation.file_draft(rng=rng, programme=programme, community=where)
        application = flow_services.case_submit(application=application, by=applicant)
        cases.append(simulation.decide(application, staff.community[where.pk], ReviewLevel.COMMUNITY, Decision.PASS))
    return cases


class Walk:
    """axe on every page visited; a screenshot of the pages worth keeping."""

    def __init__(self, page):
        self.page = page
        self.violations: dict[str, list] = {}
        self.visited = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, label: str, *, keep: bool = False) -> None:
        self.visited += 1
        if keep:
            self.page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
        found = axe_violations(self.page)
        if found:
            self.violations[f"{label} ({self.page.url})"] = found

    def go(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)


def test_a_town_reviewer_clears_30_cases_from_the_queue(live_server, programme, community, staff, rng):
    started = time.monotonic()
    reviewer = staff.town[community.parent_id]
    cases = _cases_waiting_for_town(programme=programme, community=community, staff=staff, rng=rng, count=ONE_BY_ONE + IN_BULK)
    client = Client()
    client.force_login(reviewer)
    evidence: list[tuple[str, str]] = []

    with chromium_page(width=1280, height=900) as page:
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        walk = Walk(page)
        # the start page leads the reviewer to their queue: 30 rows, the most urgent first
        page.goto(f"{live_server.url}/")
        assert page.url == f"{live_server.url}/queue/"
        assert page.locator("input[name=tasks]").count() == 25
        assert page.locator("a[rel=next]").count() == 1
        walk.check("01-queue", keep=True)

        # ten one by one: open (claims the task), open the evidence inline, pass with an opinion
        for n in range(ONE_BY_ONE):
            walk.go("table.queue-table tbody tr:first-child button[type=submit]")
            assert "/town_review/" in page.url and page.url.endswith("/execute/")
            walk.check("02-task" if n == 0 else f"task-{n}", keep=n == 0)
            link = page.locator("ul.attachments a").first
            with page.expect_popup() as popup_info:
                link.click()
            popup = popup_info.value  # a new tab with the file, shown by the browser's own viewer
            popup.wait_for_url("**/attachments/*/", wait_until="commit")
            served = page.request.get(link.evaluate("a => a.href"))
            evidence.append((served.headers["content-type"], served.headers["content-disposition"].split(";")[0]))
            popup.close()
            page.check("input[name=decision][value=pass]")
            page.fill("textarea[name=opinion]", f"材料齐全，同意。（第 {n + 1} 件）")
            walk.go("form:has(textarea[name=opinion]) button[type=submit]")
            assert page.url == f"{live_server.url}/queue/"
            walk.check("queue-after-decision")

        # twenty in bulk: select every row left, one opinion
        assert page.locator("input[name=tasks]").count() == IN_BULK
        page.check("#select-all")  # every case on this page (a script file; each row also has its own box)
        assert page.locator("input[name=tasks]:checked").count() == IN_BULK
        page.fill("#id_opinion", "经批量审核，材料齐全，同意。")
        walk.go("button[name=action][value=pass]")
        assert page.locator("td.done").count() == IN_BULK and page.locator("td.failed").count() == 0
        walk.check("03-bulk-result", keep=True)
        walk.go("text=返回待办队列")
        assert "没有等待您决定的案件。" in page.content()
        walk.check("04-queue-cleared", keep=True)

    assert walk.violations == {}, json.dumps(walk.violations, ensure_ascii=False, indent=1)
    assert walk.visited == 1 + 2 * ONE_BY_ONE + 2
    assert evidence == [("application/pdf", "inline")] * ONE_BY_ONE
    # every case passed the town level with its own audit row, opinion and document
    for application in Application.objects.filter(pk__in=[c.pk for c in cases]):
        assert application.status == Status.TOWN_REVIEWED
        assert application.audit_entries.filter(action="town:pass", actor=reviewer).count() == 1
        assert application.opinions.filter(level=ReviewLevel.TOWN, reviewer=reviewer).count() == 1
    documents = Document.objects.filter(application__in=cases, kind=DocumentKind.REVIEW_OPINION)
    assert sorted(documents.values_list("application_id", flat=True)) == sorted(c.pk for c in cases)
    assert time.monotonic() - started < 180
