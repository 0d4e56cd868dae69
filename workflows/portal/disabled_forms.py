"""The household grant's filing forms (the disabled entrepreneurs' grant): the filing for oneself, a family member or
at the window, and the applicant's confirmation code."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.constants import DisabledBusinessForm
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.validators import validate_name
from workflows.portal.forms import MOBILE, DateInput


class DisabledFilingForm(forms.Form):
    """The household grant on one page (残疾人自主创业扶持): who files, the disability certificate, the household, the
    business the applicant runs and the account to pay into. Every field says in plain words where to find it."""

    FOR_WHOM = [
        ("myself", _("For myself")),
        ("someone", _("For a family member who asked me to (I have their signed power of attorney)")),
    ]
    for_whom = forms.ChoiceField(
        label=_("Who is this application for?"), choices=FOR_WHOM, widget=forms.RadioSelect, initial="myself"
    )
    applicant_name = forms.CharField(
        label=_("The applicant's name"),
        max_length=200,
        required=False,
        validators=[validate_name],
        help_text=_("Only when you file for someone else: their name as on their citizen ID card."),
    )
    applicant_id_number = forms.CharField(
        label=_("The applicant's citizen ID number"),
        max_length=18,
        required=False,
        help_text=_("Only when you file for someone else: the 18 characters on their citizen ID card."),
    )
    applicant_mobile = forms.CharField(
        label=_("The applicant's own mobile number"),
        max_length=11,
        required=False,
        help_text=_("Only when you file for someone else. We send the applicant a code; they tell it to you to say they agree."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    certificate_number = forms.CharField(
        label=_("Disability certificate number"),
        max_length=24,
        help_text=_(
            "On the certificate (第二代残疾人证): 20 characters, the citizen ID number followed by two digits, the "
            "category (1 to 7) and the grade (1 to 4)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    household_number = forms.CharField(
        label=_("Household registration number (户号)"),
        max_length=24,
        help_text=_("On the first page of the household register (户口簿). One grant is given per household."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    resident_in_district = forms.BooleanField(
        label=_("The household is registered in this district"),
        required=False,
        help_text=_("The grant is for households whose registration (户籍) is in this district."),
    )
    business_form = forms.ChoiceField(
        label=_("How do you run the business?"), choices=DisabledBusinessForm.choices, widget=forms.RadioSelect
    )
    business_name = forms.CharField(
        label=_("Business name"), max_length=200, validators=[validate_name], help_text=_("As on the business licence.")
    )
    business_credit_code = forms.CharField(
        label=_("Business unified social credit code"),
        max_length=18,
        min_length=18,
        validators=[validate_credit_code],
        help_text=_("The 18 characters on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    business_registered_on = forms.DateField(
        label=_("Date of business registration"), widget=DateInput, help_text=_("The date on the business licence.")
    )
    community = forms.ModelChoiceField(
        label=_("Community or village where you file"),
        queryset=None,
        empty_label=None,
        help_text=_("Where the household lives. Its office checks the application first."),
    )
    bank_name = forms.CharField(label=_("Bank and branch"), max_length=100, validators=[validate_name])
    bank_account_name = forms.CharField(
        label=_("Account holder"), max_length=200, validators=[validate_name], help_text=_("The grant is paid into this account.")
    )
    bank_account_number = forms.RegexField(
        label=_("Account number"),
        regex=r"^\d{12,32}$",
        max_length=32,
        error_messages={"invalid": _("An account number has 12 to 32 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(self, *args, communities, officer: bool = False, fixed_community=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.officer = officer
        self.fields["community"].queryset = communities
        if fixed_community is not None:
            del self.fields["community"]
        if officer or editing:  # at the window it is always for someone else; a saved draft keeps its applicant
            for name in ("for_whom", "applicant_name", "applicant_id_number", "applicant_mobile"):
                if editing or name == "for_whom":
                    del self.fields[name]
        if officer and not editing:
            for name in ("applicant_name", "applicant_id_number", "applicant_mobile"):
                self.fields[name].required = True
                self.fields[name].help_text = ""

    def clean_business_credit_code(self) -> str:
        return self.cleaned_data["business_credit_code"].upper()

    def clean_business_registered_on(self):
        value = self.cleaned_data["business_registered_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date lies in the future."))
        return value

    def clean_applicant_id_number(self) -> str:
        value = (self.cleaned_data.get("applicant_id_number") or "").strip().upper()
        if value:
            validate_citizen_id(value)
        return value

    def clean_applicant_mobile(self) -> str:
        value = (self.cleaned_data.get("applicant_mobile") or "").strip()
        if value and not MOBILE.match(value):
            raise ValidationError(_("Enter an 11-digit mobile number starting with 1."))
        return value

    @property
    def for_someone(self) -> bool:
        return self.officer or self.cleaned_data.get("for_whom") == "someone"

    def clean(self):
        data = super().clean()
        if "applicant_name" in self.fields and (self.officer or data.get("for_whom") == "someone"):
            for name in ("applicant_name", "applicant_id_number", "applicant_mobile"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed when you file for someone else."))
        return data


class ConfirmationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code the applicant received"),
        max_length=6,
        help_text=_("The applicant reads the 6 digits of the text message to you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
