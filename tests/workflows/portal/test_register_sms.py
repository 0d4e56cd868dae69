"""Registration confirms the mobile number by an SMS code (kept by the database SMS backend in the SMS log), with
resend limits, a validity of ten minutes and five tries; registration and the real-name binding return to the page
the visitor was going to, and the pre-check's answers fill in the filing form."""

import datetime as dt
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse

from cases import services as case_services
from cases.models import SmsCode, SmsLog, User
from cases.synthetic import citizen_id
from tests.parallel import run_in_threads
from tests.workflows.portal.conftest import PASSWORD, register_by_sms, sms_code_from_log, zh

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
MOBILE = "13912345678"
APPLY = "/portal/programmes/startup/apply/"


def _send(client, mobile: str = MOBILE):
    return client.post(reverse("portal:register"), {"action": "send", "mobile": mobile})


def _register(client, code: str, mobile: str = MOBILE):
    data = {"action": "register", "mobile": mobile, "code": code, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("portal:register"), data)


def _page(response) -> str:
    return response.content.decode()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _at(seconds: int):
    return time_machine.travel(START + dt.timedelta(seconds=seconds), tick=False)


# --- the code --------------------------------------------------------------------------------------------------


def test_the_code_is_texted_kept_hashed_and_valid_ten_minutes(client):
    # given a visitor on the registration page
    with _at(0):
        # when they ask for a code
        response = _send(client)
    # then one text message is kept in the SMS log with a six-digit code, valid 10 minutes
    assert response.status_code == 302 and response.url == reverse("portal:register")
    log = SmsLog.objects.get()
    code = sms_code_from_log(MOBILE)
    assert (log.number, log.message) == (
        MOBILE,
        zh(
            "Your verification code is %(code)s. It is valid for %(minutes)s minutes. Do not tell it to anyone.",
            code=code,
            minutes=10,
        ),
    )
    row = SmsCode.objects.get()
    assert (row.mobile, row.purpose, row.attempts, row.used_at, row.void_at) == (MOBILE, "register", 0, None, None)
    assert (row.created_at, row.expires_at) == (START, START + dt.timedelta(minutes=10))
    assert code not in row.code_hash and len(row.code_hash) == 64
    # and the page now asks for the code, the mobile number filled in
    with _at(1):
        page = _page(client.get(reverse("portal:register")))
    assert (
        zh("A verification code was sent to %(mobile)s. It is valid for %(minutes)s minutes.", mobile=MOBILE, minutes=10) in page
    )
    assert 'name="code"' in page and f'value="{MOBILE}"' in page


def test_registration_cannot_complete_without_the_code(client):
    with _at(0):
        _send(client)
        response = _register(client, "")
    assert response.status_code == 200
    assert zh("Enter the verification code sent to your mobile number.", html=True) in _page(response)
    assert not User.objects.exists()
    assert SmsCode.objects.get().attempts == 0


def test_the_right_code_creates_the_account_once(client):
    with _at(0):
        _send(client)
    with _at(599):
        response = _register(client, sms_code_from_log(MOBILE))
    assert response.status_code == 302 and response.url == reverse("portal:bind")
    user = User.objects.get()
    assert (user.username, user.mobile, user.role) == (MOBILE, MOBILE, "applicant")
    assert SmsCode.objects.get().used_at == START + dt.timedelta(seconds=599)


def test_an_expired_code_is_refused_and_nothing_changes(client):
    with _at(0):
        _send(client)
    with _at(600):
        response = _register(client, sms_code_from_log(MOBILE))
    assert response.status_code == 200
    message = zh("The code has expired (it is valid for %(minutes)s minutes). Request a new code.", minutes=10)
    assert message in _page(response)
    assert not User.objects.exists()
    assert SmsCode.objects.filter(used_at=None, attempts=0).count() == 1


def test_five_wrong_codes_void_the_code_until_a_new_one_is_requested(client):
    with _at(0):
        _send(client)
    code = sms_code_from_log(MOBILE)
    # when the wrong code is entered four times, each try is counted and the tries left are named
    for left in (4, 3, 2, 1):
        with _at(10):
            response = _register(client, _wrong(code))
        assert zh("The code is wrong. %(left)s tries left.", left=left) in _page(response)
    # the fifth wrong try voids the code: the right code no longer helps
    void = zh("The code was entered wrongly %(count)s times and is no longer valid. Request a new code.", count=5)
    with _at(11):
        response = _register(client, _wrong(code))
    assert void in _page(response)
    with _at(12):
        response = _register(client, code)
    assert void in _page(response)
    assert not User.objects.exists()
    row = SmsCode.objects.get()
    assert (row.attempts, row.used_at, row.void_at) == (5, None, START + dt.timedelta(seconds=11))
    # a new code works
    with _at(60):
        _send(client)
        response = _register(client, sms_code_from_log(MOBILE))
    assert response.status_code == 302 and User.objects.filter(mobile=MOBILE).exists()


