from django import forms
from django.utils.translation import gettext_lazy as _

from cases.services.venture import Criterion


class RoundOpenForm(forms.Form):
    on = forms.DateField(label=_("A date in the round's period"), widget=forms.DateInput(attrs={"type": "date"}))
    chair = forms.ChoiceField(label=_("Panel chair"))

    def __init__(self, *args, chairs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].choices = [(u.pk, u.get_full_name() or u.username) for u in chairs]


class DrawForm(forms.Form):
    seed = forms.IntegerField(label=_("Seed (leave empty for a random one)"), required=False, min_value=0, max_value=2**53)


class ReplaceForm(forms.Form):
    seat = forms.ChoiceField(label=_("Expert code"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [(s.pk, s.code) for s in seats]


class SeatForm(forms.Form):
    expert = forms.ChoiceField(label=_("Expert"))

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [(e.pk, str(e)) for e in experts]


class ScoreForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            # No max_value here: the service refuses a score above the maximum with its own message.
            self.fields[f"c_{criterion.code}"] = forms.DecimalField(
                label=f"{criterion.name} (0-{criterion.max_points})", max_digits=5, decimal_places=2
            )

    def points(self) -> dict:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("c_")}


class AwardForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("Confirm the proposed amount")),
            ("override", _("Override the amount (give the reason)")),
            ("refuse", _("Refuse (give the reason)")),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
