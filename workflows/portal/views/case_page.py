"""The case page: status history, the open correction notice and its answer, documents, withdrawal."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.constants import AttachmentKind, Status
from cases.exceptions import DomainError
from workflows.engine import steps as flow_services
from workflows.portal import forms, selectors
from workflows.portal.views.common import error_text, is_officer, portal_login_required


@portal_login_required
def case(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    correction = selectors.portal_open_correction(application=application)
    correction_rows = []
    if correction:
        for item in correction.items:
            kind = item.get("kind") or ""
            answered = bool(kind) and application.attachments.filter(kind=kind, uploaded_at__gt=correction.requested_at).exists()
            correction_rows.append(
                {
                    "kind": kind,
                    "label": AttachmentKind(kind).label if kind in AttachmentKind.values else "",
                    "message": item.get("message", ""),
                    "answered": answered,
                }
            )
    context = {
        "application": application,
        "history": selectors.portal_status_history(application=application),
        "correction": correction,
        "correction_rows": correction_rows,
        "correction_form": forms.CorrectionForm(),
        "documents": selectors.portal_documents(application=application),
        "attachments": selectors.portal_attachments(application=application),
        "can_withdraw": application.status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED_FOR_CORRECTION),
        "is_filer_officer": is_officer(request.user),
        "notes": application.notifications.filter(channel="portal")[:20],
    }
    return render(request, "workflows/portal/case.html", context)


@portal_login_required
@require_POST
def resubmit(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    form = forms.CorrectionForm(request.POST)
    answer = form.cleaned_data["answer"] if form.is_valid() else ""
    if application.status != Status.RETURNED_FOR_CORRECTION:
        messages.info(request, _("There is no open correction notice; nothing was changed."))
        return redirect("portal:case", public_id=application.public_id)
    try:
        flow_services.case_resubmit(application=application, by=request.user, answer=answer)
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect(reverse("portal:case", kwargs={"public_id": application.public_id}) + "#correction")
    messages.success(request, _("Corrections sent. The review continues."))
    return redirect("portal:case", public_id=application.public_id)


@portal_login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow_services.case_withdraw(application=application, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Application %(number)s withdrawn.") % {"number": application.number})
            return redirect("portal:case", public_id=application.public_id)
    return render(request, "workflows/portal/withdraw.html", {"application": application, "form": form})
