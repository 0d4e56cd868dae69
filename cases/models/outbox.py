from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxKind(models.TextChoices):
    DOCUMENT = "document", _("document")
    NOTIFICATION = "notification", _("notification")


class OutboxItem(models.Model):
    """Work a step owes once it commits: a document to issue or a notification to deliver.

    Written in the step's own transaction, so a step that commits always leaves its owed work on record, whatever
    happens to the broker or the worker afterwards. It is dispatched after commit; a periodic task dispatches again
    whatever is still pending after the grace period; the worker marks it done in the transaction that produced
    the document or the notification. `key` is the step key: the document's `step_key`, or `notification:<audit id>`.
    """

    key = models.CharField(_("step key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OutboxKind.choices)
    application = models.ForeignKey(
        "cases.Application", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    # What the dispatcher needs: document kind, subject and batch ids; or the notification's message.
    payload = models.JSONField(_("content"), default=dict)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched again at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("owed document or notification")
        verbose_name_plural = _("outbox")
        indexes = [
            # the periodic re-dispatch and the health check read only what is pending
            models.Index(fields=["created_at"], condition=models.Q(done_at__isnull=True), name="outbox_pending"),
        ]

    def __str__(self) -> str:
        return self.key
