"""The portal in Chromium against the live server: register, pre-check, file with uploads, correct, approval and
download; window intake by a community officer; keyboard-only filing; axe-core (WCAG 2.1 A/AA) on every page.

Reviewers act through the services (workflows.engine.simulation), as the staff UI is tested elsewhere. The live server needs
a transactional database: documents are generated in-process after commit, as in the embedded mode."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from cases.constants import Decision, ReviewLevel, Role, Status
from cases.models import Application, Notification, User
from cases.services import programme_rules_change
from cases.synthetic import citizen_id, credit_code
from documents.models import Document
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from tests.workflows.portal.browser import Recorder, chromium_page, precheck_answer, require_browser
from tests.workflows.portal.conftest import PASSWORD, png, sms_code_from_log
from workflows.engine import simulation
from workflows.engine.simulation import SAMPLE_PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()


@pytest.fixture
def evidence(tmp_path):
    pdf = tmp_path / "evidence.pdf"
    pdf.write_bytes(SAMPLE_PDF)
    bomb = tmp_path / "photo.png"
    bomb.write_bytes(png(30000, 30000))
    return {"pdf": pdf, "bomb": bomb}


def _click_and_load(page, selector: str) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def _staff_sign_in(page, base_url: str, username: str) -> None:
    """Staff (a community officer at the window) sign in on the staff login page, then open the portal."""
    page.goto(f"{base_url}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    _click_and_load(page, "main form button[type=submit]")


def _assert_accessible(recorder: Recorder) -> None:
    assert recorder.violations == {}, json.dumps(recorder.violations, ensure_ascii=False, indent=1)


def _status(application: Application) -> str:
    application.refresh_from_db()
    return application.status


def _upload_all(page, rec, kinds, evidence, label):
    for kind in kinds:
        page.set_input_files(f"#file-{kind}", str(evidence["pdf"]))
        _click_and_load(page, f"form:has(#file-{kind}) button[type=submit]")
    rec.step(page, label)


def _fill_business(page, rng):
    page.fill("#id_business_name", "张三网络工作室")
    page.fill("#id_business_credit_code", credit_code(rng))
    page.fill("#id_business_registered_on", (timezone.localdate() - dt.timedelta(days=500)).isoformat())
    page.fill("#id_jobs_created", "3")
    _click_and_load(page, "main button[type=submit]")


def test_applicant_journey_in_chromium(live_server, programme, community, staff, rng, evidence):
    rec = Recorder("applicant-journey")
    id_number = citizen_id(rng)
    with chromium_page() as page:
        # home: the catalogue, in Simplified Chinese
        page.goto(f"{live_server.url}/portal/")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        rec.step(page, "home")
        # register with a mobile number confirmed by the texted code; a short password is refused first
        _click_and_load(page, "a[href='/portal/register/']")
        page.fill("#id_mobile", "13812345678")
        _click_and_load(page, "main button[value=send]")
        page.fill("#id_code", sms_code_from_log("13812345678"))
        page.fill("#id_password1", "short")
        page.fill("#id_password2", "short")
        _click_and_load(page, "main button[value=register]")
        rec.step(page, "register-error")
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        _click_and_load(page, "main button[value=register]")
        page.wait_for_url("**/portal/account/bind/")
        rec.step(page, "bind")
        # real-name binding: a wrong check digit first, then the right number
        page.fill("#id_name", "张三")
        wrong = id_number[:17] + ("1" if id_number[17] != "1" else "2")
        page.fill("#id_identifier", wrong)
        _click_and_load(page, "main button[type=submit]")
        assert "校验码错误" in page.content()
        rec.step(page, "bind-error")
        page.fill("#id_identifier", id_number)
        _click_and_load(page, "main button[type=submit]")
        page.wait_for_url("**/portal/")
        assert User.objects.get(username="13812345678").id_number == id_number
        # pre-check: a business too young, with the day from which the visitor may apply; then old enough
        _click_and_load(page, "a[href='/portal/programmes/startup/']")
        precheck_answer(page, group="unemployed", registered_on=timezone.localdate() - dt.timedelta(days=30))
        _click_and_load(page, "main form button[type=submit]")
        assert "以后可以申请" in page.locator("#verdict-startup").inner_text()
        rec.step(page, "precheck-not-yet")
        page.fill("#id_business_registered_on", (timezone.localdate() - dt.timedelta(days=500)).isoformat())
        _click_and_load(page, "main form button[type=submit]")
        assert "可以申请" in page.locator("#verdict-startup").inner_text()
        rec.step(page, "precheck-eligible")
        # step 1 creates the draft
        _click_and_load(page, "a[href='/portal/programmes/startup/apply/']")
        rec.step(page, "step-basics")
        page.select_option("#id_community", str(community.pk))
        page.select_option("#id_category", "unemployed")
        page.fill("#id_bank_name", "中国农业银行余杭支行")
        page.fill("#id_bank_account_name", "张三")
        page.fill("#id_bank_account_number", "6228480012345678901")
        _click_and_load(page, "main button[type=submit]")
        application = Application.objects.get()
        assert (application.status, application.requested_amount) == (Status.DRAFT, 5000)
        rec.step(page, "step-business")
        # leave and resume later: the draft is listed at home
        page.goto(f"{live_server.url}/portal/")
        _click_and_load(page, f"a[href='/portal/cases/{application.public_id}/']")
        rec.step(page, "draft-case-page")
        _click_and_load(page, f"a[href='/portal/cases/{application.public_id}/edit/basics/']")
        _click_and_load(page, "main button[type=submit]")
        _fill_business(page, rng)
        page.wait_for_url("**/edit/documents/")
        rec.step(page, "step-documents")
        # a decompression bomb is refused with its reason
        page.set_input_files("#file-lease", str(evidence["bomb"]))
        _click_and_load(page, "form:has(#file-lease) button[type=submit]")
        assert "图片声明的像素过多，无法安全打开。" in page.content()
        rec.step(page, "upload-refused")
        _upload_all(page, rec, programme.required_documents, evidence, "documents-uploaded")
        _click_and_load(page, f"a[href='/portal/cases/{application.public_id}/edit/review/']")
        rec.step(page, "review")
        _click_and_load(page, "main form[action$='/submit/'] button[type=submit]")  # without the declaration
        rec.step(page, "review-error")
        page.check("#id_declaration")
        _click_and_load(page, "main form[action$='/submit/'] button[type=submit]")
        page.wait_for_url(f"**/portal/cases/{application.public_id}/")
        assert _status(application) == Status.SUBMITTED
        rec.step(page, "submitted")

        # the community returns the case for correction (staff side through the services)
        items = [{"kind": "lease", "message": "租赁合同已过期，请提供有效合同。"}]
        simulation.decide(application, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.RETURN, items=items)
        page.reload()
        assert "租赁合同已过期，请提供有效合同。" in page.content()
        rec.step(page, "correction-requested")
        page.set_input_files("#file-lease", str(evidence["pdf"]))
        _click_and_load(page, "#correction form:has(#file-lease) button[type=submit]")
        page.fill("#id_answer", "已上传新的租赁合同。")
        rec.step(page, "correction-answered")
        _click_and_load(page, "form[action$='/resubmit/'] button[type=submit]")
        assert _status(application) == Status.SUBMITTED
        rec.step(page, "resubmitted")

        # the reviewers pass every level; the approval decision is issued in-process
        advance(application, staff, through=ReviewLevel.APPROVAL)
        assert _status(application) == Status.DISTRICT_APPROVED
        approval = Document.objects.get(application=application, kind="approval_decision")
        page.reload()
        rec.step(page, "approved")
        with page.expect_download() as download:
            page.click(f"a[href='/documents/{approval.token}/download']")
        target = rec.folder / "approval-decision.pdf"
        download.value.save_as(str(target))
        assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size == approval.size

        # messages for every status change, in the portal
        _click_and_load(page, "a[href='/portal/notifications/']")
        rec.step(page, "messages")
        portal_messages = Notification.objects.filter(application=application, channel="portal").count()
        assert portal_messages == 7  # submitted, returned, resubmitted, accepted, town, district, approved
        assert Notification.objects.filter(application=application, channel="sms").count() == 7

        # English on request
        page.select_option("#portal-language", "en")
        _click_and_load(page, "header form[action='/i18n/setlang/'] button")
        assert page.locator("html").get_attribute("lang") == "en"
        rec.step(page, "english")
    _assert_accessible(rec)


def test_window_intake_in_chromium(live_server, programme, community, staff, rng, evidence):
    rec = Recorder("window-intake")
    officer = staff.community[community.pk]
    officer.set_password(PASSWORD)
    officer.save()
    with chromium_page() as page:
        _staff_sign_in(page, live_server.url, officer.username)
        rec.step(page, "officer-home")
        _click_and_load(page, "a[href='/portal/window/']")
        rec.step(page, "window")
        _click_and_load(page, "a[href='/portal/window/startup/']")
        rec.step(page, "window-form")
        page.fill("#id_who-applicant_name", "赵六")
        page.fill("#id_who-applicant_id_number", citizen_id(rng))
        page.fill("#id_who-applicant_mobile", "13700001234")
        page.check("#id_who-originals_checked")
        page.select_option("#id_category", "land_lost_farmer")
        page.fill("#id_bank_name", "杭州银行余杭支行")
        page.fill("#id_bank_account_name", "赵六")
        page.fill("#id_bank_account_number", "6228480012345678902")
        _click_and_load(page, "main button[type=submit]")
        application = Application.objects.get()
        assert (application.filed_by, application.originals_checked, application.applicant.user) == (officer, True, None)
        assert application.claim_code in page.content()
        rec.step(page, "window-draft-saved")
        _fill_business(page, rng)
        _upload_all(page, rec, programme.required_documents, evidence, "window-documents")
        _click_and_load(page, f"a[href='/portal/cases/{application.public_id}/edit/review/']")
        page.check("#id_declaration")
        rec.step(page, "window-review")
        _click_and_load(page, "main form[action$='/submit/'] button[type=submit]")
        assert _status(application) == Status.SUBMITTED
        assert page.locator("#claim-code").inner_text() == application.claim_code
        rec.step(page, "window-submitted")
    _assert_accessible(rec)


def _tab_to(page, css: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches css: how a keyboard user moves."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("(css) => !!document.activeElement && document.activeElement.matches(css)", css):
            return
    raise AssertionError(f"{css} never received the focus")


def _press_and_load(page, key: str) -> None:
    """Press a key that submits a form or follows a link, and wait for the next page before moving on."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_filing_with_the_keyboard_alone(live_server, programme, community, rng, evidence):
    # given a bound applicant account (registration has its own browser test)
    from cases import services as case_services

    user = case_services.applicant_user_register(login="13911112222", password=PASSWORD)
    case_services.user_real_name_bind(user=user, name="孙八", id_number=citizen_id(rng))
    graduated = (timezone.localdate() - dt.timedelta(days=400)).strftime("%m%d%Y")
    registered = (timezone.localdate() - dt.timedelta(days=500)).strftime("%m%d%Y")
    rec = Recorder("keyboard-only")
    with chromium_page(locale="en-US") as page:
        page.goto(f"{live_server.url}/portal/")
        # the skip link is the first stop
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        _tab_to(page, "a[href='/portal/login/']")
        _press_and_load(page, "Enter")
        _tab_to(page, "#id_username")
        page.keyboard.type("13911112222")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        _press_and_load(page, "Enter")
        _tab_to(page, "a[href='/portal/programmes/startup/']")
        _press_and_load(page, "Enter")
        _tab_to(page, "#id_who_0")  # a person
        page.keyboard.press("Space")
        _tab_to(page, "#id_group_0")  # the first group: graduate
        page.keyboard.press("Space")
        _tab_to(page, "#id_graduated_on")
        page.keyboard.type(graduated)
        _tab_to(page, "#id_resident_0")  # yes
        page.keyboard.press("Space")
        _tab_to(page, "#id_runs_business_0")  # yes
        page.keyboard.press("Space")
        _tab_to(page, "#id_business_registered_on")
        page.keyboard.type(registered)
        _tab_to(page, "#id_syb_trained_0")
        page.keyboard.press("ArrowDown")  # "no"
        assert page.locator("#id_syb_trained_1").is_checked()
        _tab_to(page, "main form button[type=submit]")
        _press_and_load(page, "Enter")
        rec.step(page, "precheck")
        _tab_to(page, "a[href='/portal/programmes/startup/apply/']", backwards=True)
        _press_and_load(page, "Enter")
        _tab_to(page, "#id_bank_name")  # community and category keep their first choices
        page.keyboard.type("中国工商银行余杭支行")
        page.keyboard.press("Tab")  # the account holder is filled in with the bound real name
        page.keyboard.press("Tab")
        page.keyboard.type("6222021202012345678")
        _press_and_load(page, "Enter")
        _tab_to(page, "#id_business_name")
        page.keyboard.type("孙八设计工作室")
        page.keyboard.press("Tab")
        page.keyboard.type(credit_code(rng))
        page.keyboard.press("Tab")
        page.keyboard.type(registered)
        _tab_to(page, "#id_graduated_on")
        page.keyboard.type(graduated)
        _tab_to(page, "#id_jobs_created")
        page.keyboard.type("2")
        _press_and_load(page, "Enter")
        # Keep file-chooser interception on for the whole loop. `expect_file_chooser` alone subscribes when entered and
        # unsubscribes when left, each time fire-and-forget: on a loaded machine the Space key could reach Chromium
        # before the subscription did, open the (headless, invisible) picker, and no chooser event ever came.
        page.on("filechooser", lambda chooser: None)
        page.evaluate("0")  # a round trip after the subscription message
        for kind in programme.required_documents:
            _tab_to(page, f"#file-{kind}")
            with page.expect_file_chooser() as chooser:
                page.keyboard.press("Space")
            chooser.value.set_files(str(evidence["pdf"]))
            page.keyboard.press("Tab")
            _press_and_load(page, "Enter")
        rec.step(page, "documents")
        _tab_to(page, "a[href$='/edit/review/']")
        _press_and_load(page, "Enter")
        _tab_to(page, "#id_declaration")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        _press_and_load(page, "Enter")
        rec.step(page, "submitted")
    application = Application.objects.get()
    assert (application.status, application.category, application.requested_amount) == (Status.SUBMITTED, "graduate", 10000)
    assert application.bank_account_name == "孙八"
    _assert_accessible(rec)


