"""The portal pre-check's rule for the graduate venture grant: a graduate within the rules' years whose company has
run the rules' months; the shareholding is checked on filing and said here."""

import datetime as dt

from django.utils.translation import gettext as _

from cases.models import Programme
from workflows.engine.precheck import Answers, Outcome, Verdict, persons_only, rules_verdict


def precheck(*, answers: Answers, programme: Programme, today: dt.date) -> Verdict:
    refused = persons_only(answers)
    if refused:
        return refused
    verdict = rules_verdict(answers=answers, programme=programme, today=today)
    if verdict.outcome in (Outcome.YES, Outcome.LATER):
        percent = (programme.eligibility_rules or {}).get("graduate_capital_min_percent", 30)
        note = _(
            "You must be the company's legal representative, and graduates must hold at least %(percent)s %% of its capital."
        ) % {"percent": percent}
        return Verdict(verdict.outcome, (*verdict.reasons, note), verdict.after, verdict.route)
    return verdict
