"""Domain errors become HTTP responses in one place, with the message in the user's language."""

from django.http import JsonResponse
from django.shortcuts import render
from viewflow.workflow.exceptions import FlowLockFailed

from cases.exceptions import DomainError, TransitionForbidden


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, FlowLockFailed):
            exception = TransitionForbidden("此案件正由他人处理，请稍后重试。")
        if not isinstance(exception, DomainError):
            return None
        payload = {"error": str(exception.message), "details": [str(d) for d in exception.details]}
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(payload, status=exception.http_status)
        return render(request, "workflows/error.html", payload, status=exception.http_status)
