"""The claim's review pages: a reviewer decides roster rows (one by one or all remaining at once) and completes
the level; the district approver confirms the approved total. Every write goes through the programme's actions."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from cases.models.social_insurance import RowDecision
from workflows.engine.views import TaskViewMixin
from workflows.programmes.social_insurance.forms import ApproveForm, RowsReviewForm


class _ClaimTaskMixin(TaskViewMixin):
    template_name = "social_insurance/review.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.application.social_insurance_claim
        context.update(claim=claim, rows=claim.roster_rows.order_by("line"))
        return context


class RowsReviewView(_ClaimTaskMixin, FormView):
    form_class = RowsReviewForm

    def form_valid(self, form):
        from workflows.programmes.social_insurance import actions

        data, by = form.cleaned_data, self.request.user
        if data["action"] == "rows":
            reason = data["reason"]
            actions.task_rows_decide(
                task_id=self.task.pk, by=by, approve=data["approve_lines"], refuse={n: reason for n in data["refuse_lines"]}
            )
            messages.success(self.request, _("Rows decided."))
            return redirect(self.request.path)
        if data["action"] == "remaining":
            count = actions.task_rows_decide_remaining(
                task_id=self.task.pk, by=by, decision=data["remaining"] or RowDecision.APPROVED, reason=data["reason"]
            )
            messages.success(self.request, _("%(n)s rows decided.") % {"n": count})
            return redirect(self.request.path)
        actions.task_level_complete(task_id=self.task.pk, by=by, opinion=data["opinion"])
        messages.success(self.request, _("Review completed for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())


class ClaimApproveView(_ClaimTaskMixin, FormView):
    form_class = ApproveForm

    def form_valid(self, form):
        from workflows.programmes.social_insurance import actions

        actions.task_claim_approve(task_id=self.task.pk, by=self.request.user, opinion=form.cleaned_data["opinion"])
        messages.success(self.request, _("Decision recorded for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())
