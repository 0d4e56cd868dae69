"""The provider's portal pages (创业培训补贴): the agent files a class, the district reviewer approves it on the staff
page, the agent files the roster (the refused rows shown with their reasons, nothing saved), records the results
and claims; the agent of another provider gets 404 on the class. Calendar: tests/cases/services/training/given.py."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from cases.constants import Role
from cases.models import EmployerEvent
from cases.models.training import ClassStatus, TrainingClaim, TrainingClass
from tests.auth import sign_in
from tests.cases.services.training import given
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

A, B = given.citizen_id(21), given.citizen_id(23)


def test_a_provider_files_a_class_and_its_roster_results_and_claim_in_the_portal(training_programme, community, staff):
    provider, agent = given.provider(1, community, staff.approver)
    _other, other_agent = given.provider(2, community, staff.approver)
    client = sign_in(Client(), agent)
    with given.at(given.FILED):
        response = client.post(
            reverse("portal:training_home"),
            {
                "plan": "SYB创业培训",
                "teacher": "陈老师",
                "starts_on": "2026-03-16",
                "ends_on": "2026-03-25",
                "place": "创业服务中心",
                "capacity": "20",
            },
        )
    training_class = TrainingClass.objects.get()
    class_url = reverse("portal:training_class", args=[training_class.public_id])
    assert (response.status_code, response["Location"]) == (302, class_url)

    reviewer = sign_in(Client(), staff.district_reviewer)
    assert training_class.number in reviewer.get(reverse("training_classes")).content.decode()
    with given.at(given.APPROVED):
        reviewer.post(reverse("training_class_decide", args=[training_class.public_id]), {"decision": "approve"})
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.APPROVED

    with given.at(given.ENDS + dt.timedelta(days=1)):
        roster = given.roster_csv([(A, "王一", 100), (B, "王二", 60)])
        page = client.post(class_url, {"action": "roster", "file": _file(roster)}).content.decode()
        assert "第 3 行：出勤率 60 % 低于本项目的最低要求 80 %" in page
        assert training_class.trainees.count() == 0
        client.post(class_url, {"action": "roster", "file": _file(given.roster_csv([(A, "王一", 100)]))})
        client.post(class_url, {"action": "results", "passed": "2"})
        client.post(class_url, {"action": "claim"})
    page = client.get(class_url).content.decode()
    certificate = training_class.trainees.get().certificate
    assert certificate.number in page
    assert TrainingClaim.objects.get().rows.count() == 1
    assert Client().get(reverse("training_certificate_verify", args=[certificate.token])).status_code == 200

    assert sign_in(Client(), other_agent).get(class_url).status_code == 404


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("roster.csv", content, content_type="text/csv")


def test_a_window_officer_files_a_class_for_a_provider_of_the_town(training_programme, community, other_town_community, staff):
    first, _agent = given.provider(1, community, staff.approver)
    second, _agent2 = given.provider(2, community, staff.approver)
    far, _agent3 = given.provider(3, other_town_community, staff.approver)
    officer = make_user("window", Role.COMMUNITY_OFFICER, community)
    client = sign_in(Client(), officer)
    page = client.get(reverse("portal:training_home")).content.decode()
    # the providers of the officer's town to choose from, not the other town's
    assert "您正在窗口为本街道的培训机构代办" in page
    assert f'<option value="{second.pk}">示范培训学校2 ({second.designation_number})</option>' in page
    assert "示范培训学校3" not in page
    values = {
        "plan": "SYB创业培训",
        "teacher": "陈老师",
        "starts_on": "2026-03-16",
        "ends_on": "2026-03-25",
        "place": "创业服务中心",
        "capacity": "20",
    }
    with given.at(given.FILED):
        refused = client.post(reverse("portal:training_home"), {**values, "provider": str(far.pk)})
        assert refused.status_code == 200 and TrainingClass.objects.count() == 0
        response = client.post(reverse("portal:training_home"), {**values, "provider": str(second.pk)})
    training_class = TrainingClass.objects.get()
    assert (response.status_code, training_class.provider) == (302, second)
    event = EmployerEvent.objects.get(employer=second.employer, action="training_class_file")
    assert (event.actor_name, event.at_window, event.note) == ("window", True, training_class.number)
    assert first.classes.count() == 0
