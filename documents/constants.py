from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    ACCEPTANCE_NOTICE = "acceptance_notice", _("Acceptance notice")
    CORRECTION_NOTICE = "correction_notice", _("One-time missing-documents notice")
    REVIEW_OPINION = "review_opinion", _("Review opinion form")
    APPROVAL_DECISION = "approval_decision", _("Approval decision")
    REFUSAL_NOTICE = "refusal_notice", _("Refusal notice")
    PUBLICITY_LIST = "publicity_list", _("Publicity list")
    PAYMENT_NOTICE = "payment_notice", _("Payment notice")
    PAYMENT_LIST = "payment_list", _("Payment batch list")
    LOAN_CERTIFICATE = "loan_certificate", _("Loan qualification certificate")
    LOAN_SUBSIDY_STATEMENT = "loan_subsidy_statement", _("Interest subsidy statement")


# Chinese title printed on each kind; the word in the number (余人社创〔2026〕00123号) comes from the programme.
TITLES = {
    DocumentKind.ACCEPTANCE_NOTICE: "受理通知书",
    DocumentKind.CORRECTION_NOTICE: "一次性告知书",
    DocumentKind.REVIEW_OPINION: "审核意见表",
    DocumentKind.APPROVAL_DECISION: "审批决定书",
    DocumentKind.REFUSAL_NOTICE: "不予批准通知书",
    DocumentKind.PUBLICITY_LIST: "公示名单",
    DocumentKind.PAYMENT_NOTICE: "拨付通知书",
    DocumentKind.PAYMENT_LIST: "拨付清册",
    DocumentKind.LOAN_CERTIFICATE: "创业担保贷款资格认定书",
    DocumentKind.LOAN_SUBSIDY_STATEMENT: "创业担保贷款贴息结算单",
}


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUPERSEDED = "superseded", _("Superseded")
