"""Disabled entrepreneurs' household grant (残疾人自主创业扶持): the certificate, the household rule, the amount,
filing for the applicant (代办) and the applicant's confirmation."""

from .certificate import Certificate, disability_certificate_parse
from .filing import (
    disabled_amount,
    disabled_application_create,
    disabled_confirm,
    disabled_confirmation_issue,
    disabled_facts_update,
    disabled_submit_rules,
    filing_documents,
    household_conflicts,
)

__all__ = [
    "Certificate",
    "disability_certificate_parse",
    "disabled_amount",
    "disabled_application_create",
    "disabled_confirmation_issue",
    "disabled_facts_update",
    "filing_documents",
    "disabled_confirm",
    "disabled_submit_rules",
    "household_conflicts",
]
