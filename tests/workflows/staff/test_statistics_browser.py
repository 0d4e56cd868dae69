"""The statistics page of the hand-computed district in Chromium: 0 axe violations (WCAG 2.1 A/AA) with its tables
and four charts, each chart named and backed by its figures. Screenshot kept under
test-artifacts/portal/statistics/."""

import pytest

from cases.constants import Role
from tests.conftest import make_user
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from tests.workflows.staff.test_staff_browser import signed_in
from tests.workflows.staff.test_statistics import district_figures  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def test_the_statistics_page_with_its_charts_has_no_axe_violation(live_server, district_figures):  # noqa: F811
    manager = make_user("stats-browser-manager", Role.MANAGER, district_figures["district"])
    recorder = Recorder("statistics")
    with chromium_page(width=1280, height=900) as page:
        signed_in(page, live_server.url, manager)
        response = page.goto(f"{live_server.url}/statistics/?year=2026")
        assert response.status == 200
        for chart in ("months", "programmes", "towns", "budget"):
            svg = page.locator(f"#chart-{chart} svg")
            assert svg.get_attribute("role") == "img"
            assert page.locator(f"#chart-{chart} svg title").count() == 1
            assert page.locator(f"#chart-{chart} details table").count() == 1  # the figures behind the chart
        assert page.locator("#by-programme tfoot").inner_text().count("¥13,500.00") == 1
        page.locator("#chart-towns details summary").click()
        recorder.step(page, "statistics-2026")
    assert recorder.violations == {}
