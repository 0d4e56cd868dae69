from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow import FlowAppViewset

from workflows.flows import StartupFlow
from workflows.loans import LoanFlow

site = Site(
    title=_("Entrepreneurship subsidies"),
    viewsets=[FlowAppViewset(StartupFlow, icon="assignment"), FlowAppViewset(LoanFlow, icon="account_balance")],
)
