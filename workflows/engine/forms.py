import json

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.constants import AttachmentKind, Decision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    amount = forms.DecimalField(label=_("Approved amount (yuan)"), required=False, max_digits=14, decimal_places=2, min_value=0)
    missing_kinds = forms.MultipleChoiceField(
        label=_("Documents to supply again"),
        choices=AttachmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_items = forms.CharField(
        label=_("Other items to correct (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def items(self) -> list[dict]:
        data = self.cleaned_data
        items = [{"kind": kind, "message": str(AttachmentKind(kind).label)} for kind in data.get("missing_kinds", [])]
        items += [{"kind": "", "message": line.strip()} for line in data.get("other_items", "").splitlines() if line.strip()]
        return items


class ObjectionDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Outcome"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Upheld: reject the case")), ("0", _("Dismissed: the case passes"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def items_json(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False)
