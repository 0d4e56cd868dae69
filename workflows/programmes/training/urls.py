from django.urls import path

from workflows.programmes.training import views

# Under training/ (workflows.urls).
urlpatterns = [
    # Public, like the documents' verification: the QR or the link printed on a certificate.
    path("certificates/<str:token>", views.certificate_verify, name="training_certificate_verify"),
    path("classes/", views.class_list, name="training_classes"),
    path("classes/<uuid:public_id>/decide/", views.class_decide, name="training_class_decide"),
    path("providers/", views.provider_list, name="training_providers"),
    path("providers/<uuid:public_id>/designate/", views.provider_designate, name="training_provider_designate"),
    path("providers/<uuid:public_id>/end/", views.provider_end, name="training_provider_end"),
]
