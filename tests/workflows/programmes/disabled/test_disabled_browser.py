"""The household grant in Chromium, with axe-core (WCAG 2.1 A/AA) on every page visited, on a phone and a desktop
screen, from the portal's pre-check (which leads to the grant) on. On the phone a disabled entrepreneur files for
himself; on the desktop his sister files for him with his power of attorney and he confirms with the code texted to
his mobile. The filing is done with the keyboard alone
(Tab, typing, arrows, Space, Enter; only the file itself is handed to the file input, as a file dialog would). The
community, town, disabled persons' federation and bureau then pass the case, the publicity ends and the finance
office pays it (services); the entrepreneur signs in and sees the grant paid."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.constants import Decision, ReviewLevel, Status
from cases.models import Application, SmsLog
from cases.synthetic import citizen_id, credit_code
from tests.workflows.portal.browser import Recorder, chromium_page, require_browser
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.simulation import SAMPLE_PDF
from workflows.programmes.disabled.simulation import CODE_IN_MESSAGE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
PASSWORD = "Long-enough-pass-2026"


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


def _signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Move the focus with Tab until it rests on `selector` (refused if it never gets there: unreachable by keyboard)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _type_into(page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _press_and_load(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def _fill_by_keyboard(page, *, id_number: str, credit: str, registered: dt.date, household: str, name: str, for_someone=None):
    if for_someone:
        _tab_to(page, "#id_for_whom_0")
        page.keyboard.press("ArrowDown")  # the second choice: for a family member
        assert page.locator("#id_for_whom_1").is_checked()
        _type_into(page, "#id_applicant_name", for_someone["name"])
        _type_into(page, "#id_applicant_id_number", for_someone["id_number"])
        _type_into(page, "#id_applicant_mobile", for_someone["mobile"])
    _type_into(page, "#id_certificate_number", f"{id_number}41")
    _type_into(page, "#id_household_number", household)
    _tab_to(page, "#id_resident_in_district")
    page.keyboard.press("Space")
    assert page.locator("#id_resident_in_district").is_checked()
    _tab_to(page, "#id_business_form_0")
    page.keyboard.press("Space")
    _type_into(page, "#id_business_name", f"{name}便民修理部")
    _type_into(page, "#id_business_credit_code", credit)
    _tab_to(page, "#id_business_registered_on")
    # Chromium's date field takes its parts in the order of the browser's own language (en-US headless: month, day,
    # year), each moving on to the next once complete
    page.keyboard.type(registered.strftime("%m%d%Y"))
    assert page.locator("#id_business_registered_on").input_value() == registered.isoformat()
    _type_into(page, "#id_bank_name", "杭州余杭农村商业银行")
    _type_into(page, "#id_bank_account_name", name)
    _type_into(page, "#id_bank_account_number", "6228480010001234567")
    _press_and_load(page)  # Enter in a text field submits the form


def _upload_by_keyboard(page, kinds, pdf) -> None:
    for kind in kinds:
        page.set_input_files(f"#file-{kind}", str(pdf))  # what the file dialog would hand over
        _tab_to(page, f"form:has(#file-{kind}) button[type=submit]")
        _press_and_load(page)


def _choose(page, name: str, index: int) -> None:
    """Tab into a radio group (onto its checked or first button), then arrow to the choice: how a keyboard user picks."""
    _tab_to(page, f"input[name={name}]")
    for _ in range(8):
        if page.evaluate("() => document.activeElement.id") == f"id_{name}_{index}":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator(f"#id_{name}_{index}").is_checked()


def _precheck_to_the_grant(page, live_server, rec) -> None:
    """From the portal's home page through the one pre-check (a disabled person with a certificate, living in the
    district, running a business) to the household grant's filing page, by keyboard."""
    page.goto(f"{live_server.url}/portal/")
    _tab_to(page, "a[href='/portal/check/']")
    _press_and_load(page)
    rec.step(page, "precheck")
    _choose(page, "who", 0)
    _choose(page, "group", 5)  # disabled person with a certificate
    _choose(page, "resident", 0)
    _choose(page, "runs_business", 0)
    _tab_to(page, "#id_business_registered_on")
    page.keyboard.type((timezone.localdate() - dt.timedelta(days=120)).strftime("%m%d%Y"))
    _choose(page, "syb_trained", 1)
    _tab_to(page, "main form button[type=submit]")
    _press_and_load(page)
    rec.step(page, "precheck-result")
    assert "可以申请" in page.locator("#verdict-disabled").inner_text()
    _tab_to(page, "#verdict-disabled a[href='/portal/programmes/disabled/apply/']")  # 立即申请
    _press_and_load(page)
    page.wait_for_url("**/portal/programmes/disabled/file/")  # the programme's generic filing address leads here


