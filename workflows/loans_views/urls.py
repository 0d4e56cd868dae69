from django.urls import path

from workflows.loans_views import views

app_name = "loans"

# Under loans/ (workflows.urls). viewflow's site serves LoanFlow's own pages under loan/ (index, inbox, queue,
# archive, <process id>/...); every page here lives under loans/, and the loans are named by their case's public id.
urlpatterns = [
    path("book/", views.loan_list, name="list"),
    path("book/<uuid:public_id>/", views.loan_detail, name="detail"),
    path("book/<uuid:public_id>/bank-decision/", views.loan_bank_decide, name="bank_decide"),
    path("book/<uuid:public_id>/disburse/", views.loan_disburse, name="disburse"),
    path("book/<uuid:public_id>/repayment/", views.loan_repayment, name="repayment"),
    path("book/<uuid:public_id>/extend/", views.loan_extend, name="extend"),
    path("book/<uuid:public_id>/default/", views.loan_default, name="default"),
    path("book/<uuid:public_id>/guarantee/", views.loan_guarantee, name="guarantee"),
    path("book/<uuid:public_id>/compensate/", views.loan_compensate, name="compensate"),
    path("book/<uuid:public_id>/recovery/", views.loan_recovery, name="recovery"),
    path("book/<uuid:public_id>/close/", views.loan_close, name="close"),
    path("book/<uuid:public_id>/periods/<int:period>/review/", views.claim_review, name="claim_review"),
    path("qualify/", views.qualify_list, name="qualify_list"),
    path("qualify/<uuid:public_id>/", views.qualify, name="qualify"),
    path("claims/", views.claim_queue, name="claims"),
    path("interest-file/", views.interest_file, name="interest_file"),
]
