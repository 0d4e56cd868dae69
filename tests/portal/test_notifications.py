"""Notifications on status changes: portal, e-mail, and SMS through the pluggable gateway."""

import pytest
from django.core import mail

from cases.models import Notification
from tests import lifecycle
from workflows import services as flow_services

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


class RecordingGateway:
    def send(self, *, number, message, application):
        SENT.append({"number": number, "message": message, "case": application.number})


class BrokenGateway:
    def send(self, *, number, message, application):
        raise ConnectionError("gateway down")


def _applicant_with_contacts(application):
    applicant = application.applicant
    applicant.mobile, applicant.email = "13600000001", "a@example.cn"
    applicant.save(update_fields=["mobile", "email"])


def test_sms_goes_through_the_configured_gateway(programme, community, rng, settings, run_on_commit):
    settings.SMS_BACKEND = "tests.portal.test_notifications.RecordingGateway"
    SENT.clear()
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    _applicant_with_contacts(application)
    run_on_commit(flow_services.case_submit, application=application, by=user)
    assert SENT == [{"number": "13600000001", "message": SENT[0]["message"], "case": application.number}]
    assert application.number in SENT[0]["message"] and "已提交" in SENT[0]["message"]
    # the recording gateway keeps nothing in the database; the portal copy and the e-mail are there
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "portal"]
    assert [m.to for m in mail.outbox] == [["a@example.cn"]]


def test_a_broken_gateway_does_not_undo_the_step(programme, community, rng, settings, run_on_commit):
    settings.SMS_BACKEND = "tests.portal.test_notifications.BrokenGateway"
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    _applicant_with_contacts(application)
    run_on_commit(flow_services.case_submit, application=application, by=user)
    application.refresh_from_db()
    assert application.status == "submitted"
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "portal"]


def test_nothing_is_sent_when_the_step_rolls_back(programme, community, rng, django_capture_on_commit_callbacks):
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        flow_services.case_withdraw(application=application, by=user)
        with pytest.raises(Exception):  # noqa: B017 - any refusal
            flow_services.case_withdraw(application=application, by=user)
    assert len(callbacks) == 1
    assert Notification.objects.filter(application=application, channel="portal").count() == 1
