from django.conf import settings
from django.db import models


class Notification(models.Model):
    """What the applicant was told, by which channel. The database SMS backend stores its messages here too."""

    application = models.ForeignKey("cases.Application", models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=16)  # portal / email / sms
    address = models.CharField(max_length=200, blank=True)
    message = models.TextField()
    # The step this message tells of (the outbox key): delivering the step again never sends a channel twice.
    step_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An overdue warning is written once per case and day, even when two workers run the check at once.
            models.UniqueConstraint(
                fields=["application", "channel", "message"], condition=models.Q(channel="staff"), name="one_staff_warning"
            ),
            models.UniqueConstraint(
                fields=["step_key", "channel"], condition=~models.Q(step_key=""), name="one_message_per_step"
            ),
        ]
