from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Bank
from cases.models.loan import BorrowerKind, RepaymentMethod

DATE = forms.DateInput(attrs={"type": "date"})
INTEREST_FILE_MAX_BYTES = 2 * 1024 * 1024


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


class ConfirmForm(forms.Form):
    """A one-button action (guarantee, default, compensation): nothing to enter."""


class QualifyForm(forms.Form):
    bank = forms.ModelChoiceField(label=_("Lending bank"), queryset=Bank.objects.order_by("code"))
    borrower_kind = forms.ChoiceField(label=_("Borrower kind"), choices=BorrowerKind.choices, initial=BorrowerKind.INDIVIDUAL)


class BankDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Due diligence"),
        choices=[("accept", _("Accept the loan")), ("decline", _("Decline the loan (give the reason)"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for declining"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for declining the loan."))
        return data


class DisburseForm(forms.Form):
    contract_number = forms.CharField(label=_("Contract number"), max_length=40)
    principal = forms.DecimalField(label=_("Principal (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    annual_rate_percent = forms.DecimalField(
        label=_("Annual rate (%)"), max_digits=7, decimal_places=4, min_value=Decimal("0"), max_value=Decimal("100")
    )
    term_months = forms.IntegerField(label=_("Term in months"), min_value=1, max_value=600)
    period_months = forms.TypedChoiceField(
        label=_("Repayment period"), coerce=int, choices=[(3, _("Quarterly")), (1, _("Monthly"))], initial=3
    )
    repayment_method = forms.ChoiceField(label=_("Repayment method"), choices=RepaymentMethod.choices)

    @property
    def annual_rate(self) -> Decimal:
        return self.cleaned_data["annual_rate_percent"] / 100


class RepaymentForm(forms.Form):
    period = forms.TypedChoiceField(label=_("Period"), coerce=int)
    repaid_on = forms.DateField(label=_("Repaid on"), widget=DATE, validators=[_not_in_future])

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.number, f"{p.number} ({p.due_on})") for p in periods]


class ExtendForm(forms.Form):
    months = forms.IntegerField(label=_("Extension in months"), min_value=1, max_value=12)


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount recovered (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    recovered_on = forms.DateField(label=_("Recovered on"), widget=DATE, validators=[_not_in_future])
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Close the recovery"),
        choices=[("recovered", _("Recovered")), ("written_off", _("Written off"))],
        widget=forms.RadioSelect,
    )


class ClaimReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the subsidy")), ("refuse", _("Refuse (give the reason)"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note or reason"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for refusing the subsidy."))
        return data


class InterestFileForm(forms.Form):
    file = forms.FileField(label=_("Quarterly interest file (CSV or XLSX)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > INTEREST_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload
