from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    SUBMISSION_RECEIPT = "submission_receipt", _("Submission receipt")
    ACCEPTANCE_NOTICE = "acceptance_notice", _("Acceptance notice")
    CORRECTION_NOTICE = "correction_notice", _("One-time missing-documents notice")
    REVIEW_OPINION = "review_opinion", _("Review opinion form")
    APPROVAL_DECISION = "approval_decision", _("Approval decision")
    REFUSAL_NOTICE = "refusal_notice", _("Refusal notice")
    PUBLICITY_LIST = "publicity_list", _("Publicity list")
    PAYMENT_NOTICE = "payment_notice", _("Payment notice")
    PAYMENT_LIST = "payment_list", _("Payment batch list")
    VENTURE_PANEL_RECORD = "venture_panel_record", _("Expert panel record")
    VENTURE_APPROVAL_DECISION = "venture_approval_decision", _("Venture grant approval decision")
    VENTURE_REFUSAL_NOTICE = "venture_refusal_notice", _("Venture grant refusal notice")
    LOAN_CERTIFICATE = "loan_certificate", _("Loan qualification certificate")
    LOAN_SUBSIDY_STATEMENT = "loan_subsidy_statement", _("Interest subsidy statement")


# Chinese title printed on each kind; the word in the number (余人社创〔2026〕00123号) comes from the programme.
TITLES = {
    DocumentKind.SUBMISSION_RECEIPT: "受理回执",
    DocumentKind.ACCEPTANCE_NOTICE: "受理通知书",
    DocumentKind.CORRECTION_NOTICE: "一次性告知书",
    DocumentKind.REVIEW_OPINION: "审核意见表",
    DocumentKind.APPROVAL_DECISION: "审批决定书",
    DocumentKind.REFUSAL_NOTICE: "不予批准通知书",
    DocumentKind.PUBLICITY_LIST: "公示名单",
    DocumentKind.PAYMENT_NOTICE: "拨付通知书",
    DocumentKind.PAYMENT_LIST: "拨付清册",
    DocumentKind.VENTURE_PANEL_RECORD: "专家评审记录",
    DocumentKind.VENTURE_APPROVAL_DECISION: "创业项目资助审批决定书",
    DocumentKind.VENTURE_REFUSAL_NOTICE: "创业项目资助不予批准通知书",
    DocumentKind.LOAN_CERTIFICATE: "创业担保贷款资格认定书",
    DocumentKind.LOAN_SUBSIDY_STATEMENT: "创业担保贷款贴息结算单",
}


TITLES_EN = {
    DocumentKind.SUBMISSION_RECEIPT: "Submission Receipt",
    DocumentKind.ACCEPTANCE_NOTICE: "Acceptance Notice",
    DocumentKind.CORRECTION_NOTICE: "One-Time Notice of Missing Documents",
    DocumentKind.REVIEW_OPINION: "Review Opinion Form",
    DocumentKind.APPROVAL_DECISION: "Approval Decision",
    DocumentKind.REFUSAL_NOTICE: "Notice of Refusal",
    DocumentKind.PUBLICITY_LIST: "Publicity List",
    DocumentKind.PAYMENT_NOTICE: "Payment Notice",
    DocumentKind.PAYMENT_LIST: "Payment Batch List",
}


class DocumentLanguage(models.TextChoices):
    CHINESE = "zh-hans", _("Simplified Chinese")
    ENGLISH = "en", _("English")


class NumberStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    USED = "used", _("Used")
    VOID = "void", _("Void")


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUPERSEDED = "superseded", _("Superseded")


# Official Chinese wording printed on documents. The record's labels are English msgids and the project ships no
# compiled Chinese catalogue yet, so the documents carry their own wording (English documents use the labels).
LEVEL_ZH = {"community": "社区受理", "town": "镇街审核", "district": "区级审核", "approval": "区级审批"}
DECISION_ZH = {"pass": "通过", "return": "退回补正", "reject": "不予通过"}
ATTACHMENT_ZH = {
    "id_card": "居民身份证",
    "business_licence": "营业执照",
    "graduation_certificate": "毕业证书",
    "unemployment_certificate": "失业登记证明",
    "land_certificate": "被征地证明",
    "lease": "经营场所租赁合同",
    "social_insurance_record": "社会保险缴费记录",
    "bank_account": "银行账户证明",
    "disability_certificate": "残疾人证",
    "business_plan": "创业计划书",
    "shareholder_register": "股东名册",
    "degree_certificate": "学位证书",
    "training_certificate": "培训合格证书",
    "roster": "职工花名册",
    "other": "其他材料",
}
