"""The programme's training rules, read from its rules version (cases.models.ProgrammeRules; a change is a new one):

amount_rule: {"type": "per_trainee",
              "amount_per_trainee": "1000",        # yuan per certified trainee claimed
              "share_without_business": "0.50",    # paid for a trainee who started no business in the window
              "business_window_months": 6}         # the window after the class's last day
eligibility_rules: {"claim_within_months": 6,      # a claim is filed at most this long after the class
                    "min_attendance_percent": 80}  # a roster row below it is refused
"""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from cases.models import ProgrammeRules

DEFAULTS = {
    "amount_per_trainee": "1000",
    "share_without_business": "0.50",
    "business_window_months": 6,
    "claim_within_months": 6,
    "min_attendance_percent": 80,
}


def training_rule(rules: ProgrammeRules, key: str):
    for source in (rules.amount_rule or {}, rules.eligibility_rules or {}):
        if key in source:
            return source[key]
    return DEFAULTS[key]


def amount_per_trainee(rules: ProgrammeRules) -> Decimal:
    return Decimal(str(training_rule(rules, "amount_per_trainee")))


def share_without_business(rules: ProgrammeRules) -> Decimal:
    return Decimal(str(training_rule(rules, "share_without_business")))


def min_attendance(rules: ProgrammeRules) -> int:
    return int(training_rule(rules, "min_attendance_percent"))


def claim_window_ends_on(rules: ProgrammeRules, class_ends_on: dt.date) -> dt.date:
    """The last day a claim for the class may be filed."""
    return class_ends_on + relativedelta(months=int(training_rule(rules, "claim_within_months")))


def business_window_ends_on(rules: ProgrammeRules, class_ends_on: dt.date) -> dt.date:
    """The last day inside the trainees' business window: a business registered on it still counts in full."""
    return class_ends_on + relativedelta(months=int(training_rule(rules, "business_window_months")))
