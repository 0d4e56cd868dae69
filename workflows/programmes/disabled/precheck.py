"""The portal pre-check's rule for the disabled entrepreneurs' household grant."""

import datetime as dt

from django.utils.translation import gettext as _

from cases.constants import ApplicantCategory
from cases.models import Programme
from workflows.engine.precheck import Answers, Outcome, Verdict, persons_only


def precheck(*, answers: Answers, programme: Programme, today: dt.date) -> Verdict:
    """Disabled entrepreneurs' household grant: a disability certificate, residence in the district, a business the
    applicant runs (individual business licence or legal representative of a firm)."""
    refused = persons_only(answers)
    if refused:
        return refused
    rules = programme.eligibility_rules or {}
    categories = rules.get("categories") or [ApplicantCategory.DISABLED]
    reasons = []
    if answers.category not in categories:
        reasons.append(_("This grant is for disabled people who hold a disability certificate."))
    if not answers.resident:
        reasons.append(_("This grant is for residents of the district."))
    if reasons:
        return Verdict(Outcome.NO, tuple(reasons))
    if not answers.runs_business:
        return Verdict(
            Outcome.LATER,
            (
                _(
                    "Register your business first (an individual business licence, or a firm of which you are the "
                    "legal representative); then you may apply."
                ),
            ),
        )
    return Verdict(Outcome.YES, (_("You hold a disability certificate, live in the district and run a business."),))
