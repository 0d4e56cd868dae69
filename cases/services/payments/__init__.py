"""Payments: batches (清册) the maker prepares and the checker approves, the bank file that goes out, the bank's
return file that comes back, and what follows (account corrections, clawbacks). A case is never paid twice: one
live line per case and instalment, one paid line, enforced by the database as well as here.

- lines: one transfer attempt, its reference and the account number check;
- bank_files: the bank file in the batch's layout, the same bytes every time;
- batches: prepare, approve, export, reconcile;
- returns: the bank's return file, checked all or nothing, then settled line by line;
- corrections: the corrected account after a return (补发) and clawbacks.
"""

from cases.services.payments.bank_files import (
    BANK_FILE_COLUMNS,
    BANK_FILE_FORMATS,
    bank_file_path,
    bank_file_render,
    bank_file_rows,
)
from cases.services.payments.batches import (
    PAYABLE,
    payment_batch_approval_record,
    payment_batch_create,
    payment_batch_export,
    payment_batch_reconcile_if_done,
)
from cases.services.payments.corrections import bank_account_correct, clawback_open, clawback_recovered
from cases.services.payments.lines import line_reference, payment_line_add, validate_bank_account
from cases.services.payments.returns import (
    RETURN_FILE_COLUMNS,
    ReturnRow,
    payment_line_settle,
    return_file_digest,
    return_file_parse,
    return_file_record,
    return_file_seen,
    return_file_template,
)

__all__ = [
    "BANK_FILE_COLUMNS",
    "BANK_FILE_FORMATS",
    "PAYABLE",
    "RETURN_FILE_COLUMNS",
    "ReturnRow",
    "bank_account_correct",
    "bank_file_path",
    "bank_file_render",
    "bank_file_rows",
    "clawback_open",
    "clawback_recovered",
    "line_reference",
    "payment_batch_approval_record",
    "payment_batch_create",
    "payment_batch_export",
    "payment_batch_reconcile_if_done",
    "payment_line_add",
    "payment_line_settle",
    "return_file_digest",
    "return_file_parse",
    "return_file_record",
    "return_file_seen",
    "return_file_template",
    "validate_bank_account",
]
