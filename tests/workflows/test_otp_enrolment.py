"""Second-factor enrolment needs a one-time code an administrator issued; wrong TOTP codes are throttled."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services as case_services
from cases.constants import Role
from cases.exceptions import PermissionDenied
from cases.models import AccessEvent, OtpEnrolmentCode
from tests.auth import current_code
from tests.workflows.portal.conftest import zh

pytestmark = pytest.mark.django_db

ENROL = "/finance/2fa/enrol/?next=/finance/"
USED = "This enrolment code has already been used. Ask an administrator for a new one."
EXPIRED = "This enrolment code has expired. Ask an administrator for a new one."
THROTTLED = "Too many wrong codes. Wait %(seconds)s seconds, then enter the code your app shows."


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1000000:06d}"


def test_without_a_code_no_secret_is_shown_and_nothing_is_created(client, staff):
    client.force_login(staff.finance_maker)
    page = client.get(ENROL)
    assert page.status_code == 200 and "otpauth://" not in page.content.decode()
    refused = client.post(ENROL, {"code": "AAAA-BBBB-CCCC-DDDD", "next": "/finance/"})
    assert refused.status_code == 400 and "otpauth://" not in refused.content.decode()
    assert zh("This enrolment code is not valid for your account.", html=True) in refused.content.decode()
    assert not TOTPDevice.objects.exists()
    assert AccessEvent.objects.get().kind == AccessEvent.Kind.OTP_CODE_REFUSED


def test_a_code_works_once_and_only_for_its_user(client, staff, capsys):
    call_command("otp_enrolment_code", staff.finance_maker.username)
    code = capsys.readouterr().out.split()[0]
    stored = OtpEnrolmentCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64 and stored.used_at is None
    # another finance officer cannot use it
    client.force_login(staff.finance_checker)
    assert client.post(ENROL, {"code": code, "next": "/finance/"}).status_code == 400
    # its user can, once: the secret is shown, the device confirmed with a first code
    client.force_login(staff.finance_maker)
    assert client.post(ENROL, {"code": code.lower(), "next": "/finance/"}).status_code == 302
    assert "otpauth://totp/" in client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=staff.finance_maker, confirmed=False)
    assert client.post(ENROL, {"token": current_code(device), "next": "/finance/"}).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    kinds = list(AccessEvent.objects.filter(user=staff.finance_maker).order_by("id").values_list("kind", flat=True))
    assert kinds == ["otp_code_issued", "otp_code_used", "otp_enrolled"]
    # a second enrolment with the same code (say the device was removed) is refused
    TOTPDevice.objects.all().delete()
    client.logout()
    client.force_login(staff.finance_maker)
    again = client.post(ENROL, {"code": code, "next": "/finance/"})
    assert again.status_code == 400 and zh(USED, html=True) in again.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_spent_code_that_was_not_confirmed_needs_a_new_code_in_another_session(client, staff):
    issued = case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=None)
    client.force_login(staff.finance_maker)
    client.post(ENROL, {"code": issued.code, "next": "/finance/"})
    # a new session (the password holder elsewhere) sees no secret and cannot reuse the code
    other = client.__class__()
    other.force_login(staff.finance_maker)
    assert "otpauth://" not in other.get(ENROL).content.decode()
    assert other.post(ENROL, {"code": issued.code, "next": "/finance/"}).status_code == 400


def test_an_expired_code_is_refused(client, staff):
    issued = case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=None, hours=24)
    client.force_login(staff.finance_maker)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, seconds=1), tick=False):
        response = client.post(ENROL, {"code": issued.code, "next": "/finance/"})
    assert response.status_code == 400 and zh(EXPIRED, html=True) in response.content.decode()
    assert OtpEnrolmentCode.objects.get().used_at is None and not TOTPDevice.objects.exists()


def test_a_new_code_replaces_the_earlier_one(client, staff):
    first = case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=None)
    second = case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=None)
    client.force_login(staff.finance_maker)
    assert client.post(ENROL, {"code": first.code, "next": "/finance/"}).status_code == 400
    assert client.post(ENROL, {"code": second.code, "next": "/finance/"}).status_code == 302


def test_only_an_administrator_issues_codes(staff, district):
    with pytest.raises(PermissionDenied):
        case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=staff.finance_checker)
    administrator = staff.finance_checker.__class__.objects.create_user(
        username="admin-b", password="x-long-password-1", role=Role.ADMINISTRATOR, org_unit=district
    )
    case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=administrator)
    event = AccessEvent.objects.get(kind=AccessEvent.Kind.OTP_CODE_ISSUED)
    assert (event.user, event.actor) == (staff.finance_maker, administrator)


def test_wrong_totp_codes_are_throttled_with_a_clear_message(client, staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # 1, 2, 4... seconds after each wrong code
    user = staff.finance_maker
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    url = reverse("finance:otp_verify")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.post(url, {"token": wrong(current_code(device)), "next": "/finance/"}).status_code == 400
        assert client.post(url, {"token": wrong(current_code(device)), "next": "/finance/"}).status_code == 429
        assert client.post(url, {"token": wrong(current_code(device)), "next": "/finance/"}).status_code == 429
    # one failure counted (the refused attempts were never tried): wait 1 s; the next wrong code makes it 2 s
    with time_machine.travel(start + dt.timedelta(seconds=1), tick=False):
        assert client.post(url, {"token": wrong(current_code(device)), "next": "/finance/"}).status_code == 400
        refused = client.post(url, {"token": current_code(device), "next": "/finance/"})
        assert refused.status_code == 429 and zh(THROTTLED, html=True, seconds=2) in refused.content.decode()
        assert not client.session.get("otp_device_id")
    with time_machine.travel(start + dt.timedelta(seconds=3), tick=False):
        assert client.post(url, {"token": current_code(device), "next": "/finance/"}).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0


def test_wrong_codes_at_enrolment_are_throttled_too(client, staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    issued = case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=None)
    client.force_login(staff.finance_maker)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(ENROL, {"code": issued.code, "next": "/finance/"})
        device = TOTPDevice.objects.get(user=staff.finance_maker)
        assert client.post(ENROL, {"token": wrong(current_code(device)), "next": "/finance/"}).status_code == 400
        refused = client.post(ENROL, {"token": current_code(device), "next": "/finance/"})
        assert refused.status_code == 429 and zh(THROTTLED, html=True, seconds=1) in refused.content.decode()
        assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
