import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import services as case_services
from cases.constants import ApplicantCategory, AttachmentKind
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.login import ApplicantLoginForm
from cases.models import Programme
from cases.validators import validate_name

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class DateInput(forms.DateInput):
    """A native date picker. Its value is always ISO 8601 (yyyy-mm-dd): a browser ignores a localised value such as
    the Chinese "2024/05/06", and the field would show empty."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


def programme_categories(programme: Programme) -> list[tuple[str, str]]:
    allowed = (programme.eligibility_rules or {}).get("categories") or ApplicantCategory.values
    return [(c, ApplicantCategory(c).label) for c in allowed if c in ApplicantCategory.values]


def amount_for(programme: Programme, category: str, requested: Decimal | None = None) -> Decimal | None:
    """The amount the programme's rule gives; None when the applicant states it (type "requested")."""
    rule = programme.amount_rule or {}
    kind = rule.get("type")
    try:
        if kind == "by_category":
            value = rule.get("amounts", {}).get(category)
            return Decimal(value) if value is not None else None
        if kind == "fixed":
            return Decimal(rule["amount"])
    except (InvalidOperation, KeyError):
        return None
    return requested


class RegisterForm(forms.Form):
    """A new portal account: the mobile number (the login, confirmed by an SMS code), an optional e-mail address
    and the password. The "send code" button validates the mobile number alone (`for_code`)."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        help_text=_("An 11-digit mainland mobile number. It is your login; we send a verification code to it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=6,
        required=False,
        help_text=_("The 6 digits in the text message. Press “Send code” first."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        required=False,
        help_text=_("For messages about your applications and to reset your password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 12 characters; not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, for_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_code = for_code
        if for_code:
            for name in ("code", "password1", "password2"):
                self.fields[name].required = False

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        if not MOBILE.match(value):
            raise ValidationError(_("Enter an 11-digit mobile number starting with 1."))
        return value

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        if self.for_code:
            return value
        if not value:
            raise ValidationError(_("Enter the verification code sent to your mobile number."))
        if not re.fullmatch(r"\d{6}", value):
            raise ValidationError(_("The verification code has 6 digits."))
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if self.for_code:
            return data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class PortalLoginForm(ApplicantLoginForm):
    username = forms.CharField(
        label=_("Mobile number or e-mail address"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )


class BindForm(forms.Form):
    KIND_CHOICES = [("person", _("Myself (citizen ID number)")), ("enterprise", _("An enterprise I represent (credit code)"))]
    name = forms.CharField(label=_("Real name (or enterprise name)"), max_length=200, validators=[validate_name])
    kind = forms.ChoiceField(label=_("Identity"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="person")
    identifier = forms.CharField(
        label=_("Citizen ID number or unified social credit code"), max_length=18, min_length=18, strip=True
    )

    def clean(self):
        data = super().clean()
        value = (data.get("identifier") or "").upper()
        if value:
            try:
                (validate_credit_code if data.get("kind") == "enterprise" else validate_citizen_id)(value)
            except ValidationError as error:
                self.add_error("identifier", error)
            data["identifier"] = value
        return data


class BasicsForm(forms.Form):
    """Step 1: who and where, the amount, the account to pay into."""

    community = forms.ModelChoiceField(label=_("Community or village where you file"), queryset=None, empty_label=None)
    category = forms.ChoiceField(label=_("Applicant category"), choices=())
    requested_amount = forms.DecimalField(
        label=_("Requested amount (yuan)"), required=False, min_value=Decimal("1"), decimal_places=2, max_digits=14
    )
    bank_name = forms.CharField(label=_("Bank and branch"), max_length=100, validators=[validate_name])
    bank_account_name = forms.CharField(label=_("Account holder"), max_length=200, validators=[validate_name])
    bank_account_number = forms.RegexField(
        label=_("Account number"),
        regex=r"^\d{12,32}$",
        max_length=32,
        error_messages={"invalid": _("An account number has 12 to 32 digits.")},
    )

    def __init__(self, *args, programme: Programme, communities, fixed_community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["category"].choices = programme_categories(programme)
        self.fields["community"].queryset = communities
        if fixed_community is not None:
            del self.fields["community"]
        if (programme.amount_rule or {}).get("type") not in (None, "requested"):
            del self.fields["requested_amount"]

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category:
            amount = amount_for(self.programme, category, data.get("requested_amount"))
            if amount is None:
                self.add_error(
                    "requested_amount" if "requested_amount" in self.fields else "category",
                    _("State the amount you request."),
                )
            elif amount > self.programme.max_amount or amount < self.programme.min_amount:
                self.add_error(
                    "requested_amount" if "requested_amount" in self.fields else "category",
                    _("The amount must lie between %(min)s and %(max)s yuan.")
                    % {"min": self.programme.min_amount, "max": self.programme.max_amount},
                )
            data["amount"] = amount
        return data


class BusinessForm(forms.Form):
    """Step 2: the business."""

    business_name = forms.CharField(label=_("Business name"), max_length=200, validators=[validate_name])
    business_credit_code = forms.CharField(
        label=_("Business unified social credit code"), max_length=18, min_length=18, validators=[validate_credit_code]
    )
    business_registered_on = forms.DateField(label=_("Date of business registration"), widget=DateInput)
    graduated_on = forms.DateField(label=_("Graduation date (graduates only)"), required=False, widget=DateInput)
    jobs_created = forms.IntegerField(label=_("Jobs created, yourself included"), min_value=0, max_value=10000)

    def clean_business_credit_code(self) -> str:
        return self.cleaned_data["business_credit_code"].upper()

    def clean_business_registered_on(self):
        value = self.cleaned_data["business_registered_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date lies in the future."))
        return value


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=AttachmentKind.choices, widget=forms.HiddenInput)
    # a free-text item of a correction notice names its own slot (cases.selectors.correction_slots)
    slot = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"), required=False)


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=_(
            "I declare that the information and documents are true and complete. I know that a false declaration "
            "leads to refusal and recovery of the subsidy."
        ),
        error_messages={"required": _("Tick the declaration to submit.")},
    )


class CorrectionForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the notice"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)
    confirm = forms.BooleanField(
        label=_("Yes, withdraw this application."), error_messages={"required": _("Tick the box to confirm.")}
    )


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("Claim code"), max_length=16, help_text=_("Printed on the receipt given at the window."))


class WindowApplicantForm(forms.Form):
    """The community window (代办): who the applicant is, and that the originals were seen."""

    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200, validators=[validate_name])
    applicant_id_number = forms.CharField(
        label=_("Applicant's citizen ID number"), max_length=18, min_length=18, validators=[validate_citizen_id]
    )
    applicant_mobile = forms.RegexField(
        label=_("Applicant's mobile number"),
        regex=MOBILE,
        required=False,
        error_messages={"invalid": _("Enter an 11-digit mobile number starting with 1.")},
    )
    originals_checked = forms.BooleanField(label=_("I have checked the originals of the documents."), required=False)

    def clean_applicant_id_number(self) -> str:
        return self.cleaned_data["applicant_id_number"].upper()


class PublicObjectionForm(forms.Form):
    """An objection on the public publicity board. The record's rules (cases.services.objections) judge the fields;
    the form only shows their verdict beside each field."""

    line = forms.TypedChoiceField(label=_("Person on the list"), coerce=int)
    name = forms.CharField(label=_("Your name"), required=False, max_length=100)
    contact = forms.CharField(
        label=_("Telephone or e-mail"),
        required=False,
        help_text=_("Only the investigators see it, to reach you about the outcome."),
    )
    reason = forms.CharField(label=_("Your objection"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, rows, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["line"].choices = [
            (row.seq, f"{row.seq}. {row.masked_name}（{row.masked_id}，{row.unit}）") for row in rows if row.open_for_objection
        ]
        if programme.anonymous_objections:
            self.fields["name"].help_text = _("You may leave your name out; a contact is still required.")

    def clean(self):
        cleaned = super().clean()
        problems = case_services.objection_input_problems(
            programme=self.programme,
            name=cleaned.get("name", ""),
            contact=cleaned.get("contact", ""),
            reason=cleaned.get("reason", ""),
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


class EmployerForm(forms.Form):
    """An employer's organisation account: registered online by its administrator or at the window by an officer."""

    name = forms.CharField(label=_("Organisation name"), max_length=200, validators=[validate_name])
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, min_length=18, validators=[validate_credit_code]
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    community = forms.ModelChoiceField(label=_("Community or village of the organisation"), queryset=None, empty_label=None)
    bank_name = forms.CharField(label=_("Bank and branch"), max_length=100, validators=[validate_name])
    bank_account_name = forms.CharField(label=_("Account holder"), max_length=200, validators=[validate_name])
    bank_account_number = forms.RegexField(
        label=_("Account number"),
        regex=r"^\d{12,32}$",
        max_length=32,
        error_messages={"invalid": _("An account number has 12 to 32 digits.")},
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].upper()


class AgentForm(forms.Form):
    login = forms.CharField(
        label=_("The agent's portal login"),
        max_length=150,
        help_text=_("The login name, mobile number or e-mail address of an existing portal account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class ClaimOpenForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=[(q, _("Quarter %(q)s") % {"q": q}) for q in (1, 2, 3, 4)]
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster (XLSX, or CSV in UTF-8 or GBK)"), required=False, allow_empty_file=True)


class RosterSubmitForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    only_valid_rows = forms.BooleanField(required=False)
