from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An exception to the Monday-Friday rule: a public holiday, or a make-up working day (调休) on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("official calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working_day else '休'} {self.name}"


class Counter(models.Model):
    """Gapless sequences (case numbers, batch numbers, document numbers); advanced under a row lock."""

    key = models.CharField(max_length=100, unique=True)
    value = models.PositiveIntegerField(default=0)
