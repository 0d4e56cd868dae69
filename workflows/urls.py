from django.urls import include, path

from workflows import staff_views

urlpatterns = [
    path("cases/<uuid:public_id>/", staff_views.case_detail, name="case_detail"),
    path("venture/", include("workflows.venture_views.urls")),
]