def test_a_new_code_voids_the_previous_one(client):
    with _at(0):
        _send(client)
    first = sms_code_from_log(MOBILE)
    with _at(60):
        _send(client)
    second = sms_code_from_log(MOBILE)
    assert SmsCode.objects.filter(void_at=START + dt.timedelta(seconds=60)).count() == 1
    with _at(61):
        if first != second:
            response = _register(client, first)
            assert zh("The code is wrong. %(left)s tries left.", left=4) in _page(response)
        response = _register(client, second)
    assert response.status_code == 302


def test_a_resend_too_soon_is_refused_and_nothing_is_sent(client):
    with _at(0):
        _send(client)
    with _at(59):
        response = _send(client)
    assert response.status_code == 200
    message = "A code was sent to this number a moment ago. You may request a new one in %(seconds)s seconds."
    assert zh(message, html=True, seconds=1) in _page(response)
    assert (SmsLog.objects.count(), SmsCode.objects.count()) == (1, 1)
    with _at(60):
        assert _send(client).status_code == 302
    assert (SmsLog.objects.count(), SmsCode.objects.count()) == (2, 2)


def test_at_most_five_codes_an_hour_per_number(client, settings):
    for minute in range(5):
        with _at(60 * minute):
            assert _send(client).status_code == 302
    with _at(60 * 5):
        response = _send(client)
    message = "%(count)s codes were sent to this number within an hour. Request a new one after %(time)s."
    assert zh(message, html=True, count=5, time="10:00") in _page(response)
    assert SmsLog.objects.count() == 5
    # the first code leaves the hour at 10:00 Shanghai time: one more may be sent then
    with _at(3600):
        assert _send(client).status_code == 302
    assert SmsLog.objects.count() == 6


def test_the_limits_are_configurable(client, settings):
    settings.SMS_CODE_RESEND_SECONDS = 0
    settings.SMS_CODES_PER_HOUR = 2
    with _at(0):
        assert _send(client).status_code == 302
        assert _send(client).status_code == 302
        response = _send(client)
    assert response.status_code == 200 and SmsLog.objects.count() == 2


def test_a_registered_number_gets_no_code(client):
    case_services.applicant_user_register(login=MOBILE, password=PASSWORD)
    response = _send(client)
    assert zh("An account with this mobile number already exists. Log in instead.", html=True) in _page(response)
    assert (SmsLog.objects.count(), SmsCode.objects.count()) == (0, 0)


def test_a_bad_mobile_number_gets_no_code(client):
    response = _send(client, "1234")
    assert zh("Enter an 11-digit mobile number starting with 1.", html=True) in _page(response)
    assert (SmsLog.objects.count(), SmsCode.objects.count()) == (0, 0)


class RefusingGateway:
    def send(self, *, number, message, application):
        raise ConnectionError("gateway down")


def test_a_gateway_that_refuses_the_message_is_reported(client, settings):
    settings.SMS_BACKEND = f"{__name__}.RefusingGateway"
    response = _send(client)
    assert zh("The text message could not be sent. Try again in a minute.", html=True) in _page(response)
    assert SmsLog.objects.count() == 0


# --- where the visitor was going, and the pre-check's answers ----------------------------------------------------


PRECHECK_ANSWERS = {
    "who": "person",
    "group": "unemployed",
    "resident": "yes",
    "runs_business": "yes",
    "hired": "2",
    "syb_trained": "no",
}


def _precheck(client, programme, registered_on: dt.date):
    answers = {**PRECHECK_ANSWERS, "business_registered_on": registered_on.isoformat()}
    response = client.post(reverse("portal:check", args=[programme.code]), answers)
    startup = next(row for row in response.context["result"].verdicts if row.kind == "startup")
    assert startup.verdict.outcome == "yes"
    return response


