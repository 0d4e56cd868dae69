"""Sign-in throttling on the staff, portal and admin login pages; unlock by an administrator; each login page
refuses the other kind of account. Lock-outs live in the database (AccessEvent), so the clock is travelled."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.constants import Role
from cases.exceptions import PermissionDenied
from cases.models import AccessEvent
from tests.conftest import make_user
from tests.workflows.portal.conftest import zh

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.conftest.make_user
APPLICANT_PASSWORD = "Long-enough-pass-2026"
STAFF_LOGIN = "/accounts/login/"
ACCOUNT_LOCKED = (
    "Too many failed attempts for this account. Try again in %(minutes)s minutes or ask an administrator to unlock it."
)
ADDRESS_LOCKED = "Too many failed sign-in attempts from your address. Try again in %(minutes)s minutes."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    settings.LOGIN_LOCKOUT_SECONDS = 900
    settings.LOGIN_CLIENT_ADDRESS_HEADER = ""


@pytest.fixture
def reviewer(community):
    return make_user("reviewer-a", Role.TOWN_REVIEWER, community.parent)


@pytest.fixture
def administrator(district):
    return make_user("admin-a", Role.ADMINISTRATOR, district)


def attempt(client, username, password, url=STAFF_LOGIN, address="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_is_refused_after_five_failures_until_the_lock_expires(client, reviewer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert attempt(client, "reviewer-a", "wrong-password").status_code == 200
        fifth = attempt(client, "reviewer-a", "wrong-password")
        assert fifth.status_code == 429
        assert zh(ACCOUNT_LOCKED, html=True, minutes=15) in fifth.content.decode()
        refused = attempt(client, "reviewer-a", PASSWORD)
        assert refused.status_code == 429 and not signed_in(client)
    # the lock is one row, audited with its end; four failures and no success before it
    lock = AccessEvent.objects.get(kind=AccessEvent.Kind.LOCKED_OUT)
    assert (lock.scope, lock.username, lock.address, lock.user) == ("account", "reviewer-a", "10.0.0.1", reviewer)
    assert lock.until == start + dt.timedelta(seconds=900)
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.LOGIN_FAILED).count() == 5
    # case does not matter: the same account
    with time_machine.travel(start + dt.timedelta(seconds=899), tick=False):
        assert attempt(client, "Reviewer-A", PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(seconds=901), tick=False):
        response = attempt(client, "reviewer-a", PASSWORD)
        assert response.status_code == 302 and signed_in(client)
        client.logout()
        # the failures before the lock no longer count: one more wrong password does not lock again
        assert attempt(client, "reviewer-a", "wrong-password").status_code == 200
        assert attempt(client, "reviewer-a", PASSWORD).status_code == 302


def test_failures_older_than_the_window_and_before_a_success_do_not_count(client, reviewer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            attempt(client, "reviewer-a", "wrong-password")
    with time_machine.travel(start + dt.timedelta(seconds=901), tick=False):
        for _ in range(4):
            assert attempt(client, "reviewer-a", "wrong-password").status_code == 200
        assert attempt(client, "reviewer-a", PASSWORD).status_code == 302
        client.logout()
    with time_machine.travel(start + dt.timedelta(seconds=902), tick=False):
        for _ in range(4):
            assert attempt(client, "reviewer-a", "wrong-password").status_code == 200
        assert attempt(client, "reviewer-a", PASSWORD).status_code == 302
    assert not AccessEvent.objects.filter(kind=AccessEvent.Kind.LOCKED_OUT).exists()


def test_an_administrator_unlocks_and_it_is_audited(client, reviewer, administrator):
    for _ in range(5):
        attempt(client, "reviewer-a", "wrong-password")
    assert attempt(client, "reviewer-a", PASSWORD).status_code == 429
    # not every staff member may unlock
    with pytest.raises(PermissionDenied):
        case_services.login_unlock(actor=reviewer, username="reviewer-a")
    assert attempt(client, "reviewer-a", PASSWORD).status_code == 429

    call_command("login_unlock", "reviewer-a", "--by", "admin-a")
    unlock = AccessEvent.objects.get(kind=AccessEvent.Kind.UNLOCKED)
    assert (unlock.scope, unlock.username, unlock.user, unlock.actor, unlock.note) == (
        "account",
        "reviewer-a",
        reviewer,
        administrator,
        "manage.py login_unlock",
    )
    assert attempt(client, "reviewer-a", PASSWORD).status_code == 302


def test_the_admin_action_unlocks_the_selected_lock_out(client, reviewer, administrator):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    for _ in range(5):
        attempt(client, "reviewer-a", "wrong-password", address="10.0.0.9")
    lock = AccessEvent.objects.get(kind=AccessEvent.Kind.LOCKED_OUT)
    admin_client = client.__class__()
    admin_client.force_login(administrator)
    response = admin_client.post(
        reverse("admin:cases_accessevent_changelist"), {"action": "unlock", "_selected_action": [lock.pk]}
    )
    assert response.status_code == 302
    unlock = AccessEvent.objects.get(kind=AccessEvent.Kind.UNLOCKED)
    assert (unlock.username, unlock.actor, unlock.note) == ("reviewer-a", administrator, "admin")
    assert attempt(client, "reviewer-a", PASSWORD, address="10.0.0.9").status_code == 302


def test_the_command_needs_a_name_or_an_address():
    with pytest.raises(CommandError):
        call_command("login_unlock")
    assert not AccessEvent.objects.exists()


def test_twenty_failures_from_one_address_lock_that_address_for_every_account(client, community):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(19):  # a different name each time: no account reaches its own limit
            assert attempt(client, f"nobody-{n}", "wrong-password", address="10.0.0.7").status_code == 200
        assert attempt(client, "nobody-19", "wrong-password", address="10.0.0.7").status_code == 429
        locks = AccessEvent.objects.filter(kind=AccessEvent.Kind.LOCKED_OUT)
        assert [(lock.scope, lock.address) for lock in locks] == [("address", "10.0.0.7")]
        make_user("reviewer-b", Role.TOWN_REVIEWER, community.parent)
        refused = attempt(client, "reviewer-b", PASSWORD, address="10.0.0.7")
        assert refused.status_code == 429 and not signed_in(client)
        assert zh(ADDRESS_LOCKED, html=True, minutes=15) in refused.content.decode()
        # another address is not affected
        assert attempt(client, "reviewer-b", PASSWORD, address="10.0.0.8").status_code == 302
        client.logout()
        # a success does not reset the address count; the administrator unlocks the address
        call_command("login_unlock", "--address", "10.0.0.7")
        assert attempt(client, "reviewer-b", PASSWORD, address="10.0.0.7").status_code == 302


def test_the_address_comes_from_the_proxy_header_when_configured(client, reviewer, settings):
    settings.LOGIN_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    client.post(STAFF_LOGIN, {"username": "reviewer-a", "password": "x"}, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert AccessEvent.objects.get().address == "203.0.113.5"


def test_the_admin_login_is_throttled_too(client, administrator):
    administrator.is_staff = True
    administrator.save()
    url = reverse("admin:login")
    for _ in range(5):
        attempt(client, "admin-a", "wrong-password", url=url)
    response = attempt(client, "admin-a", PASSWORD, url=url)
    assert zh(ACCOUNT_LOCKED, html=True, minutes=15) in response.content.decode()
    assert not signed_in(client)


def test_staff_sign_in_only_on_the_staff_page_and_applicants_only_on_the_portal(client, reviewer, programme):
    applicant = case_services.applicant_user_register(login="13800138001", password=APPLICANT_PASSWORD)
    # the portal refuses a staff account (right password), in Chinese
    response = attempt(client, "reviewer-a", PASSWORD, url=reverse("portal:login"))
    assert response.status_code == 200 and not signed_in(client)
    message = "Staff accounts cannot sign in on the applicant portal. Use the staff sign-in page."
    assert zh(message, html=True) in response.content.decode()
    # the staff page refuses an applicant account
    response = attempt(client, applicant.username, APPLICANT_PASSWORD)
    assert response.status_code == 200 and not signed_in(client)
    message = "This sign-in page is for staff. Applicants sign in on the applicant portal."
    assert zh(message, html=True) in response.content.decode()
    # each on its own page works; a refusal for the wrong page is no failed password
    assert attempt(client, "reviewer-a", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, applicant.username, APPLICANT_PASSWORD, url=reverse("portal:login")).status_code == 302
    assert not AccessEvent.objects.exists()


def test_one_failure_can_lock_both_the_account_and_the_address(client, reviewer, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    for _ in range(5):
        attempt(client, "reviewer-a", "wrong-password", address="10.0.0.3")
    locks = AccessEvent.objects.filter(kind=AccessEvent.Kind.LOCKED_OUT).order_by("id")
    assert [(lock.scope, lock.username, lock.address) for lock in locks] == [
        ("account", "reviewer-a", "10.0.0.3"),
        ("address", "reviewer-a", "10.0.0.3"),
    ]
    # unlocking the account leaves the address locked
    call_command("login_unlock", "reviewer-a")
    assert attempt(client, "reviewer-a", PASSWORD, address="10.0.0.3").status_code == 429
    assert attempt(client, "reviewer-a", PASSWORD, address="10.0.0.4").status_code == 302
