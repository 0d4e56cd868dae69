"""Domain errors become HTTP responses in one place, with the message in the user's language."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed

from cases.exceptions import DomainError, TransitionForbidden


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, FlowLockFailed):
            # viewflow's lock could not be taken in time: another user is acting on the same case. 409, try again.
            exception = TransitionForbidden(_("Someone else is working on this case right now. Please try again in a moment."))
        if not isinstance(exception, DomainError):
            return None
        payload = {"error": str(exception.message), "details": [str(d) for d in exception.details]}
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(payload, status=exception.http_status)
        return render(request, "workflows/error.html", payload, status=exception.http_status)
