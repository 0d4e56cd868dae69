from django.urls import include, path

from workflows import staff_views

urlpatterns = [
    path("portal/", include("workflows.portal.urls")),
    path("cases/<uuid:public_id>/", staff_views.case_detail, name="case_detail"),
]
