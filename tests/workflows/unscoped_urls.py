"""A URL configuration with one deliberately unscoped view, to prove test_url_access catches it."""

from django.http import HttpResponse
from django.urls import path

from cases.models import Application
from config.urls import urlpatterns as project_urlpatterns


def leaky_case(request, public_id):
    application = Application.objects.select_related("applicant").get(public_id=public_id)
    return HttpResponse(f"{application.number} {application.applicant.name}")


urlpatterns = [path("leaky/<uuid:public_id>/", leaky_case, name="leaky_case"), *project_urlpatterns]
