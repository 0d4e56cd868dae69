"""The claim's task pages: the district reviewer passes or rejects the settled claim, the approver confirms its
amount. Every write goes through the programme's actions. The public page verifying a training certificate."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import FormView

from cases.identifiers import mask_name
from workflows.engine.views import TaskViewMixin
from workflows.programmes.training.forms import ClaimApproveForm, ClaimReviewForm


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
