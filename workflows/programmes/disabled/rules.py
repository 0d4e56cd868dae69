"""What the engine asks before a household grant is submitted (registry `submit_rules`)."""

from cases.models import Application
from cases.services.disabled import disabled_submit_rules


def disabled_rules(application: Application) -> None:
    disabled_submit_rules(application)
