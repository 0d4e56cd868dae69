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


class QueueFilterForm(forms.Form):
    """The work queue's filters and sort, read from the address (no personal number is ever typed here)."""

    SORTS = [
        ("deadline", _("Deadline, soonest first")),
        ("-deadline", _("Deadline, latest first")),
        ("-amount", _("Amount, highest first")),
        ("amount", _("Amount, lowest first")),
        ("number", _("Case number")),
        ("-number", _("Case number, newest first")),
    ]
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None, required=False, empty_label=_("All programmes"))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("All units"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any deadline")), ("soon", _("Due within 2 working days")), ("overdue", _("Overdue"))],
    )
    due_by = forms.DateField(
        label=_("Due on or before"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    amount_min = forms.DecimalField(label=_("Amount from (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2)
    amount_max = forms.DecimalField(label=_("Amount up to (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2)
    holder = forms.ChoiceField(
        label=_("Held by"),
        required=False,
        choices=[("", _("Anyone")), ("unclaimed", _("Nobody yet")), ("mine", _("Me")), ("others", _("A colleague"))],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)
    after = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, programmes, units, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["unit"].queryset = units
        self.fields["status"].choices = [("", _("Any status")), *[(s, Status(s).label) for s in statuses]]


class TaskIdsField(forms.Field):
    """The ids of the selected tasks (checkboxes named `tasks`); each is checked again by the service."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Select at least one case.")) from None
        if len(ids) > 200:
            raise forms.ValidationError(_("Select at most 200 cases at once."))
        return ids


class BulkForm(forms.Form):
    """Many tasks of the queue at once: hand them to a colleague, or pass them with one opinion."""

    action = forms.ChoiceField(choices=[("assign", "assign"), ("pass", "pass")])
    tasks = TaskIdsField(error_messages={"required": _("Select at least one case.")})
    assignee = forms.ModelChoiceField(label=_("Colleague"), queryset=None, required=False, empty_label="---------")
    opinion = forms.CharField(
        label=_("Opinion for every selected case"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = colleagues

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the colleague who takes the selected cases."))
        if data.get("action") == "pass" and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("An opinion is required."))
        return data
