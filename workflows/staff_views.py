from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from cases.selectors import application_timeline, applications_for_user


@login_required
def case_detail(request, public_id):
    application = applications_for_user(user=request.user).filter(public_id=public_id).first()
    if application is None:
        raise Http404
    return render(
        request,
        "workflows/case_detail.html",
        {
            "case": application,
            "timeline": application_timeline(application=application),
            "documents": application.documents.order_by("issued_at"),
            "attachments": application.attachments.all(),
            "corrections": application.corrections.all(),
        },
    )
