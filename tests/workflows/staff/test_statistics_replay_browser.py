"""The statistics page of a replayed year (`replay_report`, the hand-made small targets) in Chromium: its tables and
four charts, every programme's figures, 0 axe violations (WCAG 2.1 A/AA). Screenshot kept under
test-artifacts/portal/statistics-replay/."""

import io

import pytest
from django.core.management import call_command

from cases.constants import Role, UnitLevel
from cases.models import OrgUnit
from tests.conftest import make_user
from tests.workflows.engine.replay_small import SMALL, YEAR
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from tests.workflows.staff.test_staff_browser import signed_in
from workflows.engine import replay_targets

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def test_the_replayed_years_statistics_page_with_its_charts_has_no_axe_violation(live_server, monkeypatch):
    monkeypatch.setitem(replay_targets.REPORT_YEARS, YEAR, SMALL)
    call_command("replay_report", year=YEAR, without_documents=True, stdout=io.StringIO())
    manager = make_user("replay-browser-manager", Role.MANAGER, OrgUnit.objects.get(level=UnitLevel.DISTRICT))
    recorder = Recorder("statistics-replay")
    with chromium_page(width=1280, height=900) as page:
        signed_in(page, live_server.url, manager)
        response = page.goto(f"{live_server.url}/statistics/?year={YEAR}")
        assert response.status == 200
        for chart in ("months", "programmes", "towns", "budget"):
            svg = page.locator(f"#chart-{chart} svg")
            assert svg.get_attribute("role") == "img"
            assert page.locator(f"#chart-{chart} svg title").count() == 1
            assert page.locator(f"#chart-{chart} details table").count() == 1
        table = page.locator("#by-programme").inner_text()
        for figure in ("¥95,000.00", "¥12,000.00", "¥160,000.00", "¥150,000.00", "¥700,000.00"):
            assert figure in table
        page.locator("#chart-programmes details summary").click()
        recorder.step(page, f"statistics-{YEAR}")
    assert recorder.violations == {}
