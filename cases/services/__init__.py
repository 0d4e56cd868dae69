"""Public write API of the record. Import from here."""

from .access import (
    login_failure_record,
    login_lock_find,
    login_unlock,
    otp_device_confirm,
    otp_enrolment_code_issue,
    otp_enrolment_code_redeem,
)
from .applicants import (
    applicant_claim,
    applicant_enterprise_get_or_create,
    applicant_person_get_or_create,
    applicant_user_register,
    applicant_user_register_confirmed,
    claim_code_new,
    user_real_name_bind,
)
from .applications import (
    application_close,
    application_create,
    application_draft_update,
    application_resubmit,
    application_submit,
    application_withdraw,
    missing_documents,
    staff_may,
)
from .attachments import attachment_add, attachment_delete
from .audit import audit_chain_verify, audit_guard_problems
from .budget import budget_commit, budget_pay, budget_recover, budget_release, envelope_for, funding_sources_set, split_by_weights
from .disabled import (
    disability_certificate_parse,
    disabled_application_create,
    disabled_confirm,
    disabled_confirmation_issue,
    disabled_facts_update,
    filing_documents,
)
from .numbering import counter_next
from .objections import ObjectionQuotaExceeded, objection_file, objection_input_problems
from .outbox import (
    outbox_backlog,
    outbox_dispatched,
    outbox_due,
    outbox_grace,
    outbox_item_claim,
    outbox_item_done,
    outbox_item_failed,
    outbox_pending,
    outbox_record,
)
from .payments import (
    bank_account_correct,
    bank_file_path,
    bank_file_render,
    bank_file_rows,
    clawback_open,
    clawback_recovered,
    line_reference,
    payment_batch_approval_record,
    payment_batch_create,
    payment_batch_export,
    payment_batch_reconcile_if_done,
    payment_line_settle,
    return_file_parse,
    return_file_record,
    return_file_seen,
    return_file_template,
    validate_bank_account,
)
from .personal_data import REVEALABLE, personal_number_may_reveal, personal_number_reveal
from .programmes import programme_create, programme_rules_change, programme_rules_validate
from .publicity import (
    objection_decide,
    objection_raise,
    publicity_batch_close,
    publicity_batches_due,
    publicity_open,
    publicity_pass_case,
)
from .reviews import LEVEL_PERMISSION, REVIEW_PERMISSIONS, application_decide, level_permission, review_task_assignment_record
from .sms_codes import SmsCodeRefused, sms_code_check, sms_code_issue, sms_code_valid_minutes
