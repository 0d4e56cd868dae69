"""The portal's one pre-check: its questions (workflows.engine.precheck.Answers)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.engine.precheck import Answers, Group, Who
from workflows.portal.forms import DateInput

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class PrecheckForm(forms.Form):
    """The one pre-check for every programme: who the visitor is, their group, residence, business, staff and
    training (workflows.engine.precheck.Answers). A question that follows from an earlier answer (the graduation
    date, the business's date) is required only then."""

    who = forms.ChoiceField(label=_("Who are you?"), choices=Who.choices, widget=forms.RadioSelect)
    group = forms.ChoiceField(
        label=_("If you apply as a person: which group do you belong to?"),
        choices=Group.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    graduated_on = forms.DateField(
        label=_("If you are a college graduate: when did you graduate?"), required=False, widget=DateInput
    )
    resident = forms.ChoiceField(
        label=_("Do you live in Yuhang District (household registration or residence permit)?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    runs_business = forms.ChoiceField(
        label=_("Do you run a registered business (individual business or firm)?"), choices=YES_NO, widget=forms.RadioSelect
    )
    business_registered_on = forms.DateField(
        label=_("If you run a business: when was it registered?"),
        help_text=_("The date on the business licence."),
        required=False,
        widget=DateInput,
    )
    hired = forms.IntegerField(
        label=_("How many people have you hired, not counting yourself?"),
        help_text=_("Leave empty or enter 0 if you have hired no one."),
        required=False,
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    syb_trained = forms.ChoiceField(
        label=_("Have you taken the SYB entrepreneurship training (创业培训)?"), choices=YES_NO, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the labels are questions
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if data.get("who") == Who.PERSON and not data.get("group"):
            self.add_error("group", _("Choose your group, or “None of these”."))
        if data.get("group") == Group.GRADUATE and data.get("who") == Who.PERSON and not data.get("graduated_on"):
            self.add_error("graduated_on", _("Enter the date on your graduation certificate."))
        if data.get("runs_business") == "yes" and not data.get("business_registered_on"):
            self.add_error("business_registered_on", _("Enter the date your business was registered."))
        for name in ("graduated_on", "business_registered_on"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("The date lies in the future."))
        return data

    def answers(self) -> Answers:
        data = self.cleaned_data
        person = data["who"] == Who.PERSON
        business = data["runs_business"] == "yes"
        return Answers(
            who=data["who"],
            group=data.get("group") or "" if person else "",
            graduated_on=data.get("graduated_on") if person and data.get("group") == Group.GRADUATE else None,
            resident=data["resident"] == "yes",
            runs_business=business,
            business_registered_on=data.get("business_registered_on") if business else None,
            hired=data.get("hired") or 0,
            syb_trained=data["syb_trained"] == "yes",
        )
