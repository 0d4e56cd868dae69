"""The programme admin: a change to the rules records a new version; rules that fail validation are refused on the
form, field by field; the versions are listed with what each changed."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cases.constants import ReviewLevel, Role
from cases.models import Programme, ProgrammeRules
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, district):
    user = make_user("site-admin", Role.ADMINISTRATOR, district)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client, user


def form_data(response) -> dict:
    """What the change form would post back unchanged: the programme's fields and the inline's management form."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, dict | list):
            value = json.dumps(value)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for index, inline_form in enumerate(formset.forms):
            data[f"{formset.prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{formset.prefix}-{index}-programme"] = inline_form.instance.programme_id
    return data


def test_saving_changed_rules_records_a_version_shown_with_its_diff(admin_client, programme):
    client, user = admin_client
    url = reverse("admin:cases_programme_change", args=[programme.pk])
    page = client.get(url)
    assert 'name="max_amount" value="30000.00"' in page.content.decode()  # the current version's rules on the form
    assert 'name="review_levels"' in page.content.decode()
    data = form_data(page)

    response = client.post(url, {**data, "max_amount": "20000.00", "publicity_days": "7"})

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    programme = Programme.objects.get(pk=programme.pk)
    version = programme.current_rules
    assert (version.number, version.created_by, version.max_amount, version.publicity_days) == (
        2,
        user,
        Decimal("20000.00"),
        7,
    )
    assert version.diff(programme.rules_versions.get(number=1)) == {
        "max_amount": (Decimal("30000.00"), Decimal("20000.00")),
        "publicity_days": (5, 7),
    }
    with translation.override("en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "max_amount: &quot;30000.00&quot; → &quot;20000.00&quot;" in page
    assert "publicity_days: 5 → 7" in page
    assert "first version" in page

    # saving again unchanged records nothing
    client.post(url, form_data(client.get(url)))
    assert ProgrammeRules.objects.filter(programme=programme).count() == 2


def test_rules_that_fail_validation_are_shown_on_the_form_and_nothing_is_recorded(admin_client, programme):
    client, _ = admin_client
    url = reverse("admin:cases_programme_change", args=[programme.pk])
    data = form_data(client.get(url))

    response = client.post(
        url,
        {**data, "review_levels": json.dumps([ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL])},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["review_levels"]
    assert errors["review_levels"] == [
        "Community acceptance, district review and approval are required; only the town level may be left out."
    ]
    assert ProgrammeRules.objects.filter(programme=programme).count() == 1
    assert Programme.objects.get(pk=programme.pk).current_rules.number == 1


def test_a_programme_added_in_the_admin_starts_at_version_one(admin_client, programme):
    client, user = admin_client
    data = form_data(client.get(reverse("admin:cases_programme_change", args=[programme.pk])))
    data = {key: value for key, value in data.items() if not key.startswith("rules_versions-")}
    data.update(
        {
            "code": "pilot",
            "name": "试点补贴",
            "case_prefix": "SD",
            "rules_versions-TOTAL_FORMS": "0",
            "rules_versions-INITIAL_FORMS": "0",
        }
    )

    response = client.post(reverse("admin:cases_programme_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    pilot = Programme.objects.get(code="pilot")
    assert (pilot.current_rules.number, pilot.current_rules.created_by, pilot.max_amount) == (1, user, Decimal("30000.00"))
