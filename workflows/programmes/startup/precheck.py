"""The portal pre-check's rule for the one-off start-up subsidy: a person of a category the rules name, whose
business has run the rules' months (graduates: graduated within the rules' years); once per person."""

import datetime as dt

from django.utils.translation import gettext as _

from cases.models import Programme
from workflows.engine.precheck import Answers, Outcome, Verdict, persons_only, rules_verdict


def precheck(*, answers: Answers, programme: Programme, today: dt.date) -> Verdict:
    refused = persons_only(answers)
    if refused:
        return refused
    verdict = rules_verdict(answers=answers, programme=programme, today=today)
    if verdict.outcome == Outcome.YES and (programme.eligibility_rules or {}).get("once_per_person"):
        note = _("It is granted once per person.")
        return Verdict(verdict.outcome, (*verdict.reasons, note), verdict.after, verdict.route)
    return verdict
