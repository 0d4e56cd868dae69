"""Reference data: the bank file layouts a payment batch is written in (ADR 0005)."""

from cases.models import BankFileLayout

# The bank file layouts finance chooses from when it prepares a batch: the district's standard layout (columns named
# by field, UTF-8) and the layouts its paying banks ask for (headers, encoding and amount format as each bank's
# agreement sets them).
BANK_FILE_LAYOUTS = [
    {
        "code": "standard",
        "bank_name": "区财政通用格式",
        "encoding": "utf-8",
        "amount_format": "yuan",
        "totals_row": True,
        "columns": [
            {"field": name, "header": name}
            for name in ("reference", "payee_name", "bank_name", "account_number", "amount", "case_number")
        ],
    },
    {
        "code": "icbc-yh",
        "bank_name": "工商银行余杭支行",
        "encoding": "gbk",
        "amount_format": "yuan",
        "totals_row": True,
        "columns": [
            {"field": "reference", "header": "业务参考号"},
            {"field": "payee_name", "header": "收款人户名"},
            {"field": "account_number", "header": "收款人账号"},
            {"field": "bank_name", "header": "收款人开户行"},
            {"field": "amount", "header": "金额（元）"},
            {"field": "case_number", "header": "用途"},
        ],
    },
    {
        "code": "abc-yh",
        "bank_name": "农业银行余杭支行",
        "encoding": "utf-8-sig",
        "amount_format": "fen",
        "totals_row": True,
        "columns": [
            {"field": "reference", "header": "流水号"},
            {"field": "account_number", "header": "账号"},
            {"field": "payee_name", "header": "户名"},
            {"field": "amount", "header": "金额（分）"},
            {"field": "key", "header": "摘要"},
        ],
    },
    {
        "code": "yhrcb",
        "bank_name": "余杭农村商业银行",
        "encoding": "utf-8-sig",
        "amount_format": "yuan",
        "totals_row": False,
        "columns": [
            {"field": "reference", "header": "参考号"},
            {"field": "payee_name", "header": "收款人"},
            {"field": "account_number", "header": "收款账号"},
            {"field": "bank_name", "header": "收款行"},
            {"field": "amount", "header": "金额"},
            {"field": "batch_number", "header": "清册号"},
        ],
    },
]


def standard_layout() -> BankFileLayout:
    """The district's standard bank file layout (reference data loaded with the programmes)."""
    return BankFileLayout.objects.get(code="standard")
