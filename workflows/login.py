"""The staff sign-in page: throttled (cases.login), refused to applicant accounts; 429 while locked out."""

from django.contrib.auth import views as auth_views

from cases.login import StaffLoginForm


class LockedStatusMixin:
    """A LoginView answering 429 Too Many Requests when the form was refused because of a lock-out."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "locked", False):
            response.status_code = 429
        return response


class StaffLoginView(LockedStatusMixin, auth_views.LoginView):
    template_name = "workflows/staff_login.html"
    form_class = StaffLoginForm
