"""The project's own 403 and 404 pages, in the user's language. A visitor who is not signed in is sent to the login
page of the site they asked for (the portal's for /portal/, the staff login otherwise) and comes back after it."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse


def _in_portal(request) -> bool:
    return request.path.startswith(reverse("portal:home"))


def _error_page(request, status: int):
    base = "workflows/portal/base.html" if _in_portal(request) else "workflows/page.html"
    return render(request, "workflows/http_error.html", {"status": status, "base": base}, status=status)


def permission_denied(request, exception=None):
    if not request.user.is_authenticated and request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path(), reverse("portal:login") if _in_portal(request) else settings.LOGIN_URL)
    return _error_page(request, 403)


def page_not_found(request, exception=None):
    return _error_page(request, 404)
