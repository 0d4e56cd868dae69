"""Tell the applicant about every status change: in the portal, by e-mail and by SMS.

One place: workflows.services calls notify_status_change after each step; the messages go out after commit,
so a rolled-back step tells nobody.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases.constants import Status
from cases.models import Application, Notification
from workflows.portal.sms import sms_backend

logger = logging.getLogger(__name__)


def notify_status_change(*, application: Application) -> None:
    application_id = application.pk
    transaction.on_commit(lambda: notification_send(application_id=application_id))


def status_message(application: Application) -> str:
    return _("Case %(number)s (%(programme)s) is now: %(status)s.") % {
        "number": application.number,
        "programme": application.programme.name,
        "status": Status(application.status).label,
    }


def notification_send(*, application_id: int) -> list[Notification]:
    """Portal message always; e-mail and SMS when the applicant gave an address. A failing gateway is logged, not fatal."""
    application = Application.objects.select_related("applicant", "programme").get(pk=application_id)
    applicant = application.applicant
    with translation.override(settings.LANGUAGE_CODE):
        message = status_message(application)
        subject = _("Your subsidy case %(number)s") % {"number": application.number}
    sent = [Notification.objects.create(application=application, recipient=applicant.user, channel="portal", message=message)]
    email = applicant.email or (applicant.user.email if applicant.user else "")
    if email:
        try:
            send_mail(subject, message, None, [email])
            sent.append(
                Notification.objects.create(
                    application=application, recipient=applicant.user, channel="email", address=email, message=message
                )
            )
        except Exception:
            logger.exception("e-mail notification failed for case %s", application.number)
    mobile = applicant.mobile or (applicant.user.mobile if applicant.user else "")
    if mobile:
        try:
            sms_backend().send(number=mobile, message=message, application=application)
        except Exception:
            logger.exception("SMS notification failed for case %s", application.number)
    return sent
