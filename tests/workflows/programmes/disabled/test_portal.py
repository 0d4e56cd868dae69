"""The household grant's portal pages: the filing page (for oneself, for a family member), its refusals in Chinese,
the common documents and review steps, the applicant's SMS confirmation of a case filed for them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from cases import services as case_services
from cases.constants import AttachmentKind, Status
from cases.models import Application, DisabledGrant, SmsLog
from cases.synthetic import citizen_id, credit_code
from workflows.engine.simulation import SAMPLE_PDF
from workflows.programmes.disabled.simulation import CODE_IN_MESSAGE

pytestmark = pytest.mark.django_db
PASSWORD = "Long-enough-pass-2026"


def zh(msgid: str, **params) -> str:
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return escape(text % params if params else text)


def bound(login: str, name: str, id_number: str):
    user = case_services.applicant_user_register(login=login, password=PASSWORD)
    return case_services.user_real_name_bind(user=user, name=name, id_number=id_number)


def facts(community, id_number: str, rng, **extra) -> dict:
    return {
        "for_whom": "myself",
        "certificate_number": f"{id_number}42",
        "household_number": "330110123456",
        "resident_in_district": "on",
        "business_form": "individual",
        "business_name": "周明便民修理部",
        "business_credit_code": credit_code(rng),
        "business_registered_on": (timezone.localdate() - dt.timedelta(days=90)).isoformat(),
        "community": community.pk,
        "bank_name": "杭州余杭农村商业银行",
        "bank_account_name": "周明",
        "bank_account_number": "6228480010001234567",
        **extra,
    }


def upload_all(application, by):
    for kind in case_services.filing_documents(application=application):
        case_services.attachment_add(application=application, by=by, kind=kind, content=SAMPLE_PDF, name=f"{kind}.pdf")


def test_the_generic_addresses_lead_to_the_filing_page(client, disabled_programme, rng):
    user = bound("13900001111", "周明", citizen_id(rng))
    client.force_login(user)
    assert client.get(reverse("portal:apply", args=["disabled"])).url == reverse("portal:disabled_file")
    page = client.get(reverse("portal:disabled_file"))
    assert page.status_code == 200
    body = page.content.decode()
    for text in ("残疾人证号", "户号", "为谁申请", "见户口簿首页。每户只能享受一次。"):
        assert text in body
    assert 'aria-describedby="id_certificate_number_helptext"' in body  # the help is read with the field


def test_an_applicant_files_for_themself_and_submits(client, disabled_programme, community, rng):
    id_number = citizen_id(rng)
    user = bound("13900002222", "周明", id_number)
    client.force_login(user)

    response = client.post(reverse("portal:disabled_file"), facts(community, id_number, rng))

    application = Application.objects.get()
    assert response.url == reverse("portal:step", args=[application.public_id, "documents"])
    grant = application.disabled_grant
    assert (grant.disability_category, grant.disability_grade, grant.household_number, grant.proxy_relation) == (
        4,
        2,
        "330110123456",
        "",
    )
    assert (application.requested_amount, application.category, application.proxy_id) == (3000, "disabled", None)
    documents = client.get(reverse("portal:step", args=[application.public_id, "documents"])).content.decode()
    assert "残疾人证" in documents and "委托书" not in documents
    upload_all(application, user)
    review = client.get(reverse("portal:step", args=[application.public_id, "review"])).content.decode()
    assert "肢体残疾, 二级" in review and 'id="confirmation"' not in review
    submitted = client.post(reverse("portal:submit", args=[application.public_id]), {"declaration": "on"})
    assert submitted.status_code == 302
    assert Application.objects.get().status == Status.SUBMITTED


def test_a_bad_certificate_is_refused_on_the_page_in_chinese(client, disabled_programme, community, rng):
    id_number = citizen_id(rng)
    client.force_login(bound("13900003333", "周明", id_number))
    response = client.post(reverse("portal:disabled_file"), facts(community, id_number, rng, certificate_number=f"{id_number}92"))
    assert response.status_code == 400
    assert (
        zh(
            "The 19th character of the certificate number is the category of disability: a digit from 1 to 7, not %(value)s.",
            value="9",
        )
        in response.content.decode()
    )
    assert Application.objects.count() == 0


def test_a_second_household_filing_is_refused_on_the_page(client, disabled_programme, community, rng):
    first_id, second_id = citizen_id(rng), citizen_id(rng)
    first = bound("13900004444", "周明", first_id)
    client.force_login(first)
    client.post(reverse("portal:disabled_file"), facts(community, first_id, rng))
    application = Application.objects.get()
    upload_all(application, first)
    client.post(reverse("portal:submit", args=[application.public_id]), {"declaration": "on"})
    client.force_login(bound("13900005555", "周亮", second_id))
    response = client.post(reverse("portal:disabled_file"), facts(community, second_id, rng, bank_account_name="周亮"))
    assert response.status_code == 400
    message = zh(
        "This household already has a disabled entrepreneur's household grant (case %(number)s). The grant is given "
        "once per household.",
        number=application.number,
    )
    assert message in response.content.decode()
    assert Application.objects.count() == 1


def test_a_family_member_files_and_the_applicant_confirms_by_sms(client, disabled_programme, community, rng):
    applicant_id = citizen_id(rng)
    family = bound("13900006666", "周红", citizen_id(rng))
    client.force_login(family)
    data = facts(
        community,
        applicant_id,
        rng,
        for_whom="someone",
        applicant_name="周明",
        applicant_id_number=applicant_id,
        applicant_mobile="13700007777",
    )
    # the applicant's details are asked when filing for someone else
    missing = client.post(reverse("portal:disabled_file"), {**data, "applicant_mobile": ""})
    assert missing.status_code == 400 and zh("Needed when you file for someone else.") in missing.content.decode()

    client.post(reverse("portal:disabled_file"), data)
    application = Application.objects.get()
    assert (application.proxy_id, application.disabled_grant.proxy_relation) == (family.pk, "family")
    assert "委托书" in client.get(reverse("portal:step", args=[application.public_id, "documents"])).content.decode()
    upload_all(application, family)
    assert application.attachments.filter(kind=AttachmentKind.POWER_OF_ATTORNEY).count() == 1
    review = client.get(reverse("portal:step", args=[application.public_id, "review"])).content.decode()
    assert 'id="confirmation"' in review and "137****7777" in review
    assert f'action="/portal/cases/{application.public_id}/submit/"' not in review

    # submitting before the confirmation is refused, nothing changes
    refused = client.post(reverse("portal:submit", args=[application.public_id]), {"declaration": "on"}, follow=True)
    assert zh("The applicant has not confirmed this application yet: send the code to their mobile and enter it first.") in (
        refused.content.decode()
    )
    assert Application.objects.get().status == Status.DRAFT

    client.post(reverse("portal:disabled_confirm_send", args=[application.public_id]))
    message = SmsLog.objects.get(number="13700007777").message
    assert "周红" in message and application.number in message
    wrong = client.post(reverse("portal:disabled_confirm", args=[application.public_id]), {"code": "000001"}, follow=True)
    assert "验证码错误，还可尝试" in wrong.content.decode()
    assert DisabledGrant.objects.get().confirmed_at is None
    code = CODE_IN_MESSAGE.search(message).group(1)
    client.post(reverse("portal:disabled_confirm", args=[application.public_id]), {"code": code})
    assert DisabledGrant.objects.get().confirmed_by_id == family.pk
    client.post(reverse("portal:submit", args=[application.public_id]), {"declaration": "on"})
    assert Application.objects.get().status == Status.SUBMITTED
