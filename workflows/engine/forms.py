import json

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.constants import AttachmentKind, Decision


def _document_kinds() -> list[tuple[str, str]]:
    """The kinds a reviewer may ask for again ("other" is the slot of a free-text item, not a kind to tick)."""
    return [(value, label) for value, label in AttachmentKind.choices if value != AttachmentKind.OTHER]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    amount = forms.DecimalField(label=_("Approved amount (yuan)"), required=False, max_digits=14, decimal_places=2, min_value=0)
    missing_kinds = forms.MultipleChoiceField(
        label=_("Documents to supply again"),
        choices=_document_kinds,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_items = forms.CharField(
        label=_("Other items to correct (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the reason for each document asked for again: the one-time notice and the applicant's page print it
        for value, label in _document_kinds():
            self.fields[f"reason_{value}"] = forms.CharField(
                label=_("Reason: %(kind)s") % {"kind": label}, required=False, max_length=500
            )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.RETURN:
            for kind in data.get("missing_kinds", []):
                if not data.get(f"reason_{kind}", "").strip():
                    self.add_error(
                        f"reason_{kind}",
                        _("Say why %(kind)s must be supplied again.") % {"kind": AttachmentKind(kind).label},
                    )
        return data

    def items(self) -> list[dict]:
        data = self.cleaned_data
        items = [{"kind": kind, "message": data[f"reason_{kind}"].strip()} for kind in data.get("missing_kinds", [])]
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
