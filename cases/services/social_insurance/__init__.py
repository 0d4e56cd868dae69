"""Employer social-insurance subsidy (社保补贴): quarterly roster claims against the person-month ledger.

- roster: the template and the checks one row needs on its own (ID checksum, category, dates, contract length,
  months in the contract and the quarter, retirement cut-off, amounts);
- checks: the whole roster: duplicates in the file, the ledger across employers, the months cap, contributions;
- claims: a claim per employer and quarter; the roster saved whole (or only its valid rows) with its person-months;
- contributions: the agency's monthly contribution file, idempotent per person, employer and month;
- retirement: the statutory retirement age by birth month and sex (the 2025 gradual rule);
- review: the claim's case, the town's and the district's decisions per row, approval, the publicity rows;
- settlement: the approved person-months paid, and clawed back after a reversal or an ineligibility;
- rules: the programme's roster rules and the amount of a person-month;
- tables: reading XLSX and CSV (UTF-8 or GBK) uploads.
"""

from cases.services.social_insurance.checks import RosterReport, roster_check
from cases.services.social_insurance.claims import roster_submit, social_insurance_claim_open
from cases.services.social_insurance.contributions import (
    CONTRIBUTION_COLUMNS,
    contribution_file_import,
    contribution_file_parse,
)
from cases.services.social_insurance.retirement import retirement_month
from cases.services.social_insurance.roster import MAX_ROSTER_ROWS, ROSTER_COLUMNS, roster_template
from cases.services.social_insurance.rules import months_cap, person_month_amount

__all__ = [
    "CONTRIBUTION_COLUMNS",
    "MAX_ROSTER_ROWS",
    "ROSTER_COLUMNS",
    "RosterReport",
    "contribution_file_import",
    "contribution_file_parse",
    "months_cap",
    "person_month_amount",
    "retirement_month",
    "roster_check",
    "roster_submit",
    "roster_template",
    "social_insurance_claim_open",
]
