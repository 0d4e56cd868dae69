"""Guaranteed start-up loans: qualification, bank, guarantee, disbursement, schedule, repayments, default and
compensation, and the interest subsidy per period (先还后贴).

- rules: the programme's loan rules (data on the programme) and the schedule, subsidy and compensation maths;
- lifecycle: the loan's own states, from the qualification certificate to settlement, recovery or write-off;
- subsidies: claims per period, their review (which commits the envelope: ADR 0007), batches and settlement;
- interest_file: the bank's quarterly file, all or nothing;
- documents: what the certificate and the statements print.

Order in every write: lock the loan row, check permission, transition, full_clean, save, audit on the case, then
after-commit work (scheduled by the caller: cases knows nothing of the layers above). `today` is always an
argument so the simulation can run a clock of its own.
"""

from cases.services.loans.documents import loan_document_context
from cases.services.loans.interest_file import InterestRow, interest_file_import, interest_file_parse
from cases.services.loans.lifecycle import (
    bank_officer_of,
    loan_bank_decide,
    loan_compensate,
    loan_default_declare,
    loan_disburse,
    loan_extend,
    loan_guarantee_issue,
    loan_outstanding,
    loan_overdue_flag,
    loan_periods_mark_due,
    loan_qualify,
    loan_recovery_close,
    loan_recovery_record,
    loan_repayment_record,
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
    subsidy_claim_open,
    subsidy_claim_review,
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
    "interest_file_import",
    "interest_file_parse",
    "loan_bank_decide",
    "loan_cap",
    "loan_compensate",
    "loan_default_declare",
    "loan_disburse",
    "loan_document_context",
    "loan_eligibility_problems",
    "loan_extend",
    "loan_guarantee_issue",
    "loan_key_group",
    "loan_outstanding",
    "loan_overdue_flag",
    "loan_periods_mark_due",
    "loan_qualify",
    "loan_recovery_close",
    "loan_recovery_record",
    "loan_repayment_record",
    "loans_for_user",
    "schedule_compute",
    "subsidy_batch_create",
    "subsidy_claim_open",
    "subsidy_claim_review",
    "subsidy_claims_open_due",
    "subsidy_compute",
    "subsidy_line_settle",
    "subsidy_refusal",
]
