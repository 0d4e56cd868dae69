from django.urls import include, path

from workflows import staff_views

urlpatterns = [
    path("cases/", staff_views.case_list, name="case_list"),
    path("portal/", include("workflows.portal.urls")),
    path("cases/<uuid:public_id>/", staff_views.case_detail, name="case_detail"),
    path("publicity/", staff_views.publicity, name="publicity"),
    path("statistics/", staff_views.statistics, name="statistics"),
    path("finance/", include("workflows.finance.urls")),
    path("venture/", include("workflows.venture_views.urls")),
    path("loans/", include("workflows.loans_views.urls")),
]
