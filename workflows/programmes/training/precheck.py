"""The portal pre-check's rule for the SYB training subsidy: trainees join a class, designated providers claim."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from cases.models import Programme
from workflows.engine.precheck import Answers, Outcome, Route, Verdict, Who


def precheck(*, answers: Answers, programme: Programme, today: dt.date) -> Verdict:
    """SYB training subsidy: a person who wants to start a business, or started one within N years (rule
    `started_within_years`, default 3), not trained with this subsidy before. The designated training provider
    claims it per trainee; a provider is told how to claim."""
    if answers.who == Who.PROVIDER:
        return Verdict(
            Outcome.YES,
            (_("Designated training providers claim this subsidy per trainee after the class."),),
            route=Route.PROVIDER,
        )
    if answers.who != Who.PERSON:
        return Verdict(Outcome.NO, (_("This subsidy is for trainees and their training providers."),))
    if answers.syb_trained:
        return Verdict(Outcome.NO, (_("SYB training is subsidised once per person; you have taken it already."),))
    years = int((programme.eligibility_rules or {}).get("started_within_years", 3))
    registered = answers.business_registered_on
    if answers.runs_business and registered is not None and registered < today - relativedelta(years=years):
        return Verdict(
            Outcome.NO,
            (_("The training is for people who started a business within the last %(years)s years.") % {"years": years},),
        )
    return Verdict(
        Outcome.YES,
        (_("You may join a free SYB class; the designated training provider claims the subsidy."),),
        route=Route.WINDOW,
    )
