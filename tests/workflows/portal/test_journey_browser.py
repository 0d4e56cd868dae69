"""The applicant's whole journey in Chromium, on a phone and on a desktop screen, with axe-core (WCAG 2.1 A/AA) on
every page visited: a graduate does the pre-check, registers with the texted code, files without repeating the
pre-check's answers, uploads the required files, submits and downloads the submission receipt (受理回执) with the
expected decision date; the community passes and the town returns the case with a reason naming one document (both
in the staff's work queue); the applicant sees the reason and the deadline in working days, replaces that one file
and resubmits; the remaining levels pass (services) and the case is published (services); the applicant and an
anonymous visitor see it on the public publicity board, masked; the visitor objects online and gets a receipt number;
the district approver finds the objection, its text and number, in the investigation task.

Nothing is frozen (the live server and the browser run on the real clock); the dates asserted are computed on the
working-day calendar from the recorded submission and correction instants, in Asia/Shanghai. Screenshots are kept
under test-artifacts/portal/journey/<screen>/."""

import datetime as dt
import json
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cases import calendar
from cases.constants import Decision, ReviewLevel, Status
from cases.identifiers import mask_citizen_id, mask_name
from cases.models import Application, Objection, User
from cases.synthetic import citizen_id, credit_code
from documents.models import Document
from tests.auth import sign_in
from tests.documents.pdf import pdf_flat_text
from tests.workflows.portal.browser import Recorder, chromium_page, precheck_answer, require_browser
from tests.workflows.portal.conftest import PASSWORD, sms_code_from_log
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.simulation import SAMPLE_PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
NAME = "林晓雨"
MOBILE = "13966667777"
REASON = "租赁合同缺少出租方签章"
OBJECTION = "此人创业项目已停业，店面长期关闭。"


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


@pytest.fixture
def files(tmp_path):
    first = tmp_path / "lease.pdf"
    first.write_bytes(SAMPLE_PDF)
    signed = tmp_path / "lease-signed.pdf"
    signed.write_bytes(SAMPLE_PDF.replace(b"612 792", b"595 842"))  # another file, same length: the xref holds
    return {"pdf": first, "signed": signed}


