"""The programme's roster rules, read from its rules version (cases.models.ProgrammeRules; a change is a new version):

  amount_rule: {"type": "roster",
                "max_months_per_person": 36,        # per person and category, counted across employers
                "max_months_by_category": {"graduate": 12},   # optional, overrides the one above per category
                "near_retirement_years": 5}         # fewer years than this to retirement: the cap gives way to it
  eligibility_rules: {"contract_min_years": 1, "graduate_within_years": 2}

and the amount of one person-month: the employer's actual contribution for the covered insurances, at most the
year's standard (SocialInsuranceStandard.monthly_cap).
"""

from decimal import Decimal

from cases.models import ProgrammeRules
from cases.models.social_insurance import ContributionRecord

DEFAULTS = {
    "max_months_per_person": 36,
    "near_retirement_years": 5,
    "contract_min_years": 1,
    "graduate_within_years": 2,
}


def roster_rule(rules: ProgrammeRules, key: str):
    for source in (rules.amount_rule or {}, rules.eligibility_rules or {}):
        if key in source:
            return source[key]
    return DEFAULTS[key]


def months_cap(rules: ProgrammeRules, category: str) -> int:
    by_category = (rules.amount_rule or {}).get("max_months_by_category", {})
    return int(by_category.get(category, roster_rule(rules, "max_months_per_person")))


def person_month_amount(*, record: ContributionRecord, cap: Decimal) -> Decimal:
    """What one person-month pays: nothing for a reversed contribution, else the employer's pension + medical +
    unemployment amounts, at most the year's cap."""
    if record.reversed:
        return Decimal("0.00")
    return min(record.employer_total, cap)
