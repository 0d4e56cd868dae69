"""The public publicity board (公示栏): no sign-in. The lists of every programme, current and past, with masked names
and identifiers only (cases.selectors.publicity_rows_public), each with its list PDF; during the period anyone may
file an objection and gets its receipt number. The objection reaches the staff's investigation task
(workflows.engine.steps.objection_file_online)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.exceptions import DomainError
from cases.login import client_address
from cases.selectors import (
    publicity_batch_is_current,
    publicity_batch_public,
    publicity_board,
    publicity_entry_application,
    publicity_rows_public,
)
from cases.services.social_insurance.review import publicity_batch_rows
from documents.selectors import publicity_list_current, publicity_list_public
from workflows.engine import steps as flow_services
from workflows.portal.forms import PublicObjectionForm
from workflows.portal.views.common import error_text


@require_GET
def board(request):
    today = timezone.localdate()
    groups = publicity_board(today=today)
    return render(request, "workflows/portal/publicity/board.html", {"groups": groups, "today": today})


@require_http_methods(["GET", "POST"])
def batch(request, batch: str):
    today = timezone.localdate()
    found = publicity_batch_public(number=batch, today=today)
    if found is None:
        raise Http404
    rows = publicity_rows_public(batch=found)
    current = publicity_batch_is_current(found, today)
    form = PublicObjectionForm(request.POST if request.method == "POST" else None, rows=rows, programme=found.programme)
    status = 200
    if request.method == "POST":
        filed, status = _file(request, found, form, current)
        if filed:
            return redirect("portal:publicity_batch", batch=found.number)
    context = {
        "batch": found,
        "rows": rows,
        "person_rows": publicity_batch_rows(batch=found),
        "current": current,
        "form": form,
        "document": publicity_list_current(batch=found),
    }
    return render(request, "workflows/portal/publicity/batch.html", context, status=status)


def _file(request, batch, form, current: bool) -> tuple[bool, int]:
    """File the posted objection; (whether it was filed, the status of the page shown otherwise)."""
    if not current:
        messages.error(request, _("The publicity period of this list has ended: objections are no longer accepted."))
        return False, 409
    if not form.is_valid():
        return False, 400
    application = publicity_entry_application(batch=batch, seq=form.cleaned_data["line"])
    try:
        objection = flow_services.objection_file_online(
            application=application,
            name=form.cleaned_data["name"],
            contact=form.cleaned_data["contact"],
            reason=form.cleaned_data["reason"],
            address=client_address(request),
        )
    except DomainError as error:
        form.add_error(None, error_text(error))
        return False, error.http_status
    messages.success(
        request,
        _(
            "Your objection was filed. Receipt number: %(number)s. Keep it: the investigators will reach you through the contact you gave."
        )
        % {"number": objection.number},
    )
    return True, 302


@require_GET
def list_pdf(request, token: str):
    document = publicity_list_public(token=token)
    if document is None:
        raise Http404
    return FileResponse(
        document.file.open("rb"), filename=f"{document.number}.pdf", content_type="application/pdf", as_attachment=False
    )
