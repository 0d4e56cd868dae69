from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from cases.models import Application
from cases.selectors import application_attachments, application_timeline, application_visible_to
from workflows.engine.assignment import task_may_execute
from workflows.engine.forms import DecisionForm, ObjectionDecisionForm
from workflows.engine.selectors import envelope_in_force, required_documents, working_days_left


class TaskViewMixin(LoginRequiredMixin):
    template_name = "workflows/task.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.task = request.task
        self.application = (
            Application.objects.select_related("programme", "applicant", "org_unit")
            .filter(process_id=self.task.process_id)
            .first()
        )
        if self.application is None or not application_visible_to(user=request.user, application=self.application):
            raise Http404
        # The service checks again on submit; refusing here spares the user a form they cannot send.
        if self.task.owner_id not in (None, request.user.pk) or not task_may_execute(user=request.user, task=self.task):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attachments = list(application_attachments(application=self.application))
        context.update(
            task=self.task,
            case=self.application,
            attachments=attachments,
            required=required_documents(application=self.application, attachments=attachments),
            envelope=envelope_in_force(application=self.application),
            working_days_left=working_days_left(application=self.application),
            opinions=self.application.opinions.select_related("reviewer", "org_unit"),
            timeline=application_timeline(application=self.application),
            documents=self.application.documents.all(),
            objections=self.application.objections.select_related("recorded_by").order_by("id"),
        )
        return context

    def get_success_url(self):
        return "/"


class DecisionView(TaskViewMixin, FormView):
    form_class = DecisionForm

    def form_valid(self, form):
        from workflows.engine.steps import task_decide

        task_decide(
            task_id=self.task.pk,
            by=self.request.user,
            decision=form.cleaned_data["decision"],
            opinion=form.cleaned_data["opinion"],
            amount=form.cleaned_data.get("amount"),
            items=form.items(),
        )
        messages.success(self.request, _("Decision recorded for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())


class ObjectionView(TaskViewMixin, FormView):
    form_class = ObjectionDecisionForm

    def form_valid(self, form):
        from workflows.engine.steps import task_objection_decide

        task_objection_decide(
            task_id=self.task.pk, by=self.request.user, upheld=form.cleaned_data["upheld"], reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, _("Objection decided for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())
