"""SMS through a pluggable gateway: settings.SMS_BACKEND is a dotted path to a class with `send(*, number, message, application)`.

Every message about a case is recorded by the caller (cases.models.Notification, channel "sms"). A message that
belongs to no case (`application` is None: a verification code) is not recorded by the caller, as it holds the code
in clear. The default backend sends nothing (development, tests, the demonstration, and offices without a
gateway): the notification record is all there is, and it keeps the messages without a case in cases.models.SmsLog. A real gateway (an
operator's HTTP API) is a class with the same method, chosen by configuration; it raises when the message was not
accepted, and the delivery is tried again later.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.exceptions import DomainError
from cases.models import Application, SmsLog

DEFAULT_SMS_BACKEND = "workflows.engine.sms.DatabaseSmsBackend"
logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, number: str, message: str, application: Application | None) -> None: ...


class DatabaseSmsBackend:
    """Keeps the message in the database instead of sending it: in the notification record for a case, in the
    SMS log otherwise."""

    def send(self, *, number: str, message: str, application: Application | None) -> None:
        if application is None:
            SmsLog.objects.create(number=number, message=message)
            logger.info("SMS without a case kept in the SMS log (no gateway configured)")
            return
        logger.info("SMS for case %s kept in the database (no gateway configured)", application.number)


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "") or DEFAULT_SMS_BACKEND)()


def verification_code_send(*, mobile: str, purpose: str = "register") -> None:
    """Issue a verification code for the number (cases.services.sms_codes: the resend limits) and send it. Refused
    with a DomainError (nothing sent) within the limits; a gateway that does not accept the message is reported
    as a DomainError too, the code it carried unused."""
    code = case_services.sms_code_issue(mobile=mobile, purpose=purpose)
    message = _("Your verification code is %(code)s. It is valid for %(minutes)s minutes. Do not tell it to anyone.") % {
        "code": code,
        "minutes": case_services.sms_code_valid_minutes(),
    }
    try:
        sms_backend().send(number=mobile, message=message, application=None)
    except Exception:
        logger.exception("The verification code could not be sent")
        raise DomainError(_("The text message could not be sent. Try again in a minute.")) from None


def proxy_confirmation_send(*, application: Application, by) -> str:
    """Send the applicant of a case filed for them (代办) the code that confirms it; returns the number it went to.
    The code is not recorded with the case (it is in clear): the message belongs to no case."""
    mobile, code = case_services.disabled_confirmation_issue(application=application, by=by)
    message = _(
        "%(name)s is filing the application %(number)s (%(programme)s) for you. If you agree, give them the code "
        "%(code)s. It is valid for %(minutes)s minutes. If you did not ask for this, do not give the code."
    ) % {
        "name": application.disabled_grant.proxy_name,
        "number": application.number,
        "programme": application.programme.name,
        "code": code,
        "minutes": case_services.sms_code_valid_minutes(),
    }
    try:
        sms_backend().send(number=mobile, message=message, application=None)
    except Exception:
        logger.exception("The confirmation code could not be sent")
        raise DomainError(_("The text message could not be sent. Try again in a minute.")) from None
    return mobile