def test_precheck_register_bind_then_the_filing_form_is_filled_in(client, programme, community, rng):
    registered_on = dt.date(2024, 5, 6)
    # given an anonymous visitor who passed the pre-check
    page = _page(_precheck(client, programme, registered_on))
    register_url = reverse("portal:register") + "?" + urlencode({"next": APPLY})
    assert f'href="{register_url.replace("&", "&amp;")}"' in page
    # when they register from there (next = the application form)
    response = register_by_sms(client, "13911110000", next_url=APPLY)
    # then the binding comes next, still going to the application form
    assert response.status_code == 302 and response.url == reverse("portal:bind") + "?" + urlencode({"next": APPLY})
    response = client.post(response.url, {"name": "李四", "kind": "person", "identifier": citizen_id(rng)})
    assert response.status_code == 302 and response.url == APPLY
    # and the form shows the pre-check's category, not asking again
    response = client.get(APPLY)
    assert response.context["form"].initial["category"] == "unemployed"
    assert '<option value="unemployed" selected>' in _page(response)
    assert zh("Filled in from your eligibility check. Change an answer only if it was wrong.") in _page(response)
    # and the business step the date of registration given in the pre-check
    data = {
        "community": community.pk,
        "category": "unemployed",
        "bank_name": "中国农业银行余杭支行",
        "bank_account_name": "李四",
        "bank_account_number": "6228480012345678901",
    }
    response = client.post(APPLY, data)
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.context["form"].initial["business_registered_on"] == registered_on
    assert 'value="2024-05-06"' in _page(response), re.search(r"<input[^>]*business_registered_on[^>]*>", _page(response))
    # and the jobs created: the two people hired and the applicant
    assert response.context["form"].initial["jobs_created"] == 3
    assert 'value="3"' in _page(response), re.search(r"<input[^>]*jobs_created[^>]*>", _page(response))
    # and the pre-check itself shows the answers when visited again
    response = client.get(reverse("portal:precheck"))
    assert response.context["form"].initial == {
        **PRECHECK_ANSWERS,
        "business_registered_on": registered_on,
        "hired": 2,
    }


def test_login_of_an_unbound_account_returns_through_the_binding(client, programme, rng):
    user = case_services.applicant_user_register(login="13911112222", password=PASSWORD)
    _precheck(client, programme, dt.date(2024, 5, 6))
    # an anonymous visitor is sent to the login page on the way to the form
    assert client.get(APPLY).url == f"{reverse('portal:login')}?next={APPLY}"
    response = client.post(
        reverse("portal:login") + "?next=" + APPLY, {"username": user.username, "password": PASSWORD, "next": APPLY}
    )
    assert response.status_code == 302 and response.url == APPLY
    response = client.get(APPLY)
    assert response.url == reverse("portal:bind") + "?" + urlencode({"next": APPLY})
    response = client.post(response.url, {"name": "王五", "kind": "person", "identifier": citizen_id(rng)})
    assert response.url == APPLY
    assert client.get(APPLY).context["form"].initial["category"] == "unemployed"


def test_the_answers_are_kept_in_the_session_across_a_login(client, programme, bound_user):
    _precheck(client, programme, dt.date(2024, 5, 6))
    client.force_login(bound_user)  # a login keeps the session's data
    session = client.session["portal_precheck"]
    assert session == {**PRECHECK_ANSWERS, "business_registered_on": "2024-05-06", "hired": 2}


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/portal/", "//evil.example/portal/", "/\\evil.example/portal/", "javascript:alert(1)", "/admin/"],
)
def test_an_unsafe_next_is_refused_after_registration_and_binding(client, programme, rng, unsafe):
    response = register_by_sms(client, "13911113333", next_url=unsafe)
    assert response.status_code == 302 and response.url == reverse("portal:bind")
    response = client.post(
        reverse("portal:bind") + "?" + urlencode({"next": unsafe}),
        {"name": "赵六", "kind": "person", "identifier": citizen_id(rng)},
    )
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert unsafe not in _page(client.get(reverse("portal:register") + "?" + urlencode({"next": unsafe})))


# --- two checks at once -----------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer")
def test_two_checks_of_one_code_at_once_spend_it_once():
    code = case_services.sms_code_issue(mobile=MOBILE)

    def check(_index: int):
        with transaction.atomic():
            return case_services.sms_code_check(mobile=MOBILE, code=code)

    for _round in range(5):
        results = run_in_threads(2, check)
        assert sorted(results, key=lambda r: r is not None) == [None, zh("This code has been used already. Request a new code.")]
        SmsCode.objects.update(used_at=None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer")
def test_two_registrations_with_one_code_at_once_create_one_account():
    code = case_services.sms_code_issue(mobile=MOBILE)

    def register(_index: int):
        return case_services.applicant_user_register_confirmed(mobile=MOBILE, code=code, password=PASSWORD)

    results = run_in_threads(2, register)
    assert sorted(type(r).__name__ for r in results) in (["SmsCodeRefused", "User"], ["DomainError", "User"])
    assert User.objects.filter(mobile=MOBILE).count() == 1
    assert re.fullmatch(r"\d{6}", code)