def test_axe_on_every_portal_page(live_server, programme, community, staff, rng, evidence):
    """Every portal page, including error states, has no WCAG 2.1 A/AA violation found by axe-core."""
    from cases import services as case_services

    user = case_services.applicant_user_register(login="13922223333", password=PASSWORD)
    user = case_services.user_real_name_bind(user=user, name="周九", id_number=citizen_id(rng))
    application, _ = simulation.file_draft(rng=rng, programme=programme, community=community)
    # the draft belongs to another applicant: re-file one for our user through the services
    applicant = user.applicant
    mine, returned = (
        case_services.application_create(
            programme=programme,
            applicant=applicant,
            org_unit=community,
            by=user,
            category="unemployed",
            requested_amount=5000,
            bank_name="银行",
            bank_account_name="周九",
            bank_account_number="6228480012345678909",
            business_name="周九工作室",
            business_credit_code=credit_code(rng),
            business_registered_on=timezone.localdate() - dt.timedelta(days=400),
            jobs_created=1,
        )
        for _ in range(2)
    )
    for kind in programme.required_documents:
        case_services.attachment_add(application=returned, by=user, kind=kind, content=SAMPLE_PDF, name="a.pdf")
    from workflows.engine import steps as flow_services

    programme_rules_change(
        programme=programme,
        by=make_user("programme-admin", Role.ADMINISTRATOR, community.parent.parent),
        eligibility_rules={**programme.eligibility_rules, "once_per_person": False},
    )
    flow_services.case_submit(application=returned, by=user)
    simulation.decide(
        returned,
        staff.community[community.pk],
        ReviewLevel.COMMUNITY,
        Decision.RETURN,
        items=[{"kind": "lease", "message": "租赁合同已过期"}, {"kind": "", "message": "请说明经营场所情况"}],
    )
    batch = _published_today(programme, community, staff, rng)
    unbound = make_user("13933334444", Role.APPLICANT, None)
    unbound.set_password(PASSWORD)
    unbound.save()
    officer = staff.community[community.pk]
    officer.set_password(PASSWORD)
    officer.save()

    rec = Recorder("axe-every-page")

    def visit(page, path, label, action=None):
        page.goto(f"{live_server.url}{path}")
        if action:
            action(page)
        rec.step(page, label)

    def submit_empty(page):
        _click_and_load(page, "main form[method=post] button[type=submit] >> nth=-1")

    def login(page, username):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/portal/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        _click_and_load(page, "main button[type=submit]")

    with chromium_page() as page:
        visit(page, "/portal/", "home-anonymous")
        visit(page, "/portal/register/", "register")
        visit(page, "/portal/register/", "register-errors", submit_empty)
        visit(page, "/portal/login/", "login")
        visit(page, "/portal/login/", "login-errors", submit_empty)
        visit(page, "/portal/password-reset/", "password-reset")
        visit(page, "/portal/password-reset/sent/", "password-reset-sent")
        visit(page, "/portal/password-reset/MQ/bad-token/", "password-reset-invalid-link")
        visit(page, "/portal/password-reset/done/", "password-reset-complete")
        visit(page, "/portal/programmes/startup/", "precheck")
        visit(page, "/portal/programmes/startup/", "precheck-errors", submit_empty)
        _objection_in_chromium(page, visit, submit_empty, batch)
        login(page, unbound.username)
        visit(page, "/portal/", "home-unbound")
        visit(page, "/portal/account/bind/", "bind")
        visit(page, "/portal/account/bind/", "bind-errors", submit_empty)
        _click_and_load(page, "header nav form button")  # log out
        login(page, user.username)
        visit(page, "/portal/", "home-applicant")
        visit(page, "/portal/claim/", "claim")
        visit(page, "/portal/claim/", "claim-errors", submit_empty)
        visit(page, "/portal/notifications/", "notifications")
        visit(page, "/portal/programmes/startup/apply/", "apply")
        visit(page, "/portal/programmes/startup/apply/", "apply-errors", submit_empty)
        base = f"/portal/cases/{mine.public_id}"
        visit(page, f"{base}/edit/basics/", "step-basics")
        visit(page, f"{base}/edit/business/", "step-business")
        visit(
            page, f"{base}/edit/business/", "step-business-errors", lambda p: (p.fill("#id_business_name", ""), submit_empty(p))
        )
        visit(page, f"{base}/edit/documents/", "step-documents")
        visit(page, f"{base}/edit/review/", "step-review-missing")
        visit(page, f"{base}/", "case-draft")
        visit(page, f"{base}/withdraw/", "withdraw")
        visit(page, f"{base}/withdraw/", "withdraw-errors", submit_empty)
        visit(page, f"/portal/cases/{returned.public_id}/", "case-correction")
        page.context.clear_cookies()
        _staff_sign_in(page, live_server.url, officer.username)
        visit(page, "/portal/", "home-officer")
        visit(page, "/portal/window/", "window")
        visit(page, "/portal/window/startup/", "window-form")
        visit(page, "/portal/window/startup/", "window-form-errors", submit_empty)
        visit(page, f"/portal/cases/{application.public_id}/", "case-officer")
        page.goto(f"{live_server.url}/portal/")
        page.select_option("#portal-language", "en")
        _click_and_load(page, "header form[action='/i18n/setlang/'] button")
        rec.step(page, "home-officer-english")
    assert len(rec.pages) >= 40
    _assert_accessible(rec)