def _click_and_load(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@contextmanager
def _another_visitor(page, live_server, user: User | None = None):
    """A second browser context of the same size (its own cookies): an anonymous visitor, or a staff member signed in
    as a test client would be (second factor included) — the staff sign-in page has its own test."""
    viewport = page.viewport_size
    context = page.context.browser.new_context(locale="zh-CN", viewport=viewport, accept_downloads=True)
    try:
        if user is not None:
            client = sign_in(Client(), user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        other = context.new_page()
        other.set_default_timeout(20_000)
        yield other
    finally:
        context.close()


def _decide_from_the_queue(page, live_server, rec, label: str, fill) -> None:
    """Open the first case of the reviewer's work queue (claims its task), fill the decision, send it."""
    page.goto(f"{live_server.url}/queue/")
    assert page.locator("table.queue-table tbody tr").count() == 1
    rec.step(page, f"{label}-queue")
    _click_and_load(page, "table.queue-table tbody tr:first-child button[type=submit]")
    assert page.url.endswith("/execute/")
    fill(page)
    rec.step(page, f"{label}-decision")
    _click_and_load(page, "form:has(textarea[name=opinion]) button[type=submit]")
    assert page.url == f"{live_server.url}/queue/"
    assert "没有等待您决定的案件。" in page.content()
    rec.step(page, f"{label}-queue-cleared")


def _pass_remaining_levels(application: Application, staff: simulation.Staff) -> tuple[Application, list[str]]:
    """Every level still waiting passes, through the services, up to the district's approval; returns the case and
    the levels passed."""
    users = {
        ReviewLevel.COMMUNITY: staff.community[application.org_unit_id],
        ReviewLevel.TOWN: staff.town[application.org_unit.parent_id],
        ReviewLevel.DISTRICT: staff.district_reviewer,
        ReviewLevel.APPROVAL: staff.approver,
    }
    application.refresh_from_db()
    passed = []
    while application.waiting_level and len(passed) < len(users):
        passed.append(application.waiting_level)
        application = simulation.decide(application, users[passed[-1]], passed[-1], Decision.PASS)
    return application, passed


def _publicity_start() -> dt.date:
    """The last working day up to today: a list opened then is in its period today."""
    day = timezone.localdate()
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_a_graduate_from_the_precheck_to_the_publicity_board(live_server, programme, community, staff, rng, files, screen):
    started = time.monotonic()
    rec = Recorder(f"journey/{screen}")
    width, height = VIEWPORTS[screen]
    id_number = citizen_id(rng)
    registered_on = timezone.localdate() - dt.timedelta(days=500)
    graduated_on = timezone.localdate() - dt.timedelta(days=400)
    with chromium_page(width=width, height=height) as page:
        # --- the pre-check, anonymous: a graduate, eligible
        page.goto(f"{live_server.url}/portal/programmes/startup/")
        rec.step(page, "precheck")
        precheck_answer(page, group="graduate", registered_on=registered_on, graduated_on=graduated_on)
        _click_and_load(page, "main form button[type=submit]")
        assert "可以申请" in page.locator("#verdict-startup").inner_text()
        rec.step(page, "precheck-eligible")

        # --- registration: the mobile number confirmed by the code the SMS backend logged, then the real name
        _click_and_load(page, "#verdict-startup a[href^='/portal/register/']")
        rec.step(page, "register")
        page.fill("#id_mobile", MOBILE)
        _click_and_load(page, "main button[value=send]")
        assert f"验证码已发送至{MOBILE}，10分钟内有效。" in page.content()
        rec.step(page, "register-code-sent")
        page.fill("#id_code", sms_code_from_log(MOBILE))
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        _click_and_load(page, "main button[value=register]")
        page.wait_for_url("**/portal/account/bind/?next=*")
        rec.step(page, "bind")
        page.fill("#id_name", NAME)
        page.fill("#id_identifier", id_number)
        _click_and_load(page, "main button[type=submit]")
        page.wait_for_url("**/portal/programmes/startup/apply/")
        assert User.objects.get(mobile=MOBILE).id_number == id_number

        # --- filing: the pre-check's answers are there, not asked again
        assert page.locator("#id_category").input_value() == "graduate"
        assert page.locator("#from-precheck").is_visible()
        assert page.locator("input[name=who]").count() == 0
        rec.step(page, "apply-prefilled")
        page.select_option("#id_community", str(community.pk))
        page.fill("#id_bank_name", "中国建设银行余杭支行")
        page.fill("#id_bank_account_name", NAME)
        page.fill("#id_bank_account_number", "6217001234567890123")
        _click_and_load(page, "main button[type=submit]")
        page.wait_for_url("**/edit/business/")
        assert page.locator("#id_business_registered_on").input_value() == registered_on.isoformat()
        assert page.locator("#id_graduated_on").input_value() == graduated_on.isoformat()
        assert page.locator("#from-precheck").is_visible()
        rec.step(page, "business-prefilled")
        page.fill("#id_business_name", "林晓雨文创工作室")
        page.fill("#id_business_credit_code", credit_code(rng))
        page.fill("#id_jobs_created", "2")
        _click_and_load(page, "main button[type=submit]")
        page.wait_for_url("**/edit/documents/")
        application = Application.objects.get()
        assert (application.category, application.graduated_on, application.business_registered_on) == (
            "graduate",
            graduated_on,
            registered_on,
        )

        # --- the required files, one per slot
        rec.step(page, "documents")
        for kind in programme.required_documents:
            page.set_input_files(f"#file-{kind}", str(files["pdf"]))
            _click_and_load(page, f"form:has(#file-{kind}) button[type=submit]")
        assert application.attachments.count() == len(programme.required_documents)
        rec.step(page, "documents-uploaded")
        _click_and_load(page, f"a[href='/portal/cases/{application.public_id}/edit/review/']")
        page.check("#id_declaration")
        rec.step(page, "review")
        _click_and_load(page, "main form[action$='/submit/'] button[type=submit]")
        page.wait_for_url(f"**/portal/cases/{application.public_id}/")
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED

        # --- the receipt: the expected decision date, counted on the working-day calendar from the submission day
        rules = application.rules_in_force
        limits = sum(rules.days_for(level) for level in rules.review_levels)
        assert limits == 30  # community 5 + town 5 + district 10 + approval 10
        expected = calendar.add_working_days(timezone.localdate(application.submitted_at), limits)
        assert page.locator("#decision-expected-on").inner_text() == expected.isoformat()
        assert "林晓雨文创工作室" in page.locator("#submitted-data").inner_text()  # what was submitted, on view
        rec.step(page, "submitted")
        receipt = Document.objects.get(application=application, kind="submission_receipt")
        with page.expect_download() as download:
            page.click(f"#next-steps a[href='/documents/{receipt.token}/download']")
        saved = rec.folder / "submission-receipt.pdf"
        download.value.save_as(str(saved))
        text = pdf_flat_text(saved.read_bytes())
        assert "受理回执" in text and receipt.number in text
        assert f"预计办结日期：{_chinese_date(expected)}" in text

        # --- the community passes it, the town returns it naming the lease and why (the staff's work queue)
        with _another_visitor(page, live_server, staff.community[community.pk]) as officer:

            def community_pass(p):
                p.check("input[name=decision][value=pass]")
                p.fill("textarea[name=opinion]", "材料齐全，同意受理。")

            _decide_from_the_queue(officer, live_server, rec, "community", community_pass)
        with _another_visitor(page, live_server, staff.town[community.parent_id]) as reviewer:

            def town_return(p):
                p.check("input[name=decision][value=return]")
                p.fill("textarea[name=opinion]", "租赁合同需补正。")
                p.check("input[name=missing_kinds][value=lease]")
                p.fill("#id_reason_lease", REASON)

            _decide_from_the_queue(reviewer, live_server, rec, "town", town_return)
        application.refresh_from_db()
        assert application.status == Status.RETURNED_FOR_CORRECTION
        correction = application.corrections.get()
        assert correction.items == [{"kind": "lease", "message": REASON}]

        # --- the applicant sees the reason and the deadline in working days, replaces that one file, resubmits
        page.reload()
        due_on = calendar.add_working_days(timezone.localdate(correction.requested_at), settings.CORRECTION_WORKING_DAYS)
        assert page.locator("#correction .reason").all_inner_texts() == [REASON]
        deadline = page.locator("#correction-deadline").inner_text()
        assert f"{settings.CORRECTION_WORKING_DAYS}个工作日" in deadline and due_on.isoformat() in deadline
        rec.step(page, "correction-requested")
        before = {a.pk: (a.kind, a.sha256) for a in application.attachments.all()}
        page.set_input_files("#correction #file-lease", str(files["signed"]))
        _click_and_load(page, "#correction form:has(#file-lease) button[type=submit]")
        assert "lease-signed.pdf" in page.locator("#correction").inner_text()
        rec.step(page, "correction-replaced")
        after = {a.pk: (a.kind, a.sha256) for a in application.attachments.all()}
        added = [value for pk, value in after.items() if pk not in before]
        assert [kind for kind, _ in added] == ["lease"] and {pk: after[pk] for pk in before} == before
        page.fill("#id_answer", "已补充出租方签章的租赁合同。")
        _click_and_load(page, "form[action$='/resubmit/'] button[type=submit]")
        application.refresh_from_db()
        assert application.status == Status.ACCEPTED  # back with the town, which returned it
        rec.step(page, "resubmitted")

        # --- the remaining levels pass and the case is published (services: the browser adds nothing there)
        application, passed = _pass_remaining_levels(application, staff)
        assert (application.status, passed) == (
            Status.DISTRICT_APPROVED,
            [ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL],
        )
        batch = flow_services.publicity_publish(
            programme=programme, applications=[application], by=staff.approver, starts_on=_publicity_start()
        )
        masked = (mask_name(NAME), mask_citizen_id(id_number))

        # --- the applicant finds the case on the public board, masked
        page.goto(f"{live_server.url}/portal/")
        rec.step(page, "home")
        _click_and_load(page, "a[href='/portal/publicity/']")
        rec.step(page, "publicity-board")
        _click_and_load(page, f"a[href='/portal/publicity/{batch.number}/']")
        rows = page.locator("table.wide tbody tr")
        assert rows.count() == 1
        assert rows.first.locator("td").all_inner_texts()[1:3] == list(masked)
        body = page.content()
        assert NAME not in body and id_number not in body and MOBILE not in body
        rec.step(page, "publicity-list-applicant")

        # --- an anonymous visitor sees the same list and objects online
        with _another_visitor(page, live_server) as visitor:
            visitor.goto(f"{live_server.url}/portal/publicity/{batch.number}/")
            row = visitor.locator("table.wide tbody tr").first
            assert row.locator("td").all_inner_texts()[1:3] == list(masked)
            assert NAME not in visitor.content() and id_number not in visitor.content()
            rec.step(visitor, "publicity-list-visitor")
            visitor.fill("#id_name", "王大明")
            visitor.fill("#id_contact", "13700002222")
            visitor.fill("#id_reason", OBJECTION)
            _click_and_load(visitor, "main form[method=post] button[type=submit]")
            objection = Objection.objects.get()
            assert f"回执编号：{objection.number}" in visitor.content()
            rec.step(visitor, "objection-filed")

        # --- the district approver opens the investigation task and finds the objection there
        task = flow_services.open_task(application=application)
        assert task.flow_task.name == "investigate_objection"
        with _another_visitor(page, live_server, staff.approver) as approver:
            approver.goto(f"{live_server.url}/startup/{task.process_id}/investigate_objection/{task.pk}/assign/")
            rec.step(approver, "investigation-claim")
            _click_and_load(approver, "main form button[type=submit]")
            assert approver.url.endswith("/execute/")
            objections = approver.locator("table:has(th:text('回执编号')) tbody").inner_text()
            assert objection.number in objections and OBJECTION in objections and "王大明" in objections
            rec.step(approver, "investigation-task")

    assert rec.violations == {}, json.dumps(rec.violations, ensure_ascii=False, indent=1)
    assert time.monotonic() - started < 120
