"""The agency's monthly contribution file: idempotent per person, employer and month; corrections and reversals
recorded; bad rows listed with their line numbers and nothing written; the amount of a person-month."""

from decimal import Decimal

import pytest

from cases import crypto
from cases.exceptions import InvalidImport, PermissionDenied
from cases.models.social_insurance import ContributionFile, ContributionRecord
from cases.services.social_insurance import CONTRIBUTION_COLUMNS, contribution_file_import, person_month_amount
from tests.cases.services.social_insurance.given import MONTHLY_CAP, citizen_id, credit_code, employer, table_csv, table_xlsx

PERSON = citizen_id("19900101", "001")
OTHER = citizen_id("19900101", "002")


def _import(rows, by, *, xlsx=False):
    content = table_xlsx(CONTRIBUTION_COLUMNS, rows) if xlsx else table_csv(CONTRIBUTION_COLUMNS, rows, encoding="gbk")
    return contribution_file_import(content=content, filename="agency", by=by)


def _state():
    return sorted(
        (f"{r.month:%Y-%m}", r.employer_total, r.reversed, r.previous_total)
        for r in ContributionRecord.objects.filter(person_digest=crypto.lookup_digest(PERSON))
    )


@pytest.mark.django_db
def test_a_file_imported_twice_adds_nothing_and_later_files_correct_or_reverse(si_programme, bureau_user):
    code = credit_code(1)
    january = [PERSON, code, "202601", "4462.00", "713.92", "423.89", "22.31", "0"]  # 713.92 + 423.89 + 22.31 = 1,160.12
    february = [PERSON, code, "2026-02", "4462.00", "713.92", "423.89", "22.31", "0"]
    first = _import([january, february], bureau_user)
    again = _import([january, february], bureau_user, xlsx=True)
    assert (first["created"], again["created"], again["unchanged"]) == (2, 0, 2)
    assert _state() == [("2026-01", Decimal("1160.12"), False, None), ("2026-02", Decimal("1160.12"), False, None)]
    # a correction of January (base 6,000: 960.00 + 570.00 + 30.00 = 1,560.00) and a reversal of February (退保)
    corrected = [PERSON, code, "202601", "6000.00", "960.00", "570.00", "30.00", "0"]
    reversal = [PERSON, code, "202602", "4462.00", "713.92", "423.89", "22.31", "1"]
    counts = _import([corrected, reversal], bureau_user)
    assert {k: counts[k] for k in ("created", "unchanged", "corrected", "reversed")} == {
        "created": 0,
        "unchanged": 0,
        "corrected": 1,
        "reversed": 1,
    }
    assert _state() == [("2026-01", Decimal("1560.00"), False, Decimal("1160.12")), ("2026-02", Decimal("1160.12"), True, None)]
    january_record, february_record = ContributionRecord.objects.order_by("month")
    assert january_record.corrected_in_id == february_record.reversed_in_id == ContributionFile.objects.latest("id").pk
    # the amount of a person-month: the actual contribution, at most the cap; nothing for a reversed one
    assert person_month_amount(record=january_record, cap=MONTHLY_CAP) == Decimal("1160.12")
    assert person_month_amount(record=february_record, cap=MONTHLY_CAP) == Decimal("0.00")
    assert person_month_amount(record=january_record, cap=Decimal("2000.00")) == Decimal("1560.00")


@pytest.mark.django_db
def test_a_file_with_bad_rows_is_refused_whole_with_line_numbers(si_programme, bureau_user):
    code = credit_code(1)
    rows = [
        [PERSON, code, "202601", "4462.00", "713.92", "423.89", "22.31", "0"],
        [OTHER, code, "202613", "4462.00", "713.92", "423.89", "22.31", "0"],
        [OTHER, "91330110MA2CB00010", "202601", "4462.00", "-1", "423.89", "22.31", "0"],
        [OTHER, code, "202601", "abc", "713.92", "423.89", "22.31", "2"],
        [PERSON, code, "2026-01", "4462.00", "713.92", "423.89", "22.31", "0"],
    ]
    with pytest.raises(InvalidImport) as refusal:
        _import(rows, bureau_user)
    assert refusal.value.details == [
        "第3行：费款所属期“202613”不是一个月份（YYYYMM）。",
        "第4行：统一社会信用代码校验码错误（GB 32100）；金额为负数。",
        "第5行：金额不是数字；冲正标志应为0或1。",
        "第6行：人员、单位和月份与第2行相同。",
    ]
    assert (ContributionFile.objects.count(), ContributionRecord.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_only_the_district_bureau_imports_the_file(si_programme):
    payer = employer(1)
    with pytest.raises(PermissionDenied):
        _import([[PERSON, payer.credit_code, "202601", "4462.00", "713.92", "423.89", "22.31", "0"]], payer.user)
    assert ContributionRecord.objects.count() == 0
