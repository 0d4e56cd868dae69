from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow import FlowAppViewset

from workflows.flows import StartupFlow
from workflows.venture import VentureFlow

site = Site(
    title=_("Entrepreneurship subsidies"),
    viewsets=[FlowAppViewset(StartupFlow, icon="assignment"), FlowAppViewset(VentureFlow, icon="groups")],
)
