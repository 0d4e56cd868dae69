"""SMS through a pluggable gateway: settings.SMS_BACKEND is a dotted path to a class with `send(*, number, message, application)`.

The default backend records each message in the database (cases.models.Notification, channel "sms"); a real gateway
(an operator's HTTP API) is a class with the same method, chosen by configuration.
"""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from cases.models import Application, Notification

DEFAULT_SMS_BACKEND = "workflows.portal.sms.DatabaseSmsBackend"


class SmsBackend(Protocol):
    def send(self, *, number: str, message: str, application: Application) -> None: ...


class DatabaseSmsBackend:
    """Records the message instead of sending it (development, tests, and offices without a gateway)."""

    def send(self, *, number: str, message: str, application: Application) -> None:
        Notification.objects.create(
            application=application, recipient=application.applicant.user, channel="sms", address=number, message=message
        )


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "") or DEFAULT_SMS_BACKEND)()
