"""The one pre-check in Chromium with the keyboard alone, on a 320 CSS px phone (what 200 % zoom of a 640 px window
gives) and on a desktop screen, with axe-core (WCAG 2.1 A/AA) on every page: the questions, the errors read with
their questions, a disabled entrepreneur led to the household grant and on to registration, and a visitor no open
programme takes led to the service window. Screenshots under test-artifacts/portal/precheck/<screen>/."""

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from cases.models import BudgetEnvelope, Programme
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": (320, 640), "desktop": (1280, 900)}


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def _tab_to(page, css: str, *, backwards: bool = False, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("(css) => !!document.activeElement && document.activeElement.matches(css)", css):
            return
    raise AssertionError(f"{css} never received the focus")


def _press_and_load(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def _choose(page, name: str, index: int) -> None:
    """Tab into a radio group (onto its checked or first button), then arrow to the choice: how a keyboard user picks."""
    _tab_to(page, f"input[name={name}]")
    for _ in range(8):
        if page.evaluate("() => document.activeElement.id") == f"id_{name}_{index}":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator(f"#id_{name}_{index}").is_checked()


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_the_precheck_with_the_keyboard_alone(live_server, programme, screen):
    disabled = Programme.objects.get(code="disabled")
    disabled.active = True
    disabled.save(update_fields=["active"])
    BudgetEnvelope.objects.get_or_create(  # the reference data may have it already
        programme=disabled, year=timezone.localdate().year, org_unit=None, defaults={"amount": Decimal("303000")}
    )
    registered = (timezone.localdate() - dt.timedelta(days=400)).strftime("%m%d%Y")
    rec = Recorder(f"precheck/{screen}")
    width, height = VIEWPORTS[screen]
    with chromium_page(locale="en-US", width=width, height=height) as page:
        page.goto(f"{live_server.url}/portal/")
        _tab_to(page, "a[href='/portal/check/']")
        _press_and_load(page, "Enter")
        rec.step(page, "questions")
        _no_horizontal_scroll(page)
        # submitted with nothing answered: each question says what is missing
        _tab_to(page, "main form button[type=submit]")
        _press_and_load(page, "Enter")
        rec.step(page, "errors")
        _no_horizontal_scroll(page)
        assert page.locator("#id_who_error").inner_text() == "这个字段是必填项。"
        assert page.locator("fieldset[aria-describedby~=id_who_error]").count() == 1
        # a disabled person with a certificate, living in the district, running a business, no SYB training
        _choose(page, "who", 0)
        _choose(page, "group", 5)
        _choose(page, "resident", 0)
        _choose(page, "runs_business", 0)
        _tab_to(page, "#id_business_registered_on")
        page.keyboard.type(registered)
        _choose(page, "syb_trained", 1)
        _tab_to(page, "main form button[type=submit]")
        _press_and_load(page, "Enter")
        rec.step(page, "disabled-result")
        _no_horizontal_scroll(page)
        assert "可以申请" in page.locator("#verdict-disabled").inner_text()
        assert page.locator(".verdict").count() == 6
        assert page.locator("#no-programme").count() == 0
        # on to registration, going to the grant's application form
        target = quote("/portal/programmes/disabled/apply/", safe="")
        _tab_to(page, f"#verdict-disabled a[href='/portal/register/?next={target}']", backwards=True)
        _press_and_load(page, "Enter")
        assert page.url.endswith(f"/portal/register/?next={target}")
        # a group no open programme takes, without a business: the window, with its address, phone and hours
        page.goto(f"{live_server.url}/portal/check/")
        _choose(page, "group", 4)  # ex-serviceman
        _choose(page, "runs_business", 1)
        _choose(page, "syb_trained", 0)
        _tab_to(page, "main form button[type=submit]")
        _press_and_load(page, "Enter")
        rec.step(page, "window")
        _no_horizontal_scroll(page)
        assert page.locator("#no-programme").is_visible()
        assert page.locator("#window-address").inner_text() == settings.SERVICE_WINDOW_ADDRESS
        assert page.locator("#window-phone").inner_text() == settings.SERVICE_PHONE
        assert page.locator("#window-hours").inner_text() == settings.SERVICE_WINDOW_HOURS
    assert rec.violations == {}, json.dumps(rec.violations, ensure_ascii=False, indent=1)
