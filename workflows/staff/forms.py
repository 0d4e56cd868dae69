"""Forms of the staff pages that are not flow tasks (publicity, case search)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.constants import Status
from cases.validators import validate_name


def _case_label(application) -> str:
    return f"{application.number} {application.applicant.name} {application.approved_amount or application.requested_amount}"


class PublishForm(forms.Form):
    cases = forms.MultipleChoiceField(label=_("Approved cases to publish"), widget=forms.CheckboxSelectMultiple)
    starts_on = forms.DateField(
        label=_("First day of publicity"),
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = {str(a.public_id): a for a in applications}
        self.fields["cases"].choices = [(key, _case_label(a)) for key, a in self.applications.items()]

    def clean_cases(self):
        chosen = [self.applications[key] for key in self.cleaned_data["cases"]]
        if len({a.programme_id for a in chosen}) > 1:
            raise forms.ValidationError(_("Publish the cases of one programme at a time."))
        return chosen


class ObjectionForm(forms.Form):
    case = forms.ChoiceField(label=_("Case in publicity"))
    objector_name = forms.CharField(label=_("Objector"), max_length=100, validators=[validate_name])
    objector_contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = {str(a.public_id): a for a in applications}
        self.fields["case"].choices = [("", "---------")] + [(k, _case_label(a)) for k, a in self.applications.items()]

    def clean_case(self):
        return self.applications[self.cleaned_data["case"]]


class CaseSearchForm(forms.Form):
    q = forms.CharField(label=_("Case number, applicant name or ID number"), required=False, max_length=64)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
