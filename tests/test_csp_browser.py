"""The Content-Security-Policy breaks no page: Chromium reports no violation on the portal and the staff pages
(viewflow's pages, now in the project's own design, included), and the language switch still works
without its former inline handler."""

import pytest

from cases.constants import Decision, ReviewLevel
from tests.lifecycle import filed
from tests.workflows.portal.browser import chromium_page, require_browser
from tests.workflows.portal.conftest import PASSWORD
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the page reports (blocked scripts, styles, images, frames, form targets), in page order.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def test_no_page_of_the_portal_or_the_staff_site_violates_the_policy(live_server, programme, community, staff, rng):
    # given a case in review, a community officer and its applicant, each with a password
    application, applicant = filed(programme=programme, community=community, rng=rng)
    application = flow_services.case_submit(application=application, by=applicant)
    simulation.decide(application, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    officer = staff.town[community.parent_id]
    for user in (officer, applicant):
        user.set_password(PASSWORD)
        user.save()

    violations: dict[str, list[str]] = {}
    console: list[str] = []
    with chromium_page(width=1280, height=900) as page:
        page.add_init_script(LISTEN)
        page.on("console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None)

        def visit(path: str) -> None:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            violations[path] = page.evaluate("window.__violations")

        # when the public and portal pages are opened
        for path in ("/portal/", "/portal/login/", "/portal/register/", "/accounts/login/", "/verify/no-such-token"):
            visit(path)
        # and the applicant signs in on the portal and opens their case
        page.goto(f"{live_server.url}/portal/login/")
        page.fill("input[name=username]", applicant.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        visit("/portal/")
        visit(f"/portal/cases/{application.public_id}/")
        page.context.clear_cookies()
        # and a town reviewer signs in on the staff login (a viewflow Material page) and walks the staff pages
        visit("/accounts/login/")
        page.fill("input[name=username]", officer.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        for path in (
            "/",
            "/startup/inbox/",
            "/startup/queue/",
            "/startup/archive/",
            "/cases/",
            f"/cases/{application.public_id}/",
        ):
            visit(path)
        task = flow_services.open_task(application=application)
        visit(f"/startup/{application.process_id}/")
        visit(f"/startup/{application.process_id}/{task.flow_task.name}/{task.pk}/")
        visit("/publicity/")
        visit("/statistics/")

        # then no page reported a violation, and the console has no CSP error
        assert {path: found for path, found in violations.items() if found} == {}
        assert console == []

        # and the language switch (a script file now, no inline handler) changes the language on selection
        visit("/cases/")
        with page.expect_navigation():
            page.select_option("#lang", "en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("form:has(#lang) button").is_hidden()
