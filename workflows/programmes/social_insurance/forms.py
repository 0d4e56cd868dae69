from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.social_insurance import RowDecision

ACTIONS = [
    ("rows", _("Decide the rows listed")),
    ("remaining", _("Decide all remaining rows at once")),
    ("complete", _("Complete this review")),
]


def _lines(text: str) -> list[int]:
    try:
        return sorted({int(part) for part in text.replace("，", ",").replace(" ", ",").split(",") if part.strip()})
    except ValueError:
        raise forms.ValidationError(_("List line numbers separated by commas.")) from None


class RowsReviewForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    approve_lines = forms.CharField(label=_("Lines to approve"), required=False, help_text=_("For example 2, 3, 7"))
    refuse_lines = forms.CharField(label=_("Lines to refuse"), required=False)
    remaining = forms.ChoiceField(
        label=_("Remaining rows"),
        choices=[(RowDecision.APPROVED, _("Approve")), (RowDecision.REFUSED, _("Refuse"))],
        required=False,
    )
    reason = forms.CharField(label=_("Reason for refusal"), required=False, max_length=500)
    opinion = forms.CharField(label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_approve_lines(self) -> list[int]:
        return _lines(self.cleaned_data["approve_lines"])

    def clean_refuse_lines(self) -> list[int]:
        return _lines(self.cleaned_data["refuse_lines"])


class ApproveForm(forms.Form):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))
