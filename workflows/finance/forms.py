from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import BankFileLayout, Programme
from cases.money import format_yuan


class BatchFilterForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.order_by("code"))
    town = forms.ModelChoiceField(label=_("Town / street"), queryset=None, required=False)
    approved_from = forms.DateField(label=_("Approved from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    approved_to = forms.DateField(label=_("Approved until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns

    def clean(self):
        data = super().clean()
        if data.get("approved_from") and data.get("approved_to") and data["approved_from"] > data["approved_to"]:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data


def layout_field() -> forms.ModelChoiceField:
    """The paying bank's file layout: a batch is never prepared without one."""
    field = forms.ModelChoiceField(
        label=_("Bank file layout"),
        queryset=BankFileLayout.objects.order_by("code"),
        error_messages={"required": _("Choose the bank file layout of the paying bank.")},
        help_text=_("The bank file is written with this layout's headers, encoding and amount format."),
    )
    field.label_from_instance = lambda layout: f"{layout.bank_name} · {layout.get_encoding_display()}"
    return field


class BatchPrepareForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(label=_("Cases"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = candidates
        self.fields["cases"].label_from_instance = lambda a: f"{a.number} {a.applicant.name} {format_yuan(a.approved_amount)}"
        self.fields["layout"] = layout_field()


class SubsidyFilterForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class SubsidyBatchForm(forms.Form):
    claims = forms.ModelMultipleChoiceField(
        label=_("Approved subsidy claims"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"] = layout_field()
        self.fields["claims"].queryset = candidates
        self.fields["claims"].label_from_instance = lambda c: (
            _("%(case)s %(name)s period %(n)s %(amount)s")
            % {
                "case": c.loan.application.number,
                "name": c.loan.application.applicant.name,
                "n": c.period.number,
                "amount": format_yuan(c.amount),
            }
        )


class ReturnFileForm(forms.Form):
    file = forms.FileField(label=_("Bank return file (CSV or XLSX)"))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the six digits."))
        return token


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code from your administrator"),
        max_length=40,
        help_text=_("Sixteen letters and digits, e.g. ABCD-EFGH-JKLM-NPQR. Ask your administrator for one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
