"""Forms of the statistics pages: the period asked for, a reference file, the towns' targets of a year."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Indicator, ReferenceKind
from workflows.engine.statistics import BASES, StatisticsError, period_for

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=[("", _("whole year"))] + [(q, f"Q{q}") for q in range(1, 5)], coerce=int, required=False
    )
    month = forms.TypedChoiceField(
        label=_("Month"), choices=[("", _("whole year"))] + [(m, str(m)) for m in range(1, 13)], coerce=int, required=False
    )
    start = forms.DateField(label=_("Or from"), required=False, widget=DATE)
    end = forms.DateField(label=_("to"), required=False, widget=DATE)
    basis = forms.ChoiceField(label=_("Count cases"), choices=BASES, required=False)
    town = forms.ChoiceField(label=_("Town"), required=False)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.towns = {town.code: town for town in towns}
        self.fields["town"].choices = [("", _("all towns of your unit"))] + [(t.code, t.name) for t in towns]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period"] = period_for(
                year=data.get("year") or (None if data.get("start") or data.get("end") else timezone.localdate().year),
                quarter=data.get("quarter") or None,
                month=data.get("month") or None,
                start=data.get("start"),
                end=data.get("end"),
                basis=data.get("basis") or "approval",
            )
        except StatisticsError as error:
            raise forms.ValidationError(error.message) from None
        data["town_unit"] = self.towns.get(data.get("town") or "")
        return data


class ReferenceFileForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file contains"), choices=ReferenceKind.choices)
    file = forms.FileField(label=_("File (CSV in UTF-8 or GBK, or XLSX)"))


class TargetsForm(forms.Form):
    """One field per town and indicator: the year's targets (empty: no target)."""

    def __init__(self, *args, towns, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.towns = towns
        labels = dict(Indicator.choices)
        for town in towns:
            for indicator in Indicator.values:
                self.fields[self.key(town, indicator)] = forms.CharField(
                    label=f"{town.name} {labels[indicator]}",
                    required=False,
                    max_length=20,
                    initial=targets.get((town.pk, indicator), ""),
                )

    @staticmethod
    def key(town, indicator) -> str:
        return f"t{town.pk}_{indicator}"

    def rows(self):
        """(town, [bound fields in indicator order]) for the table of the page."""
        return [(town, [self[self.key(town, i)] for i in Indicator.values]) for town in self.towns]

    def values(self) -> dict:
        return {(town.pk, i): self.cleaned_data.get(self.key(town, i), "") for town in self.towns for i in Indicator.values}
