"""A throw-away programme for the tests: the review graph under its own flow, a submission rule and a consistency
check, registered through the registry alone (tests/settings.py lists it)."""

from django.utils.translation import gettext as _

from cases.exceptions import DomainError

PILOT_CAP = 8000


def pilot_submit_rules(application) -> None:
    """The pilot funds small requests only."""
    if application.requested_amount is not None and application.requested_amount > PILOT_CAP:
        raise DomainError(_("The pilot funds at most %(cap)s.") % {"cap": PILOT_CAP})


def pilot_checks() -> list[str]:
    from cases.models import Application

    return [
        f"{a.number}: pilot case without a flow"
        for a in Application.objects.filter(programme__kind="pilot", status="submitted", process=None)
    ]


def register(registry) -> None:
    from tests.workflows.programmes.pilot.flow import PilotFlow
    from workflows.engine.registry import Programme

    registry.register(
        Programme(kind="pilot", flow=PilotFlow, icon="science", submit_rules=pilot_submit_rules, checks={"pilot": pilot_checks})
    )
