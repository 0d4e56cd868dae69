from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Append-only: written in the same transaction as the change it records, never updated (ADR 0009).

    Each case's entries form a hash chain: `seq` counts them 1, 2, 3... and `hash` is the SHA-256 of the entry's
    content and of `previous_hash`, the hash of entry `seq - 1` ("" for the first). The database refuses UPDATE and
    DELETE (a trigger, migration 0010); `manage.py audit_verify` recomputes the chains."""

    application = models.ForeignKey("cases.Application", models.PROTECT, related_name="audit_entries")
    seq = models.PositiveIntegerField(_("sequence in the case"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    org_unit = models.ForeignKey("cases.OrgUnit", models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=64)
    from_status = models.CharField(_("from"), max_length=32)
    to_status = models.CharField(_("to"), max_length=32)
    comment = models.TextField(_("comment"), blank=True)
    # Set before the insert (not auto_now_add) because the hash covers it.
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    previous_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["created_at", "id"]
        constraints = [
            # A deleted or inserted entry breaks the chain; two writers cannot both append the same link.
            models.UniqueConstraint(fields=["application", "seq"], name="audit_one_entry_per_seq"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_from_one"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")
