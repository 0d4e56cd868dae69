from django.urls import include, path

from workflows.engine.registry import registry
from workflows.staff import queue_views, statistics_views
from workflows.staff import views as staff_views

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("cases/", staff_views.case_list, name="case_list"),
    path("queue/", queue_views.work_queue, name="work_queue"),
    path("queue/bulk/", queue_views.queue_bulk, name="queue_bulk"),
    path("queue/<uuid:public_id>/open/", queue_views.queue_open, name="queue_open"),
    path("portal/", include("workflows.portal.urls")),
    path("cases/<uuid:public_id>/", staff_views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/attachments/<int:pk>/", staff_views.case_attachment, name="case_attachment"),
    path("cases/<uuid:public_id>/reveal/", staff_views.case_reveal, name="case_reveal"),
    path("publicity/", staff_views.publicity, name="publicity"),
    path("statistics/", statistics_views.statistics, name="statistics"),
    path("statistics/statistics.xlsx", statistics_views.statistics_export, {"fmt": "xlsx"}, name="statistics_xlsx"),
    path("statistics/assessment.pdf", statistics_views.statistics_export, {"fmt": "pdf"}, name="statistics_pdf"),
    path("statistics/reference/", statistics_views.reference_data, name="statistics_reference"),
    path("statistics/targets/<int:year>/", statistics_views.town_targets, name="statistics_targets"),
    path("finance/", include("workflows.finance.urls")),
]
# Each programme's own staff pages, under the prefix it registered.
urlpatterns += [path(p.url_prefix, include(p.urls)) for p in registry.all() if p.urls]
