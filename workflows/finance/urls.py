from django.urls import path

from workflows.finance import views

app_name = "finance"

urlpatterns = [
    path("", views.envelope_list, name="envelopes"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/prepare/", views.batch_prepare, name="batch_prepare"),
    path("batches/prepare-subsidies/", views.subsidy_prepare, name="subsidy_prepare"),
    path("batches/<str:number>/", views.batch_detail, name="batch_detail"),
    path("batches/<str:number>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<str:number>/export/<str:fmt>/", views.batch_export, name="batch_export"),
    path("batches/<str:number>/import/", views.batch_import, name="batch_import"),
    path("batches/<str:number>/return-template.csv", views.batch_return_template, name="batch_return_template"),
    path("batches/<str:number>/reconciliation.xlsx", views.batch_reconciliation_xlsx, name="batch_reconciliation_xlsx"),
    path("2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
]
