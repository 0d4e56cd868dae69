"""Notifications on status changes: portal, e-mail, and SMS through the pluggable gateway."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import Notification, OutboxItem, OutboxKind
from cases.services.locks import _Mark
from tests import lifecycle
from workflows.engine import steps as flow_services
from workflows.engine.outbox import outbox_redispatch

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
    settings.SMS_BACKEND = "tests.workflows.portal.test_notifications.RecordingGateway"
    SENT.clear()
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    _applicant_with_contacts(application)
    run_on_commit(flow_services.case_submit, application=application, by=user)
    assert SENT == [{"number": "13600000001", "message": SENT[0]["message"], "case": application.number}]
    assert application.number in SENT[0]["message"] and "已提交" in SENT[0]["message"]
    # every channel the message went out on is on record, once, with its address
    assert sorted(Notification.objects.values_list("channel", "address")) == [
        ("email", "a@example.cn"),
        ("portal", ""),
        ("sms", "13600000001"),
    ]
    assert [m.to for m in mail.outbox] == [["a@example.cn"]]
    assert OutboxItem.objects.get(application=application, kind=OutboxKind.NOTIFICATION).done_at is not None


def test_a_broken_gateway_does_not_undo_the_step_and_the_sms_goes_out_when_it_is_back(
    programme, community, rng, settings, run_on_commit
):
    # given an SMS gateway that is down when the case is submitted
    settings.SMS_BACKEND = "tests.workflows.portal.test_notifications.BrokenGateway"
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    _applicant_with_contacts(application)
    run_on_commit(flow_services.case_submit, application=application, by=user)

    # then the step stands, the portal copy and the e-mail went out, and the message stays owed with the error
    application.refresh_from_db()
    assert application.status == "submitted"
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "portal"]
    item = OutboxItem.objects.get(application=application, kind=OutboxKind.NOTIFICATION)
    assert (item.done_at, item.attempts, item.last_error) == (None, 1, "ConnectionError: gateway down")

    # when the gateway is back and the periodic re-dispatch runs after the grace period
    settings.SMS_BACKEND = "tests.workflows.portal.test_notifications.RecordingGateway"
    SENT.clear()
    later = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_GRACE_SECONDS + 1)
    assert outbox_redispatch(now=later) == 1

    # then only the missing SMS goes out; nothing is sent twice
    assert [s["number"] for s in SENT] == ["13600000001"]
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "portal", "sms"]
    assert len(mail.outbox) == 1
    item.refresh_from_db()
    assert item.done_at is not None and item.last_error == ""
    assert outbox_redispatch(now=later + dt.timedelta(hours=1)) == 0


def test_nothing_is_sent_when_the_step_rolls_back(programme, community, rng, django_capture_on_commit_callbacks):
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        flow_services.case_withdraw(application=application, by=user)
        with pytest.raises(Exception):  # noqa: B017 - any refusal
            flow_services.case_withdraw(application=application, by=user)
    # one dispatch after commit (the row-lock marks ride on the same list, doing nothing at commit: cases.services.locks)
    assert len([c for c in callbacks if not isinstance(c, _Mark)]) == 1
    assert Notification.objects.filter(application=application, channel="portal").count() == 1
