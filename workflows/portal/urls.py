from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from workflows.portal import views
from workflows.portal.views import disabled, employers, portal_language, publicity, training

app_name = "portal"

T = "workflows/portal/"


def _p(route, view, name):
    return path(route, portal_language(view), name=name)


urlpatterns = [
    _p("", views.home, "home"),
    _p("register/", views.register, "register"),
    _p("login/", views.PortalLoginView.as_view(), "login"),
    _p("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("portal:home")), "logout"),
    _p(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name=T + "password_reset.html",
            email_template_name=T + "password_reset_email.txt",
            subject_template_name=T + "password_reset_subject.txt",
            success_url=reverse_lazy("portal:password_reset_done"),
        ),
        "password_reset",
    ),
    _p(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=T + "password_reset_done.html"),
        "password_reset_done",
    ),
    _p(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=T + "password_reset_confirm.html", success_url=reverse_lazy("portal:password_reset_complete")
        ),
        "password_reset_confirm",
    ),
    _p(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name=T + "password_reset_complete.html"),
        "password_reset_complete",
    ),
    _p("account/bind/", views.bind, "bind"),
    _p("claim/", views.claim, "claim"),
    _p("notifications/", views.notifications, "notifications"),
    _p("check/", views.programme_check, "precheck"),
    # The disabled entrepreneurs' household grant has its own filing page (for oneself, a family member, or at the
    # window); the programme's generic apply and window addresses lead to it.
    _p("programmes/disabled/file/", disabled.disabled_file, "disabled_file"),
    _p("cases/<uuid:public_id>/confirmation/send/", disabled.disabled_confirm_send, "disabled_confirm_send"),
    _p("cases/<uuid:public_id>/confirmation/", disabled.disabled_confirm, "disabled_confirm"),
    _p("programmes/<slug:code>/", views.programme_check, "check"),
    _p("programmes/<slug:code>/apply/", views.apply_start, "apply"),
    _p("window/", views.window_start, "window"),
    _p("window/employers/", employers.window_employer, "window_employer"),
    _p("window/<slug:code>/", views.window_start, "window_programme"),
    _p("cases/<uuid:public_id>/", views.case, "case"),
    _p("cases/<uuid:public_id>/edit/<slug:step>/", views.step, "step"),
    _p("cases/<uuid:public_id>/upload/", views.upload, "upload"),
    _p("cases/<uuid:public_id>/attachments/<int:pk>/", views.attachment, "attachment"),
    _p("cases/<uuid:public_id>/attachments/<int:pk>/delete/", views.attachment_delete, "attachment_delete"),
    _p("cases/<uuid:public_id>/submit/", views.submit, "submit"),
    _p("cases/<uuid:public_id>/resubmit/", views.resubmit, "resubmit"),
    _p("cases/<uuid:public_id>/withdraw/", views.withdraw, "withdraw"),
    _p("publicity/", publicity.board, "publicity"),
    _p("publicity/lists/<str:token>.pdf", publicity.list_pdf, "publicity_pdf"),
    _p("publicity/<str:batch>/", publicity.batch, "publicity_batch"),
    _p("training/", training.training_home, "training_home"),
    _p("training/classes/<uuid:public_id>/", training.training_class, "training_class"),
    _p("employers/", employers.employer_home, "employer_home"),
    _p("employers/register/", employers.employer_register, "employer_register"),
    _p("employers/roster-template.xlsx", employers.roster_template_download, "roster_template"),
    _p("employers/<uuid:public_id>/", employers.employer, "employer"),
    _p("employers/<uuid:public_id>/agents/", employers.employer_agent_add, "employer_agent_add"),
    _p("employers/<uuid:public_id>/claims/", employers.employer_claim_open, "employer_claim_open"),
    _p("employers/<uuid:public_id>/claims/<int:year>/<int:quarter>/", employers.employer_claim, "employer_claim"),
    _p("employers/<uuid:public_id>/claims/<int:year>/<int:quarter>/upload/", employers.roster_upload, "roster_upload"),
    _p("employers/<uuid:public_id>/claims/<int:year>/<int:quarter>/submit/", employers.roster_submit, "roster_submit"),
    _p("loans/", views.loans, "loans"),
    _p("loans/<uuid:public_id>/periods/<int:period>/claim/", views.loan_claim, "loan_claim"),
]
