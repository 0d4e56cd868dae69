"""The portal pre-check's rule for the guaranteed start-up loan: a borrower of a category the rules name, with a
registered business; the categories in `training_certificate_for` need the SYB training certificate first."""

import datetime as dt

from django.utils.translation import gettext as _

from cases.models import Programme
from workflows.engine.precheck import Answers, Outcome, Verdict, persons_only, rules_verdict


def precheck(*, answers: Answers, programme: Programme, today: dt.date) -> Verdict:
    refused = persons_only(answers)
    if refused:
        return refused
    verdict = rules_verdict(answers=answers, programme=programme, today=today)
    needs_training = answers.category in (programme.eligibility_rules or {}).get("training_certificate_for", [])
    if verdict.outcome in (Outcome.YES, Outcome.LATER) and needs_training and not answers.syb_trained:
        training = _("Take the SYB entrepreneurship training first: its certificate is required for your group.")
        earlier = verdict.reasons if verdict.outcome == Outcome.LATER else ()
        return Verdict(Outcome.LATER, (*earlier, training), after=verdict.after)
    return verdict
