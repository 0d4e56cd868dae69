"""In Chromium, on a phone and on a desktop screen: the pre-check, registration with the SMS code (read from the
database SMS backend's log), the real-name binding, and the filing form showing the pre-check's answers without
asking them again; axe-core (WCAG 2.1 A/AA) on every page."""

import datetime as dt
import json

import pytest

from cases.models import Application, User
from cases.synthetic import citizen_id
from tests.workflows.portal.browser import Recorder, chromium_page, precheck_answer, require_browser
from tests.workflows.portal.conftest import PASSWORD, sms_code_from_log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def _click_and_load(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_precheck_register_by_sms_then_file_without_repeating(live_server, programme, community, rng, screen):
    rec = Recorder(f"register-sms-{screen}")
    width, height = VIEWPORTS[screen]
    mobile = "13955556666"
    registered_on = dt.date(2024, 5, 6)
    with chromium_page(width=width, height=height) as page:
        # the pre-check, anonymous
        page.goto(f"{live_server.url}/portal/programmes/startup/")
        rec.step(page, "precheck")
        precheck_answer(page, group="unemployed", registered_on=registered_on)
        _click_and_load(page, "main form button[type=submit]")
        assert "可以申请" in page.locator("#verdict-startup").inner_text()
        rec.step(page, "precheck-eligible")
        # register from there: first the code, then a wrong code, then the right one
        _click_and_load(page, "#verdict-startup a[href^='/portal/register/']")
        assert "next=" in page.url
        rec.step(page, "register")
        page.fill("#id_mobile", mobile)
        _click_and_load(page, "main button[value=send]")
        assert "验证码已发送至13955556666，10分钟内有效。" in page.content()
        assert page.locator("#id_mobile").input_value() == mobile
        rec.step(page, "register-code-sent")
        code = sms_code_from_log(mobile)
        page.fill("#id_code", f"{(int(code) + 1) % 10**6:06d}")
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        _click_and_load(page, "main button[value=register]")
        assert "验证码错误，还可尝试4次。" in page.content()
        rec.step(page, "register-wrong-code")
        page.fill("#id_code", code)
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.press("#id_password2", "Enter")  # Enter creates the account, it does not send a new code
        page.wait_for_url("**/portal/account/bind/?next=*")
        assert User.objects.get(mobile=mobile).username == mobile
        rec.step(page, "bind")
        # the binding leads on to the application form
        page.fill("#id_name", "张三")
        page.fill("#id_identifier", citizen_id(rng))
        _click_and_load(page, "main button[type=submit]")
        page.wait_for_url("**/portal/programmes/startup/apply/")
        # the category is chosen already; the pre-check's questions are not asked again
        assert page.locator("#id_category").input_value() == "unemployed"
        assert page.locator("#from-precheck").is_visible()
        assert page.locator("#id_received_before_0").count() == 0
        rec.step(page, "apply-prefilled")
        page.select_option("#id_community", str(community.pk))
        page.fill("#id_bank_name", "中国农业银行余杭支行")
        page.fill("#id_bank_account_name", "张三")
        page.fill("#id_bank_account_number", "6228480012345678901")
        _click_and_load(page, "main button[type=submit]")
        application = Application.objects.get()
        assert application.category == "unemployed"
        # the business step shows the date of registration given in the pre-check
        page.wait_for_url("**/edit/business/")
        assert page.locator("#id_business_registered_on").input_value() == registered_on.isoformat()
        assert page.locator("#from-precheck").is_visible()
        rec.step(page, "business-prefilled")
    assert rec.violations == {}, json.dumps(rec.violations, ensure_ascii=False, indent=1)
