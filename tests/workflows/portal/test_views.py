"""The portal through Django's test client: accounts, pre-check, filing, correction, window intake and every bad input."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services as case_services
from cases.constants import Decision, ReviewLevel, Role, Status
from cases.crypto import lookup_digest
from cases.models import Applicant, Application, Attachment, AuditEntry, Notification, SmsCode, SmsLog, User
from cases.synthetic import citizen_id
from tests.conftest import make_user
from tests.workflows.portal.conftest import PASSWORD, SAMPLE_PDF, business_data, draft_data, png, register_by_sms, zh
from workflows.engine import simulation

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _file_draft(client, programme, community, rng) -> Application:
    response = client.post(reverse("portal:apply", args=[programme.code]), draft_data(community))
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get()
    client.post(reverse("portal:step", args=[application.public_id, "business"]), business_data(rng))
    for kind in programme.required_documents:
        upload = SimpleUploadedFile(f"{kind}.pdf", SAMPLE_PDF, content_type="application/pdf")
        client.post(reverse("portal:upload", args=[application.public_id]), {"kind": kind, "file": upload})
    return application


def _submit(client, application, run_on_commit):
    return run_on_commit(client.post, reverse("portal:submit", args=[application.public_id]), {"declaration": "on"}, follow=True)


# --- accounts ---------------------------------------------------------------------------------------------


def test_register_with_mobile_then_bind_real_name(client, programme, rng):
    # given a visitor
    id_number = citizen_id(rng)
    # when they register with a mobile number and bind their citizen ID number
    response = register_by_sms(client, "13900001111")
    assert response.status_code == 302 and response.url == reverse("portal:bind")
    response = client.post(reverse("portal:bind"), {"name": "李四", "kind": "person", "identifier": id_number})
    # then the account is an applicant, bound to that number, with its Applicant record
    assert response.status_code == 302
    user = User.objects.get(username="13900001111")
    assert (user.role, user.mobile, user.id_number, user.real_name) == (Role.APPLICANT, "13900001111", id_number, "李四")
    assert Applicant.objects.get(user=user).id_number == id_number


def test_register_with_email_and_enterprise_binding(client, programme, rng):
    from cases.synthetic import credit_code

    code = credit_code(rng)
    register_by_sms(client, "13900001112", email="Boss@Example.cn")
    client.post(reverse("portal:bind"), {"name": "余杭某某科技有限公司", "kind": "enterprise", "identifier": code})
    user = User.objects.get(username="13900001112")
    assert (user.email, user.credit_code) == ("boss@example.cn", code)
    assert Applicant.objects.get(user=user).kind == "enterprise"


def test_duplicate_registration_is_refused(client, bound_user):
    # given an account for 13800138000
    users = User.objects.count()
    # when someone registers the same mobile number again
    response = client.post(reverse("portal:register"), {"action": "send", "mobile": "13800138000"})
    # then a clear message, no code sent, and no second account
    assert response.status_code == 200
    assert zh("An account with this mobile number already exists. Log in instead.", html=True) in response.content.decode()
    assert (User.objects.count(), SmsLog.objects.count(), SmsCode.objects.count()) == (users, 0, 0)


def test_short_password_is_refused(client, db):
    response = register_by_sms(client, "13900002222", password="Short-1")
    assert "密码长度太短。密码必须包含至少 12 个字符。" in response.content.decode()
    assert not User.objects.filter(username="13900002222").exists()


def test_wrong_id_checksum_is_refused(client, programme, rng):
    # given a registered, unbound account
    user = case_services.applicant_user_register(login="13900003333", password=PASSWORD)
    client.force_login(user)
    good = citizen_id(rng)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    # when the citizen ID number has a wrong check digit
    response = client.post(reverse("portal:bind"), {"name": "王五", "kind": "person", "identifier": wrong})
    # then the reason is named and nothing is bound
    assert response.status_code == 200
    assert zh("The citizen ID number fails its check digit (GB 11643).", html=True) in response.content.decode()
    user.refresh_from_db()
    assert (user.id_number, user.real_name) == ("", "")
    assert not Applicant.objects.filter(id_number_digest=lookup_digest(wrong)).exists()


@pytest.mark.parametrize(
    ("name", "msgid", "params"),
    [
        ("王<b>五</b>", "A name may not contain “<” or “>” (no markup).", {}),
        (
            "王\u202e0003五",
            "A name may not contain a text direction control character (U+%(code)s): it changes the order of the text.",
            {"code": "202E"},
        ),
        ("王\u200b五", "A name may not contain a control or invisible formatting character (U+%(code)s).", {"code": "200B"}),
    ],
)
def test_a_name_with_markup_or_controls_is_refused_in_chinese(client, programme, rng, name, msgid, params):
    # given a registered, unbound account
    user = case_services.applicant_user_register(login="13900003334", password=PASSWORD)
    client.force_login(user)
    id_number = citizen_id(rng)
    # when the real name carries markup, a right-to-left override or a zero-width space
    response = client.post(reverse("portal:bind"), {"name": name, "kind": "person", "identifier": id_number})
    # then the reason is shown in Chinese and nothing is bound
    assert response.status_code == 200
    assert zh(msgid, html=True, **params) in response.content.decode()
    user.refresh_from_db()
    assert (user.id_number, user.real_name) == ("", "")
    assert not Applicant.objects.filter(id_number_digest=lookup_digest(id_number)).exists()


def test_a_name_with_cjk_extension_b_characters_is_accepted(client, programme, rng):
    # given a registered, unbound account
    user = case_services.applicant_user_register(login="13900003335", password=PASSWORD)
    client.force_login(user)
    id_number = citizen_id(rng)
    # when the name has characters of CJK Extension B (U+20000, U+2A6A5)
    response = client.post(reverse("portal:bind"), {"name": "王\U00020000𪚥", "kind": "person", "identifier": id_number})
    # then it is bound as typed
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.real_name == "王\U00020000\U0002a6a5"
    assert Applicant.objects.get(id_number_digest=lookup_digest(id_number)).name == "王\U00020000\U0002a6a5"


def test_a_business_name_with_markup_is_refused_at_its_step(portal_client, programme, community, rng):
    # given a draft
    response = portal_client.post(reverse("portal:apply", args=[programme.code]), draft_data(community))
    application = Application.objects.get()
    # when the business name carries a tag
    data = business_data(rng) | {"business_name": "<script>x</script>工作室"}
    response = portal_client.post(reverse("portal:step", args=[application.public_id, "business"]), data)
    # then the step is refused with the reason, and the draft keeps no business name
    assert response.status_code == 200
    assert zh("A name may not contain “<” or “>” (no markup).", html=True) in response.content.decode()
    application.refresh_from_db()
    assert application.business_name == ""


def test_login_is_locked_after_five_failures(client, bound_user, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    url = reverse("portal:login")
    for _ in range(4):
        response = client.post(url, {"username": "13800138000", "password": "wrong-password-123"})
        assert response.status_code == 200
    # the fifth failure locks the account; even the right password is then refused, with a clear message
    assert client.post(url, {"username": "13800138000", "password": "wrong-password-123"}).status_code == 429
    response = client.post(url, {"username": "13800138000", "password": PASSWORD})
    assert response.status_code == 429
    assert (
        zh(
            "Too many failed attempts for this account. Try again in %(minutes)s minutes or reset your password.",
            html=True,
            minutes=15,
        )
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    # another login name from the same address is not affected
    other = case_services.applicant_user_register(login="13900004444", password=PASSWORD)
    response = client.post(url, {"username": other.username, "password": PASSWORD})
    assert response.status_code == 302


def test_successful_login_resets_the_failure_count(client, bound_user):
    url = reverse("portal:login")
    for _ in range(4):
        client.post(url, {"username": "13800138000", "password": "wrong-password-123"})
    assert client.post(url, {"username": "13800138000", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post(url, {"username": "13800138000", "password": "wrong-password-123"})
    assert client.post(url, {"username": "13800138000", "password": PASSWORD}).status_code == 302


def test_password_reset_by_email(client, bound_user):
    response = client.post(reverse("portal:password_reset"), {"email": "zhang@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/portal/password-reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    new = "Another-long-pass-2027"
    response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    bound_user.refresh_from_db()
    assert bound_user.check_password(new)


def test_portal_is_chinese_by_default_and_english_on_request(client, db):
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="zh-Hans"' in response.content.decode()
    assert "创业补贴网上办事大厅" in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/portal/"})
    response = client.get(reverse("portal:home"))
    assert 'lang="en"' in response.content.decode()
    assert "Entrepreneurship subsidy portal" in response.content.decode()


# --- filing ---------------------------------------------------------------------------------------------


def test_file_draft_resume_and_submit(portal_client, programme, community, rng, run_on_commit):
    # given a bound applicant who saves step 1, leaves, and comes back
    application = _file_draft(portal_client, programme, community, rng)
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert application.requested_amount == 5000  # the programme's amount for the category
    assert application.business_name == "张三工作室"
    assert Attachment.objects.filter(application=application).count() == len(programme.required_documents)
    assert portal_client.get(reverse("portal:step", args=[application.public_id, "review"])).status_code == 200
    # when they declare and submit
    response = _submit(portal_client, application, run_on_commit)
    # then the case is submitted, with a deadline, and the applicant is told in the portal, by e-mail and by SMS
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.deadline is not None
    assert zh("Application %(number)s submitted.", number=application.number) in _messages(response)
    channels = sorted(Notification.objects.filter(application=application).values_list("channel", flat=True))
    assert channels == ["email", "portal", "sms"]
    assert Notification.objects.get(application=application, channel="sms").address == "13800138000"
    assert len(mail.outbox) == 1 and application.number in mail.outbox[0].subject


def test_submit_without_declaration_is_refused(portal_client, programme, community, rng):
    application = _file_draft(portal_client, programme, community, rng)
    response = portal_client.post(reverse("portal:submit", args=[application.public_id]), {})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_form_posted_twice_submits_once(portal_client, programme, community, rng, run_on_commit):
    application = _file_draft(portal_client, programme, community, rng)
    _submit(portal_client, application, run_on_commit)
    audit = AuditEntry.objects.filter(application=application).count()
    notes = Notification.objects.count()
    # when the same submit is posted again (double click, back button)
    response = _submit(portal_client, application, run_on_commit)
    # then it is a no-op with a clear message
    assert _messages(response) == [zh("This application has already been submitted; nothing was changed.")]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert AuditEntry.objects.filter(application=application).count() == audit
    assert Notification.objects.count() == notes


def test_executable_renamed_to_pdf_is_refused(portal_client, programme, community, rng):
    application = _file_draft(portal_client, programme, community, rng)
    before = Attachment.objects.count()
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
    upload = SimpleUploadedFile("licence.pdf", elf, content_type="application/pdf")
    response = portal_client.post(
        reverse("portal:upload", args=[application.public_id]), {"kind": "lease", "file": upload}, follow=True
    )
    expected = zh("Only PDF, JPEG and PNG files are accepted; this file is not one, whatever its name says.")
    # the draft already holds a lease: the refused file replaces nothing, and the message says so
    assert _messages(response)[-1] == f"经营场所租赁合同: {expected} 未作替换，原文件保持不变。"
    assert Attachment.objects.count() == before


def test_fifty_megabyte_upload_is_refused_before_reading(portal_client, bound_user, programme, community, rng, monkeypatch):
    # given a draft, and a client that enforces CSRF like a browser does
    from django.test import Client

    from workflows.portal import forms

    application = _file_draft(portal_client, programme, community, rng)
    before = Attachment.objects.count()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bound_user)

    def never(*args, **kwargs):
        raise AssertionError("the body must not be parsed")

    monkeypatch.setattr(forms, "UploadForm", never)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), content_type="application/pdf")
    # when 50 MB are posted (without even a CSRF token: the body is never read, so the token is never looked for)
    response = strict.post(reverse("portal:upload", args=[application.public_id]), {"kind": "lease", "file": upload}, follow=True)
    # then the size is refused from Content-Length alone, with a clear message, and nothing is stored
    assert response.status_code == 200
    assert _messages(response)[-1:] == [
        zh("The file is larger than %(mb)s MB. Scan it at a lower resolution or split it.", mb=10)
    ]
    assert Attachment.objects.count() == before


def test_upload_that_grows_past_the_limit_while_streaming_is_dropped(portal_client, programme, community, rng, monkeypatch):
    # given a request whose Content-Length passed the first check (a proxy that re-chunks, say)
    from workflows.portal import uploads

    application = _file_draft(portal_client, programme, community, rng)
    before = Attachment.objects.count()
    monkeypatch.setattr(uploads, "MAX_REQUEST_BYTES", 100 * 1024 * 1024)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))
    response = portal_client.post(
        reverse("portal:upload", args=[application.public_id]), {"kind": "lease", "file": upload}, follow=True
    )
    assert _messages(response)[-1:] == [
        zh("The file is larger than %(mb)s MB. Scan it at a lower resolution or split it.", mb=10)
    ]
    assert Attachment.objects.count() == before


def test_upload_without_csrf_token_is_refused(portal_client, bound_user, programme, community, rng):
    from django.test import Client

    application = _file_draft(portal_client, programme, community, rng)
    before = Attachment.objects.count()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bound_user)
    upload = SimpleUploadedFile("a.pdf", SAMPLE_PDF)
    response = strict.post(reverse("portal:upload", args=[application.public_id]), {"kind": "lease", "file": upload})
    assert response.status_code == 403
    assert Attachment.objects.count() == before


def test_oversized_single_file_is_refused_by_size(db):
    from workflows.portal.uploads import UploadRejected, upload_read

    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))
    with pytest.raises(UploadRejected, match="10 MB"):
        upload_read(upload)


def test_decompression_bomb_image_is_refused(portal_client, programme, community, rng):
    application = _file_draft(portal_client, programme, community, rng)
    before = Attachment.objects.count()
    upload = SimpleUploadedFile("photo.png", png(30000, 30000), content_type="image/png")
    response = portal_client.post(
        reverse("portal:upload", args=[application.public_id]), {"kind": "lease", "file": upload}, follow=True
    )
    refused = zh("The image declares too many pixels to be opened safely.")
    assert _messages(response)[-1:] == [f"经营场所租赁合同: {refused} 未作替换，原文件保持不变。"]
    assert Attachment.objects.count() == before


def test_active_pdf_is_refused_in_chinese_and_changes_nothing(portal_client, programme, community, rng, settings):
    from pathlib import Path

    from tests.cases.test_uploads import JS_ACTION, one_page

    application = _file_draft(portal_client, programme, community, rng)
    storage = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    rows, files = Attachment.objects.count(), sorted(storage.rglob("*"))
    upload = SimpleUploadedFile("licence.pdf", one_page(b"/OpenAction 4 0 R", b"", JS_ACTION), content_type="application/pdf")
    response = portal_client.post(
        reverse("portal:upload", args=[application.public_id]), {"kind": "lease", "file": upload}, follow=True
    )
    assert _messages(response)[-1] == (
        "经营场所租赁合同: PDF 文件包含打开文件时自动执行的动作，不予接受。请将其打印为新的 PDF 或扫描纸质材料后再上传。"
        " 未作替换，原文件保持不变。"
    )
    assert Attachment.objects.count() == rows
    assert sorted(storage.rglob("*")) == files


def test_real_images_are_accepted_and_oversized_sides_refused(db):
    import io

    from PIL import Image

    from cases.uploads import UploadRejected, upload_clean

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    checked = upload_clean(content=buffer.getvalue(), name="scan.pdf")
    assert (checked.content_type, checked.name) == ("image/jpeg", "scan.jpg")
    with pytest.raises(UploadRejected, match="12000"):
        upload_clean(content=png(13000, 100), name="wide.png")


def test_another_applicants_case_is_404(portal_client, programme, community, rng):
    # given a case of another applicant
    other, _user = simulation.file_draft(rng=rng, programme=programme, community=community)
    # when the logged-in applicant types its public id or its number into the URL
    for name in ("portal:case", "portal:withdraw"):
        assert portal_client.get(reverse(name, args=[other.public_id])).status_code == 404
    assert portal_client.get(reverse("portal:step", args=[other.public_id, "review"])).status_code == 404
    assert portal_client.post(reverse("portal:submit", args=[other.public_id]), {"declaration": "on"}).status_code == 404
    assert portal_client.get(f"/portal/cases/{other.number}/").status_code == 404
    assert portal_client.get(f"/portal/cases/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.status == Status.DRAFT


# --- correction, withdrawal, documents ------------------------------------------------------------------


def test_correction_answered_and_resubmitted(portal_client, programme, community, staff, rng, run_on_commit):
    application = _file_draft(portal_client, programme, community, rng)
    _submit(portal_client, application, run_on_commit)
    officer = staff.community[community.pk]
    items = [{"kind": "lease", "message": "租赁合同已过期"}, {"kind": "bank_account", "message": "银行账户证明不清晰"}]
    run_on_commit(simulation.decide, application, officer, ReviewLevel.COMMUNITY, Decision.RETURN, items=items)
    page = portal_client.get(reverse("portal:case", args=[application.public_id])).content.decode()
    assert "租赁合同已过期" in page and "银行账户证明不清晰" in page
    # resubmitting before every item is answered is refused, naming what is missing
    response = portal_client.post(reverse("portal:resubmit", args=[application.public_id]), {"answer": "x"}, follow=True)
    assert any("银行账户证明不清晰" in m for m in _messages(response))
    application.refresh_from_db()
    assert application.status == Status.RETURNED_FOR_CORRECTION
    for kind in ("lease", "bank_account"):
        upload = SimpleUploadedFile(f"{kind}.pdf", SAMPLE_PDF)
        portal_client.post(reverse("portal:upload", args=[application.public_id]), {"kind": kind, "file": upload})
    run_on_commit(portal_client.post, reverse("portal:resubmit", args=[application.public_id]), {"answer": "已补正"})
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.corrections.get().answer == "已补正"
    statuses = [n.message for n in Notification.objects.filter(application=application, channel="portal")]
    assert len(statuses) == 3  # submitted, returned, resubmitted


def test_withdraw(portal_client, programme, community, rng, run_on_commit):
    application = _file_draft(portal_client, programme, community, rng)
    _submit(portal_client, application, run_on_commit)
    response = portal_client.post(reverse("portal:withdraw", args=[application.public_id]), {"reason": ""})
    assert response.status_code == 200  # the confirmation box is required
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    run_on_commit(portal_client.post, reverse("portal:withdraw", args=[application.public_id]), {"confirm": "on"})
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN


# --- window intake and claims --------------------------------------------------------------------------


def test_window_intake_and_claim(client, programme, community, staff, rng, run_on_commit):
    officer = staff.community[community.pk]
    client.force_login(officer)
    id_number = citizen_id(rng)
    data = {
        "who-applicant_name": "赵六",
        "who-applicant_id_number": id_number,
        "who-applicant_mobile": "13700001234",
        "who-originals_checked": "on",
        **{k: v for k, v in draft_data(community).items() if k != "community"},
    }
    response = client.post(reverse("portal:window_programme", args=[programme.code]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert (application.originals_checked, application.filed_by, application.org_unit) == (True, officer, community)
    assert application.applicant.user is None and len(application.claim_code) == 10
    assert application.claim_code in client.get(reverse("portal:case", args=[application.public_id])).content.decode()
    client.post(reverse("portal:step", args=[application.public_id, "business"]), business_data(rng))
    for kind in programme.required_documents:
        client.post(
            reverse("portal:upload", args=[application.public_id]),
            {"kind": kind, "file": SimpleUploadedFile("a.pdf", SAMPLE_PDF)},
        )
    _submit(client, application, run_on_commit)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    # the applicant registers, binds the same ID number, and claims the case
    client.logout()
    user = case_services.applicant_user_register(login="13700001234", password=PASSWORD)
    case_services.user_real_name_bind(user=user, name="赵六", id_number=id_number)
    client.force_login(user)
    assert client.get(reverse("portal:case", args=[application.public_id])).status_code == 404
    response = client.post(reverse("portal:claim"), {"code": application.claim_code.lower()})
    assert response.status_code == 302
    application.applicant.refresh_from_db()
    assert application.applicant.user == user
    assert client.get(reverse("portal:case", args=[application.public_id])).status_code == 200


def test_claim_with_another_id_number_is_refused(client, programme, community, staff, rng, bound_user):
    officer = staff.community[community.pk]
    applicant = case_services.applicant_person_get_or_create(name="钱七", id_number=citizen_id(rng))
    application = case_services.application_create(
        programme=programme,
        applicant=applicant,
        org_unit=community,
        by=officer,
        category="unemployed",
        requested_amount=5000,
        bank_name="银行",
        bank_account_name="钱七",
        bank_account_number="6228480012345678901",
        originals_checked=True,
    )
    client.force_login(bound_user)
    response = client.post(reverse("portal:claim"), {"code": application.claim_code})
    assert response.status_code == 200
    assert (
        zh("The case belongs to another citizen ID number or credit code than the one bound to your account.", html=True)
        in response.content.decode()
    )
    applicant.refresh_from_db()
    assert applicant.user is None


def test_applicant_cannot_open_the_window(portal_client, programme):
    assert portal_client.get(reverse("portal:window_programme", args=[programme.code])).status_code == 404


def test_other_staff_see_no_window(client, programme, district):
    reviewer = make_user("tr", Role.TOWN_REVIEWER, district.children.first())
    client.force_login(reviewer)
    assert client.get(reverse("portal:window")).status_code == 404
