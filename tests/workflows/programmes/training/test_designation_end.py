"""The district approver ends a provider's designation on the providers' page, with its reason: the organisation's
trail keeps it, the agent's portal page says so and offers no class form, a class posted anyway is refused with
the reason on the page. A second end, an empty reason and a district reviewer change nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import EmployerEvent
from cases.models.training import TrainingClass, TrainingProvider
from tests.auth import sign_in
from tests.cases.services.training import given

pytestmark = pytest.mark.django_db


def _trail(provider: TrainingProvider) -> list[tuple[str, str]]:
    return list(EmployerEvent.objects.filter(employer=provider.employer).order_by("id").values_list("action", "note"))


def test_the_district_ends_a_designation_and_the_provider_files_no_new_class(training_programme, community, staff):
    provider, agent = given.provider(1, community, staff.approver)
    approver = sign_in(Client(), staff.approver)
    end_url = reverse("training_provider_end", args=[provider.employer.public_id])
    page = approver.get(reverse("training_providers")).content.decode()
    assert f'action="{end_url}"' in page and "终止定点资格的原因" in page

    # an empty reason changes nothing
    response = approver.post(end_url, {"reason": "  "}, follow=True)
    assert "请填写终止定点资格的原因。" in response.content.decode()
    provider.refresh_from_db()
    assert provider.active is True

    # a district reviewer sees no form and may not end it
    reviewer = sign_in(Client(), staff.district_reviewer)
    assert f'action="{end_url}"' not in reviewer.get(reverse("training_providers")).content.decode()
    response = reviewer.post(end_url, {"reason": "违规"}, follow=True)
    assert "只有区级审批人可以终止定点资格。" in response.content.decode()
    provider.refresh_from_db()
    assert provider.active is True

    response = approver.post(end_url, {"reason": "年度考核不合格"}, follow=True)
    assert f"已终止示范培训学校1的定点资格（{provider.designation_number}）。" in response.content.decode()
    response = approver.post(end_url, {"reason": "再次终止"}, follow=True)
    assert "该机构的定点资格已经终止。" in response.content.decode()
    provider.refresh_from_db()
    assert provider.active is False
    assert _trail(provider) == [
        ("register", "示范培训学校1"),
        ("training_designate", provider.designation_number),
        ("training_designation_end", "年度考核不合格"),
    ]

    portal = sign_in(Client(), agent)
    page = portal.get(reverse("portal:training_home")).content.decode()
    assert "区里已终止本机构的定点资格，不能再申报新的培训班" in page
    assert 'name="teacher"' not in page
    with given.at(given.FILED):
        response = portal.post(
            reverse("portal:training_home"),
            {
                "plan": "SYB",
                "teacher": "陈老师",
                "starts_on": "2026-03-16",
                "ends_on": "2026-03-25",
                "place": "中心",
                "capacity": "20",
            },
        )
    assert response.status_code == 200
    assert TrainingClass.objects.count() == 0


def test_a_provider_is_told_when_the_programme_takes_no_new_class(training_programme, community, staff):
    _provider, agent = given.provider(1, community, staff.approver)
    training_programme.active = False
    training_programme.save(update_fields=["active"])

    page = sign_in(Client(), agent).get(reverse("portal:training_home")).content.decode()

    assert "创业培训补贴目前不受理新的培训班备案；已审批的培训班照常进行。" in page
    assert 'name="teacher"' not in page
