"""Training providers (创业培训补贴): the classes of the provider an agent acts for (or, at the window, of a
provider of the officer's town): file a class for approval, then after it the roster with the attendance, the exam
results (certificates are issued to those who passed) and the claim. A class of another provider answers 404."""

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases.constants import ProgrammeKind, Role
from cases.exceptions import DomainError
from cases.models import Programme
from cases.models.training import ClassStatus, TrainingProvider
from cases.selectors import employers_for_user, training_classes_for_user
from cases.services import training as training_services
from workflows.portal.uploads import upload_read
from workflows.portal.views.common import error_text, portal_login_required

DateInput = django_forms.DateInput(attrs={"type": "date"})


class ClassForm(django_forms.Form):
    """A class for approval; a user acting for several providers (a window officer of their town, an agent of two
    organisations) chooses the provider first."""

    provider = django_forms.TypedChoiceField(label=gettext_lazy("Training provider"), coerce=int)
    plan = django_forms.CharField(
        label=gettext_lazy("Teaching plan"), max_length=2000, widget=django_forms.Textarea(attrs={"rows": 3})
    )
    teacher = django_forms.CharField(label=gettext_lazy("Teacher"), max_length=100)
    starts_on = django_forms.DateField(label=gettext_lazy("First day"), widget=DateInput)
    ends_on = django_forms.DateField(label=gettext_lazy("Last day"), widget=DateInput)
    place = django_forms.CharField(label=gettext_lazy("Place"), max_length=200)
    capacity = django_forms.IntegerField(label=gettext_lazy("Capacity"), min_value=1, max_value=500)

    def __init__(self, *args, providers: list[TrainingProvider], **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = {p.pk: p for p in providers}
        if len(providers) == 1:
            del self.fields["provider"]
        else:
            choices = [(p.pk, f"{p.employer.applicant.name} ({p.designation_number})") for p in providers]
            self.fields["provider"].choices = [("", "—"), *choices]

    def chosen_provider(self) -> TrainingProvider:
        if len(self.providers) == 1:
            return next(iter(self.providers.values()))
        return self.providers[self.cleaned_data["provider"]]


class RosterForm(django_forms.Form):
    file = django_forms.FileField(label=gettext_lazy("Roster with the attendance (CSV or XLSX: 身份证号码, 姓名, 出勤率)"))


class ResultsForm(django_forms.Form):
    passed = django_forms.CharField(
        label=gettext_lazy("Lines of the roster who passed the exam"),
        required=False,
        help_text=gettext_lazy("For example 2, 3, 7; the other lines did not pass."),
    )

    def clean_passed(self) -> list[int]:
        text = self.cleaned_data["passed"].replace("，", ",").replace(" ", ",")
        try:
            return sorted({int(part) for part in text.split(",") if part.strip()})
        except ValueError:
            raise django_forms.ValidationError(_("List line numbers separated by commas.")) from None


def _providers(user):
    return TrainingProvider.objects.filter(employer__in=employers_for_user(user=user)).select_related("employer__applicant")


def _programme() -> Programme | None:
    return Programme.objects.filter(kind=ProgrammeKind.TRAINING, active=True).first()


@portal_login_required
@require_http_methods(["GET", "POST"])
def training_home(request):
    providers = list(_providers(request.user))
    if not providers:
        raise Http404
    # An agent files for their provider, a window officer for a provider of their town; an ended designation files
    # no new class.
    active = [p for p in providers if p.active]
    form = ClassForm(request.POST or None, providers=active)
    programme = _programme() if active else None
    if request.method == "POST" and form.is_valid() and programme is not None:
        values = {k: v for k, v in form.cleaned_data.items() if k != "provider"}
        try:
            training_class = training_services.class_file(
                provider=form.chosen_provider(), programme=programme, by=request.user, **values
            )
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Class %(n)s is filed for approval.") % {"n": training_class.number})
            return redirect("portal:training_class", public_id=training_class.public_id)
    classes = training_classes_for_user(user=request.user).filter(provider__in=providers).order_by("-starts_on")
    return render(
        request,
        "workflows/portal/training_home.html",
        {
            "providers": providers,
            "classes": classes,
            "form": form,
            "programme": programme,
            "has_active": bool(active),
            "at_window": request.user.role != Role.APPLICANT,
        },
    )


@portal_login_required
@require_http_methods(["GET", "POST"])
def training_class(request, public_id):
    training_class = get_object_or_404(
        training_classes_for_user(user=request.user).filter(provider__in=_providers(request.user)), public_id=public_id
    )
    roster_form, results_form = RosterForm(), ResultsForm()
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "roster":
                roster_form = RosterForm(request.POST, request.FILES)
                upload = roster_form.cleaned_data.get("file") if roster_form.is_valid() else None
                content = upload_read(upload)
                training_services.roster_file(
                    training_class=training_class, content=content, filename=upload.name, by=request.user
                )
                messages.success(request, _("The roster is filed."))
            elif action == "results":
                results_form = ResultsForm(request.POST)
                if not results_form.is_valid():
                    raise DomainError(_("List line numbers separated by commas."))
                issued = training_services.exam_results_record(
                    training_class=training_class, passed_lines=results_form.cleaned_data["passed"], by=request.user
                )
                messages.success(request, _("%(n)s certificates issued.") % {"n": len(issued)})
            elif action == "claim":
                claim = training_services.claim_file(training_class=training_class, by=request.user)
                messages.success(
                    request,
                    _("The claim for %(n)s trainees is filed; it is settled after %(day)s.")
                    % {"n": claim.rows.count(), "day": claim.settles_on},
                )
            else:
                raise Http404
        except DomainError as failure:  # an UploadRejected too
            error = error_text(failure)
        else:
            return redirect("portal:training_class", public_id=training_class.public_id)
    training_class.refresh_from_db()
    trainees = training_class.trainees.select_related("certificate").order_by("line")
    claims = training_class.claims.order_by("filed_at")
    return render(
        request,
        "workflows/portal/training_class.html",
        {
            "training_class": training_class,
            "trainees": trainees,
            "claims": claims,
            "roster_form": roster_form,
            "results_form": results_form,
            "error": error,
            "statuses": ClassStatus,
            "ended": training_class.ends_on < timezone.localdate(),
            "claimable": training_class.trainees.filter(certificate__isnull=False, claim_row__isnull=True).count(),
        },
    )
