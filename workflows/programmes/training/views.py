"""The claim's task pages: the district reviewer passes or rejects the settled claim, the approver confirms its
amount. Every write goes through the programme's actions. The public page verifying a training certificate. The
district's pages: the classes filed for approval (a district reviewer decides them) and the providers (a district
approver designates an organisation account)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView

from cases.exceptions import DomainError
from cases.identifiers import mask_name
from cases.models.training import ClassStatus
from workflows.engine.views import TaskViewMixin
from workflows.programmes.training.forms import ClaimApproveForm, ClaimReviewForm, ClassDecisionForm, DesignationEndForm


class _ClaimTaskMixin(TaskViewMixin):
    template_name = "training/review.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.application.training_claim
        rows = claim.rows.select_related("trainee__certificate").order_by("trainee__line")
        context.update(claim=claim, training_class=claim.training_class, rows=rows)
        return context


class ClaimReviewView(_ClaimTaskMixin, FormView):
    form_class = ClaimReviewForm

    def form_valid(self, form):
        from workflows.programmes.training import actions

        data = form.cleaned_data
        actions.task_claim_review(
            task_id=self.task.pk, by=self.request.user, passed=data["decision"] == "pass", opinion=data["opinion"]
        )
        messages.success(self.request, _("Decision recorded for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())


class ClaimApproveView(_ClaimTaskMixin, FormView):
    form_class = ClaimApproveForm

    def form_valid(self, form):
        from workflows.programmes.training import actions

        actions.task_claim_approve(task_id=self.task.pk, by=self.request.user, opinion=form.cleaned_data["opinion"])
        messages.success(self.request, _("Decision recorded for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())


@require_GET
def certificate_verify(request, token: str):
    """Public: is this training certificate genuine? Shows no personal data beyond a masked name."""
    from cases.services.training import certificate_by_token

    certificate = certificate_by_token(token)
    if certificate is None:
        return render(request, "training/certificate_verify.html", {"unknown": True}, status=404)
    trainee = certificate.trainee
    return render(
        request,
        "training/certificate_verify.html",
        {
            "certificate": certificate,
            "masked_name": mask_name(trainee.name),
            "training_class": trainee.training_class,
            "provider": trainee.training_class.provider.employer.applicant.name,
        },
    )


# --- the district's pages: classes filed for approval, providers and their designation --------------------------


def _district_staff_or_403(user):
    from cases.selectors import TRAINING_STAFF_ROLES

    if user.role not in TRAINING_STAFF_ROLES:
        raise PermissionDenied


@login_required
@require_GET
def class_list(request):
    from cases.selectors import training_classes_for_user

    _district_staff_or_403(request.user)
    classes = training_classes_for_user(user=request.user).order_by("-filed_at")[:500]
    can_decide = request.user.has_perm("cases.review_district")
    return render(
        request,
        "training/class_list.html",
        {"classes": classes, "can_decide": can_decide, "form": ClassDecisionForm(), "filed": ClassStatus.FILED},
    )


@login_required
@require_POST
def class_decide(request, public_id):
    from cases.selectors import training_classes_for_user
    from workflows.programmes.training import actions

    _district_staff_or_403(request.user)
    training_class = get_object_or_404(training_classes_for_user(user=request.user), public_id=public_id)
    form = ClassDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the decision."))
        return redirect("training_classes")
    try:
        actions.class_decide(
            training_class=training_class,
            by=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Class %(n)s decided.") % {"n": training_class.number})
    return redirect("training_classes")


@login_required
@require_GET
def provider_list(request):
    from cases.selectors import training_employers_to_designate, training_providers_for_user
    from cases.services.training import may_designate

    _district_staff_or_403(request.user)
    providers = training_providers_for_user(user=request.user).select_related("employer__applicant", "employer__org_unit")
    return render(
        request,
        "training/provider_list.html",
        {
            "providers": providers.order_by("id"),
            "candidates": training_employers_to_designate(user=request.user),
            "can_end": may_designate(request.user),
        },
    )


@login_required
@require_POST
def provider_designate(request, public_id):
    from cases.selectors import training_employers_to_designate
    from workflows.programmes.training import actions

    _district_staff_or_403(request.user)
    employer = get_object_or_404(training_employers_to_designate(user=request.user), public_id=public_id)
    try:
        provider = actions.provider_designate(employer=employer, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("%(name)s is designated (%(n)s).") % {"name": employer.applicant.name, "n": provider.designation_number}
        )
    return redirect("training_providers")


@login_required
@require_POST
def provider_end(request, public_id):
    """The district ends a provider's designation, with its reason (the organisation's public id names it)."""
    from cases.selectors import training_providers_for_user
    from workflows.programmes.training import actions

    _district_staff_or_403(request.user)
    providers = training_providers_for_user(user=request.user).select_related("employer__applicant")
    provider = get_object_or_404(providers, employer__public_id=public_id)
    form = DesignationEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for ending the designation."))
        return redirect("training_providers")
    try:
        actions.provider_designation_end(provider=provider, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        name, number = provider.employer.applicant.name, provider.designation_number
        messages.success(request, _("The designation of %(name)s (%(n)s) has ended.") % {"name": name, "n": number})
    return redirect("training_providers")
