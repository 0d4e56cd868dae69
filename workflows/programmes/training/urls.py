from django.urls import path

from workflows.programmes.training import views

urlpatterns = [
    # Public, like the documents' verification: the QR or the link printed on a certificate.
    path("certificates/<str:token>", views.certificate_verify, name="training_certificate_verify"),
]
