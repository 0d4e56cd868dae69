from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import Flow

from workflows.engine.graph import ReviewGraph


class StartupFlow(ReviewGraph, Flow):
    process_title = _("One-off start-up subsidy")
    process_description = _("Community acceptance, town and district review, approval, publicity and payment.")
