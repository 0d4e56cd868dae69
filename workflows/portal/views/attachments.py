"""Evidence files, uploaded to a draft or in answer to a correction notice, and opened again from the case."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from cases import services as case_services
from cases.constants import AttachmentKind, Status
from cases.exceptions import DomainError
from cases.models import Application
from workflows.evidence import attachment_response
from workflows.portal import forms, selectors
from workflows.portal.uploads import (
    SizeLimitUploadHandler,
    UploadRejected,
    request_too_large,
    too_large_message,
    upload_read,
)
from workflows.portal.views.common import error_text, portal_login_required


def _upload_back(application: Application) -> str:
    if application.status == Status.DRAFT:
        return reverse("portal:step", kwargs={"public_id": application.public_id, "step": "documents"})
    return reverse("portal:case", kwargs={"public_id": application.public_id}) + "#correction"


@csrf_exempt  # checked by _upload once the size is known to be acceptable (Django's documented pattern)
@portal_login_required
@require_POST
def upload(request, public_id):
    """One file for one document kind, on a draft or in answer to a correction notice.

    A body above the limit is refused from its Content-Length alone, before anything (the CSRF check included)
    reads it; a file that grows past the limit while streaming is dropped by SizeLimitUploadHandler."""
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    if request_too_large(request):
        messages.error(request, too_large_message())
        return redirect(_upload_back(application))
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _upload(request, application)


@csrf_protect
def _upload(request, application: Application):
    back = _upload_back(application)
    form = forms.UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        messages.error(request, too_large_message())
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(back)
    kind, slot = form.cleaned_data["kind"], form.cleaned_data["slot"]
    replacing = application.attachments.filter(kind=kind, slot=slot).exists()
    try:
        upload = form.cleaned_data.get("file")
        case_services.attachment_add(
            application=application, by=request.user, kind=kind, slot=slot, content=upload_read(upload), name=upload.name
        )
    except UploadRejected as error:
        refused = {"kind": AttachmentKind(kind).label, "reason": error.message}
        if replacing:
            messages.error(request, _("%(kind)s: %(reason)s Nothing was replaced: the current file stays.") % refused)
        else:
            messages.error(request, f"{refused['kind']}: {refused['reason']}")
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        done = _("%(kind)s replaced; the earlier file stays on record.") if replacing else _("%(kind)s uploaded.")
        messages.success(request, done % {"kind": AttachmentKind(kind).label})
    return redirect(back)


@portal_login_required
@require_POST
def attachment_delete(request, public_id, pk):
    """Delete a slot's file from a draft (before submission only; afterwards a file is replaced, never deleted)."""
    found = selectors.portal_attachment_for(user=request.user, public_id=public_id, pk=pk)
    application = found.application
    try:
        case_services.attachment_delete(application=application, by=request.user, attachment_id=found.pk)
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("portal:case", public_id=application.public_id)
    messages.success(request, _("%(kind)s deleted.") % {"kind": found.get_kind_display()})
    return redirect(_upload_back(application))


@portal_login_required
@require_safe
def attachment(request, public_id, pk):
    """One evidence file of a case the user may see (their own), checked against its digest; 404 for any other."""
    found = selectors.portal_attachment_for(user=request.user, public_id=public_id, pk=pk)
    return attachment_response(request, found, base_template="workflows/portal/base.html")
