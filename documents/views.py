import hashlib

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cases.identifiers import mask_name
from documents.models import Document
from documents.selectors import document_visible_to

MAX_UPLOAD = 20 * 1024 * 1024


@require_http_methods(["GET", "POST"])
def verify(request, token: str):
    """Public: is this document genuine? Shows no personal data beyond a masked name."""
    document = Document.objects.select_related("issuing_unit", "application__applicant").filter(token=token).first()
    if document is None:
        return render(request, "documents/verify.html", {"unknown": True}, status=404)
    comparison = None
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is None or upload.size > MAX_UPLOAD:
            comparison = "invalid"
        else:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            comparison = "match" if digest.hexdigest() == document.sha256 else "mismatch"
    name = mask_name(document.application.applicant.name) if document.application_id else ""
    return render(request, "documents/verify.html", {"document": document, "masked_name": name, "comparison": comparison})


@login_required
def download(request, token: str):
    document = Document.objects.select_related("application__applicant", "application__org_unit").filter(token=token).first()
    if document is None or not document_visible_to(user=request.user, document=document):
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.kind}-{document.pk}.pdf",
        content_type="application/pdf",
    )
