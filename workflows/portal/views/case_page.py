"""The case page: what happens next, what was submitted, status history, the open correction notice (each item's\nreason, its upload slot and the deadline) and its answer, documents, withdrawal."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.constants import AttachmentKind, ReviewLevel, Status
from cases.exceptions import DomainError
from cases.models.application import REVIEWABLE
from workflows.engine import steps as flow_services
from workflows.portal import forms, selectors
from workflows.portal.views.common import error_text, is_officer, portal_login_required


def _correction_rows(application, correction) -> list[dict]:
    """Each item of the open notice with the reviewer's reason, its upload slot and whether a new file answers it."""
    current = {(a.kind, a.slot): a for a in selectors.portal_attachments_current(application=application)}
    rows = []
    for item in selectors.portal_correction_slots(correction=correction):
        file = current.get((item.kind, item.slot))
        rows.append(
            {
                "kind": item.kind,
                "slot": item.slot,
                "label": AttachmentKind(item.kind).label if item.named_kind else _("Other item"),
                "message": item.reason,
                "file": file,
                "answered": file is not None and file.uploaded_at > correction.requested_at,
            }
        )
    return rows


def _next_steps(application) -> dict | None:
    """What happens next, once the case is submitted and while it is reviewed."""
    if application.status not in REVIEWABLE and application.status != Status.RETURNED_FOR_CORRECTION:
        return None
    level = application.waiting_level
    return {
        "level": ReviewLevel(level).label if level else "",
        "deadline": application.deadline,
        "decision_expected_on": selectors.portal_decision_expected_on(application=application),
        "receipt": selectors.portal_receipt(application=application),
        "service_phone": settings.SERVICE_PHONE,
    }


@portal_login_required
def case(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    correction = selectors.portal_open_correction(application=application)
    context = {
        "application": application,
        "history": selectors.portal_status_history(application=application),
        "correction": correction,
        "correction_rows": _correction_rows(application, correction) if correction else [],
        "correction_due_on": selectors.portal_correction_due_on(correction=correction) if correction else None,
        "correction_days": settings.CORRECTION_WORKING_DAYS,
        "correction_form": forms.CorrectionForm(),
        "next_steps": _next_steps(application),
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
