"""Tell the applicant about every status change: in the portal, by e-mail and by SMS.

One place: workflows.engine.steps calls notify_status_change after each step. The message is recorded as owed work in
the step's transaction (the outbox) and delivered after commit, so a rolled-back step tells nobody and a committed
one is never forgotten: delivery repeats, channel by channel, until every channel the applicant gave has its
message.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases.constants import Status
from cases.models import Application, AuditEntry, Notification, OutboxKind
from cases.services import outbox_item_claim, outbox_item_done, outbox_item_failed, outbox_record
from workflows.engine.sms import sms_backend

logger = logging.getLogger(__name__)


def notify_status_change(*, application: Application, step_id: int | None = None) -> None:
    """The step just audited (audit entry `step_id`; the case's last entry when not given) owes the applicant a message
    about the case's new status, built from the instance the step holds (its programme was read with the lock)."""
    if step_id is None:
        step_id = AuditEntry.objects.filter(application_id=application.pk).order_by("-id").values_list("pk", flat=True).first()
    with translation.override(settings.LANGUAGE_CODE):
        payload = {
            "message": status_message(application),
            "subject": _("Your subsidy case %(number)s") % {"number": application.number},
        }
    item, created = outbox_record(
        key=f"notification:{step_id}", kind=OutboxKind.NOTIFICATION, application_id=application.pk, payload=payload
    )
    if created:
        transaction.on_commit(lambda: deliver_notification.delay(item.pk), robust=True)


def status_message(application: Application) -> str:
    return _("Case %(number)s (%(programme)s) is now: %(status)s.") % {
        "number": application.number,
        "programme": application.programme.name,
        "status": Status(application.status).label,
    }


def notification_deliver(*, item_id: int) -> list[Notification]:
    """Deliver an owed message: the portal copy always, e-mail and SMS when the applicant gave an address.

    Each channel is recorded once per step (a unique constraint), so a repeated delivery sends only what is missing.
    A failing gateway does not undo the others: what was delivered is kept, the item stays pending with the error and
    the next dispatch tries the missing channel again."""
    with transaction.atomic():
        item = outbox_item_claim(item_id=item_id)
        if item is None:
            return []
        application = Application.objects.select_related("applicant__user").get(pk=item.application_id)
        applicant = application.applicant
        recipient = applicant.user
        message, subject = item.payload["message"], item.payload["subject"]
        done = set(Notification.objects.filter(step_key=item.key).values_list("channel", flat=True))
        sent: list[Notification] = []

        def record(channel: str, address: str = "") -> None:
            sent.append(
                Notification.objects.create(
                    application=application,
                    recipient=recipient,
                    channel=channel,
                    address=address,
                    message=message,
                    step_key=item.key,
                )
            )

        if "portal" not in done:
            record("portal")
        failure = None
        email = applicant.email or (recipient.email if recipient else "")
        if email and "email" not in done:
            try:
                send_mail(subject, message, None, [email])
                record("email", email)
            except Exception as error:  # noqa: BLE001 - any gateway failure is retried later
                logger.exception("e-mail notification failed for case %s", application.number)
                failure = error
        mobile = applicant.mobile or (recipient.mobile if recipient else "")
        if mobile and "sms" not in done:
            try:
                sms_backend().send(number=mobile, message=message, application=application)
                record("sms", mobile)
            except Exception as error:  # noqa: BLE001
                logger.exception("SMS notification failed for case %s", application.number)
                failure = error
        if failure is None:
            outbox_item_done(item=item)
    if failure is not None:
        outbox_item_failed(item_id=item.pk, error=failure)
    return sent


@shared_task(
    name="workflows.tasks.deliver_notification",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    default_retry_delay=30,
    time_limit=120,
)
def deliver_notification(item_id: int) -> int:
    return len(notification_deliver(item_id=item_id))
