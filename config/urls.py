from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz
from documents import views as document_views
from workflows import errors
from workflows.engine.site import site_build
from workflows.login import StaffLoginView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", StaffLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("verify/<str:token>", document_views.verify, name="verify"),
    path("documents/<str:token>/download", document_views.download, name="document_download"),
    path("", include("workflows.urls")),
    path("", site_build().urls),
]

handler403 = errors.permission_denied
handler404 = errors.page_not_found
