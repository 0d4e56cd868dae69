"""SMS through a pluggable gateway: settings.SMS_BACKEND is a dotted path to a class with `send(*, number, message, application)`.

Every message sent is recorded by the caller (cases.models.Notification, channel "sms"). The default backend
sends nothing (development, tests, and offices without a gateway): the record is all there is. A real gateway (an
operator's HTTP API) is a class with the same method, chosen by configuration; it raises when the message was not
accepted, and the delivery is tried again later.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from cases.models import Application

DEFAULT_SMS_BACKEND = "workflows.engine.sms.DatabaseSmsBackend"
logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, number: str, message: str, application: Application) -> None: ...


class DatabaseSmsBackend:
    """Keeps the message in the notification record instead of sending it."""

    def send(self, *, number: str, message: str, application: Application) -> None:
        logger.info("SMS for case %s kept in the database (no gateway configured)", application.number)


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "") or DEFAULT_SMS_BACKEND)()
