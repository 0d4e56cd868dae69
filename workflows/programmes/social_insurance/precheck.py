"""The portal pre-check's rule for the employer social-insurance subsidy: an employer who hired people of the
groups on a labour contract of at least the rules' years claims per quarter on the employers' pages."""

import datetime as dt

from django.utils.translation import gettext as _

from cases.models import Programme
from cases.services.social_insurance.rules import roster_rule
from workflows.engine.precheck import Answers, Outcome, Route, Verdict, Who


def precheck(*, answers: Answers, programme: Programme, today: dt.date) -> Verdict:
    if answers.who != Who.EMPLOYER:
        return Verdict(Outcome.NO, (_("This subsidy is claimed by employers for the people they hired."),))
    years = roster_rule(programme.current_rules, "contract_min_years")
    if not answers.hired:
        return Verdict(
            Outcome.LATER,
            (
                _(
                    "Hire people of the supported groups on a labour contract of at least %(years)s year(s); then you "
                    "may claim per quarter."
                )
                % {"years": years},
            ),
            route=Route.EMPLOYER,
        )
    return Verdict(
        Outcome.YES,
        (
            _("You may claim per quarter for staff of the supported groups on a contract of at least %(years)s year(s).")
            % {"years": years},
        ),
        route=Route.EMPLOYER,
    )
