from django.urls import path

from workflows.programmes.loan import queue_views, views

app_name = "loans"

# Under loans/ (workflows.urls). viewflow's site serves LoanFlow's own pages under loan/ (index, inbox, queue,
# archive, <process id>/...); every page here lives under loans/, and the loans are named by their case's public id.
urlpatterns = [
    path("book/", views.loan_list, name="list"),
    path("book/<uuid:public_id>/", views.loan_detail, name="detail"),
    path("book/<uuid:public_id>/bank-decision/", views.bank_decision, name="bank_decide"),
    path("book/<uuid:public_id>/disburse/", views.disbursement, name="disburse"),
    path("book/<uuid:public_id>/repayment/", views.loan_repayment, name="repayment"),
    path("book/<uuid:public_id>/extend/", views.extension, name="extend"),
    path("book/<uuid:public_id>/default/", views.loan_default, name="default"),
    path("book/<uuid:public_id>/guarantee/", views.loan_guarantee, name="guarantee"),
    path("book/<uuid:public_id>/compensate/", views.compensation, name="compensate"),
    path("book/<uuid:public_id>/recovery/", views.loan_recovery, name="recovery"),
    path("book/<uuid:public_id>/close/", views.loan_close, name="close"),
    path("book/<uuid:public_id>/periods/<int:period>/review/", queue_views.claim_review, name="claim_review"),
    path("qualify/", queue_views.qualify_list, name="qualify_list"),
    path("qualify/<uuid:public_id>/", queue_views.qualify, name="qualify"),
    path("claims/", queue_views.claim_queue, name="claims"),
    path("interest-file/", queue_views.interest_file, name="interest_file"),
]