def _published_today(programme, community, staff, rng):
    """An approved case on a publicity list whose period runs today (opened on the last working day up to today)."""
    from cases import calendar
    from workflows.engine import steps as flow_services

    application = advance(submitted(programme=programme, community=community, rng=rng)[0], staff, through=ReviewLevel.APPROVAL)
    starts_on = timezone.localdate()
    while not calendar.is_working_day(starts_on):
        starts_on -= dt.timedelta(days=1)
    return flow_services.publicity_publish(
        programme=programme, applications=[application], by=staff.approver, starts_on=starts_on
    )


def _objection_in_chromium(page, visit, submit_empty, batch):
    """The public board as an anonymous visitor: the lists, one list, a refused and a filed objection."""
    from cases.models import Objection
    from workflows.engine import steps as flow_services

    visit(page, "/portal/", "home-publicity-link")
    _click_and_load(page, "a[href='/portal/publicity/']")
    visit(page, "/portal/publicity/", "publicity-board")
    _click_and_load(page, f"a[href='/portal/publicity/{batch.number}/']")
    visit(page, f"/portal/publicity/{batch.number}/", "publicity-list")
    visit(page, f"/portal/publicity/{batch.number}/", "objection-errors", submit_empty)

    def file_objection(page):
        page.fill("#id_name", "李四")
        page.fill("#id_contact", "13700001111")
        page.fill("#id_reason", "此人未实际经营。")
        _click_and_load(page, "main form[method=post] button[type=submit]")

    visit(page, f"/portal/publicity/{batch.number}/", "objection-filed", file_objection)
    objection = Objection.objects.get()
    assert f"回执编号：{objection.number}" in page.content()
    assert flow_services.open_task(application=objection.application).flow_task.name == "investigate_objection"
