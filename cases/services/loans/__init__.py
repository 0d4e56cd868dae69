"""Guaranteed start-up loans: qualification, bank, guarantee, disbursement, schedule, repayments, default and
compensation, and the interest subsidy per period (先还后贴).

- rules: the programme's loan rules (data on the programme) and the schedule, subsidy and compensation maths;
- lifecycle: the loan's own states, from the qualification certificate to repayment and settlement;
- defaulted: default, the guarantee fund's compensation, recoveries and closure (recovered or written off);
- subsidies: claims per period, their review (which commits the envelope: ADR 0007), batches and settlement;
- interest_file: the bank's quarterly file, all or nothing;
- documents: what the certificate and the statements print.

Order in every write: lock the case row, then the loan row (then its periods and claims), check permission,
transition, full_clean, save, audit on the case, then after-commit work (scheduled by the caller: cases knows
nothing of the layers above). `today` is always an argument so the simulation can run a clock of its own.
"""

from cases.services.loans.defaulted import (
    loan_closure_record,
    loan_compensation_record,
    loan_default_record,
    loan_recovery_payment_record,
)
from cases.services.loans.documents import loan_document_context
from cases.services.loans.interest_file import (
    InterestRow,
    interest_file_apply,
    interest_file_check,
    interest_file_parse,
)
from cases.services.loans.lifecycle import (
    bank_officer_of,
    loan_bank_decision_record,
    loan_disbursement_record,
    loan_extension_record,
    loan_guarantee_record,
    loan_outstanding,
    loan_overdue_flag,
    loan_period_repaid_record,
    loan_periods_mark_due,
    loan_qualify,
    loans_for_user,
)
from cases.services.loans.rules import (
    INTEREST_FILE_COLUMNS,
    NOT_COUNTING_FOR_MAX_LOANS,
    ScheduleRow,
    compensation_compute,
    loan_cap,
    loan_eligibility_problems,
    loan_key_group,
    schedule_compute,
    subsidy_compute,
)
from cases.services.loans.subsidies import (
    subsidy_batch_create,
    subsidy_claim_open_record,
    subsidy_claim_review_record,
    subsidy_claims_open_due,
    subsidy_line_settle,
    subsidy_refusal,
)

__all__ = [
    "INTEREST_FILE_COLUMNS",
    "NOT_COUNTING_FOR_MAX_LOANS",
    "InterestRow",
    "ScheduleRow",
    "bank_officer_of",
    "compensation_compute",
    "interest_file_apply",
    "interest_file_check",
    "interest_file_parse",
    "loan_bank_decision_record",
    "loan_cap",
    "loan_compensation_record",
    "loan_default_record",
    "loan_disbursement_record",
    "loan_document_context",
    "loan_eligibility_problems",
    "loan_extension_record",
    "loan_guarantee_record",
    "loan_key_group",
    "loan_outstanding",
    "loan_overdue_flag",
    "loan_periods_mark_due",
    "loan_qualify",
    "loan_closure_record",
    "loan_recovery_payment_record",
    "loan_period_repaid_record",
    "loans_for_user",
    "schedule_compute",
    "subsidy_batch_create",
    "subsidy_claim_open_record",
    "subsidy_claim_review_record",
    "subsidy_claims_open_due",
    "subsidy_compute",
    "subsidy_line_settle",
    "subsidy_refusal",
]