def _pay(application: Application, staff, federation, programme) -> Application:
    users = {
        ReviewLevel.COMMUNITY: staff.community[application.org_unit_id],
        ReviewLevel.TOWN: staff.town[application.org_unit.parent_id],
        ReviewLevel.DISTRICT: federation,
        ReviewLevel.APPROVAL: staff.approver,
    }
    for level, user in users.items():
        application = simulation.decide(application, user, level, Decision.PASS)
    day = timezone.localdate()
    batch = flow_services.publicity_publish(programme=programme, applications=[application], by=staff.approver, starts_on=day)
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    simulation.pay(programme, [Application.objects.get(pk=application.pk)], staff, set(), None)
    return Application.objects.get(pk=application.pk)


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_a_disabled_entrepreneur_files_and_sees_the_grant_paid(
    live_server, disabled_programme, community, fstaff, rng, tmp_path, screen
):
    rec = Recorder(f"disabled/{screen}")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(SAMPLE_PDF)
    width, height = VIEWPORTS[screen]
    id_number = citizen_id(rng)
    entrepreneur = case_services.user_real_name_bind(
        user=case_services.applicant_user_register(login="13700007777", password=PASSWORD), name="周明", id_number=id_number
    )
    by_proxy = screen == "desktop"
    filer = (
        case_services.user_real_name_bind(
            user=case_services.applicant_user_register(login="13900006666", password=PASSWORD),
            name="周红",
            id_number=citizen_id(rng),
        )
        if by_proxy
        else entrepreneur
    )
    with chromium_page(width=width, height=height) as page:
        _signed_in(page, live_server, filer)
        _precheck_to_the_grant(page, live_server, rec)
        rec.step(page, "file")
        # at 200 % zoom (CSS pixels halved, down to the 320 px of WCAG 1.4.10) the page reflows: nothing is cut off sideways
        page.set_viewport_size({"width": max(width // 2, 320), "height": max(height // 2, 256)})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        rec.step(page, "file-zoom-200")
        page.set_viewport_size({"width": width, "height": height})
        _fill_by_keyboard(
            page,
            id_number=id_number,
            credit=credit_code(rng),
            registered=timezone.localdate() - dt.timedelta(days=120),
            household="330110654321",
            name="周明",
            for_someone={"name": "周明", "id_number": id_number, "mobile": "13700007777"} if by_proxy else None,
        )
        page.wait_for_url("**/edit/documents/")
        application = Application.objects.get()
        assert application.applicant.user_id == entrepreneur.pk and application.proxy_id == (filer.pk if by_proxy else None)
        rec.step(page, "documents")
        kinds = case_services.filing_documents(application=application)
        assert ("power_of_attorney" in kinds) == by_proxy
        _upload_by_keyboard(page, kinds, pdf)
        assert application.attachments.count() == len(kinds)
        rec.step(page, "documents-uploaded")
        _tab_to(page, "a[href$='/edit/review/'].button")
        _press_and_load(page)
        rec.step(page, "review")
        if by_proxy:
            assert page.locator("#confirmation").is_visible()
            _tab_to(page, "form[action$='/confirmation/send/'] button")
            _press_and_load(page)
            rec.step(page, "code-sent")
            message = SmsLog.objects.filter(number="13700007777").latest("id").message
            _type_into(page, "#id_code", CODE_IN_MESSAGE.search(message).group(1))
            _press_and_load(page)
            assert page.locator("#confirmed").is_visible()
            rec.step(page, "confirmed")
        _tab_to(page, "#id_declaration")
        page.keyboard.press("Space")
        _tab_to(page, "form[action$='/submit/'] button[type=submit]")
        _press_and_load(page)
        page.wait_for_url(f"**/portal/cases/{application.public_id}/")
        assert Application.objects.get().status == Status.SUBMITTED
        rec.step(page, "submitted")

    paid = _pay(application, fstaff, fstaff.district_reviewer, disabled_programme)
    # paid: the bank's return file settles the line and the case is closed as paid (办结)
    assert (paid.status, paid.approved_amount) == (Status.CLOSED, 3000)
    assert paid.payment_lines.get().status == "paid"

    with chromium_page(width=width, height=height) as page:
        _signed_in(page, live_server, entrepreneur)
        page.goto(f"{live_server.url}/portal/")
        rec.step(page, "home-after-payment")
        page.goto(f"{live_server.url}/portal/cases/{application.public_id}/")
        assert page.locator("#status").inner_text() == "已办结"
        assert "拨付通知书" in page.content()  # the payment notice, among the documents issued
        rec.step(page, "case-paid")
        page.goto(f"{live_server.url}/portal/notifications/")
        assert f"{application.number}（残疾人自主创业扶持）当前状态：已拨付。" in page.content()
        rec.step(page, "notifications")

    assert rec.violations == {}, json.dumps(rec.violations, ensure_ascii=False, indent=1)
