"""The portal's one pre-check page: every programme with its verdict, reasons and the way onward; the service window
when no open programme fits; accessible errors."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.models import BudgetEnvelope, Programme
from tests.workflows.portal.conftest import zh

pytestmark = pytest.mark.django_db


def _open(code: str) -> Programme:
    programme = Programme.objects.get(code=code)
    programme.active = True
    programme.save(update_fields=["active"])
    BudgetEnvelope.objects.get_or_create(
        programme=programme, year=timezone.localdate().year, org_unit=None, defaults={"amount": Decimal("100000")}
    )
    return programme


def _answers(**kwargs) -> dict:
    a_year_ago = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    return {
        "who": "person",
        "group": "disabled",
        "resident": "yes",
        "runs_business": "yes",
        "business_registered_on": a_year_ago,
        "hired": "",
        "syb_trained": "no",
        **kwargs,
    }


def _register_and_login(target: str) -> tuple[str, str]:
    return (
        f"{reverse('portal:register')}?{urlencode({'next': target})}",
        f"{reverse('portal:login')}?{urlencode({'next': target})}",
    )


def _verdict_html(page: str, kind: str) -> str:
    return re.search(
        rf'<li class="verdict[^"]*" id="verdict-{kind}">.*?</li>\s*(?=<li class="verdict|</ul>\s*</section>)', page, re.S
    ).group(0)


def test_the_page_asks_its_questions_in_fieldsets(client, programme):
    response = client.get(reverse("portal:precheck"))
    page = response.content.decode()
    assert response.status_code == 200
    for question in ("Who are you?", "If you apply as a person: which group do you belong to?"):
        assert f"<legend>{zh(question)}</legend>" in page
    assert '<label for="id_business_registered_on">' in page
    # the window is there before any answer too
    assert settings.SERVICE_WINDOW_ADDRESS in page


def test_a_disabled_entrepreneur_sees_every_programme_and_the_household_grant_onward(client, programme):
    _open("disabled")
    response = client.post(reverse("portal:precheck"), _answers())
    page = response.content.decode()
    outcomes = {row["row"].kind: row["row"].verdict.outcome for row in response.context["rows"]}
    assert outcomes == {
        "startup": "no",
        "social_insurance": "closed",
        "disabled": "yes",
        "venture": "closed",
        "loan": "yes",
        "training": "closed",
    }
    disabled = _verdict_html(page, "disabled")
    assert zh("You may apply") in disabled
    assert zh("You hold a disability certificate, live in the district and run a business.") in disabled
    register, login = _register_and_login("/portal/programmes/disabled/apply/")
    assert f'href="{register.replace("&", "&amp;")}"' in disabled and f'href="{login}"' in disabled
    # the start-up subsidy says why not, with no link
    startup = _verdict_html(page, "startup")
    assert zh("Not for you") in startup and "href" not in startup
    assert 'id="no-programme"' not in page


def test_a_signed_in_applicant_goes_straight_to_the_form(portal_client, programme):
    response = portal_client.post(reverse("portal:precheck"), _answers(group="unemployed", syb_trained="yes"))
    page = response.content.decode()
    assert 'href="/portal/programmes/startup/apply/"' in _verdict_html(page, "startup")
    assert 'href="/portal/programmes/loan/apply/"' in _verdict_html(page, "loan")


def test_an_employer_is_led_to_the_employers_pages(client, programme):
    _open("social-insurance")
    response = client.post(reverse("portal:precheck"), _answers(who="employer", group="", hired="4"))
    page = response.content.decode()
    social = _verdict_html(page, "social_insurance")
    register, _login = _register_and_login("/portal/employers/")
    assert zh("You may apply") in social and f'href="{register.replace("&", "&amp;")}"' in social


def test_a_group_no_open_programme_takes_gets_the_window(client, programme):
    answers = _answers(group="ex_serviceman", runs_business="no", business_registered_on="", syb_trained="yes")
    response = client.post(reverse("portal:precheck"), answers)
    page = response.content.decode()
    assert response.context["result"].needs_window
    assert 'id="no-programme"' in page
    for value in (settings.SERVICE_WINDOW_ADDRESS, settings.SERVICE_PHONE, settings.SERVICE_WINDOW_HOURS):
        assert value in page
    assert f'href="tel:{settings.SERVICE_PHONE}"' in page


def test_a_programmes_own_link_opens_the_same_page_naming_it(client, programme):
    response = client.post(reverse("portal:check", args=["startup"]), _answers(group="unemployed"))
    assert response.context["came_for"] == programme
    assert zh("(the programme you came for)") in _verdict_html(response.content.decode(), "startup")
    assert client.get(reverse("portal:check", args=["nothing-such"])).status_code == 404


def test_missing_answers_are_named_and_linked_to_their_questions(client, programme):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("portal:precheck"),
        {"who": "person", "group": "graduate", "runs_business": "yes", "business_registered_on": future},
    )
    page = response.content.decode()
    form = response.context["form"]
    assert response.context["result"] is None
    assert form.errors["graduated_on"] == [zh("Enter the date on your graduation certificate.")]
    assert form.errors["business_registered_on"] == [zh("The date lies in the future.")]
    assert set(form.errors) == {"resident", "syb_trained", "graduated_on", "business_registered_on"}
    # each error is read with its field: a fieldset or an input described by its error list
    assert '<fieldset aria-describedby="id_resident_error">' in page
    assert re.search(r'<input[^>]*aria-describedby="id_graduated_on_error"[^>]*id="id_graduated_on"', page)
    assert 'id="id_graduated_on_error"' in page
    # a person who leaves the group out is asked for it
    response = client.post(reverse("portal:precheck"), _answers(group=""))
    assert response.context["form"].errors == {"group": [zh("Choose your group, or “None of these”.")]}
