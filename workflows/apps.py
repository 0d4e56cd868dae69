from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        """Register the programmes listed in settings.SUBSIDY_PROGRAMMES (workflows.engine.registry)."""
        from workflows.engine.graph import ReviewGraph
        from workflows.engine.registry import registry

        registry.load(settings.SUBSIDY_PROGRAMMES)
        registry.assert_every_flow_registered(ReviewGraph)
