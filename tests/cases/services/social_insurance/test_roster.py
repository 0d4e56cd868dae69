"""Rosters through the real services: read (GBK CSV, XLSX), checked row by row, saved whole or not at all, and the
person-months they enter in the ledger. Figures are worked by hand in the comments (given.py: the 2026 standard)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from cases import crypto
from cases.exceptions import InvalidImport
from cases.models.social_insurance import ClaimStatus, PersonMonthEntitlement, RosterCategory, RosterRow
from cases.services.social_insurance import (
    ROSTER_COLUMNS,
    roster_check,
    roster_submit,
    roster_template,
    social_insurance_claim_open,
)
from cases.services.social_insurance.roster import quarter_months, row_parse
from cases.services.social_insurance.tables import header_check, table_rows
from tests.cases.services.social_insurance.given import (
    ABOVE_CAP,
    AT_MINIMUM,
    BELOW_CAP,
    citizen_id,
    employer,
    paid,
    roster,
    table_xlsx,
)

MAN_1990 = citizen_id("19900101", "001")  # 330110199001010012
WOMAN_1990 = citizen_id("19900101", "002")  # 330110199001010020
Q1_2026 = ["202601", "202602", "202603"]


def _claim(si_programme, payer, *, year=2026, quarter=1):
    return social_insurance_claim_open(employer=payer, programme=si_programme, year=year, quarter=quarter, by=payer.user)


@pytest.mark.django_db
def test_a_gbk_csv_roster_is_saved_with_each_person_month_capped_by_the_standard(si_programme, bureau_user):
    # given: the man is paid above the cap (1,560.00 a month), the woman below it (1,137.81 a month)
    payer = employer(1)
    paid(MAN_1990, payer, Q1_2026, ABOVE_CAP, by=bureau_user)
    paid(WOMAN_1990, payer, Q1_2026[1:], BELOW_CAP, by=bureau_user)
    claim = _claim(si_programme, payer)
    content = roster(
        [
            # stated totals: 3 x 1,560.00 = 4,680.00; 2 x 1,137.81 = 2,275.62
            [MAN_1990, "王伟", "就业困难人员", "2026-01-01", "2028-12-31", "2026-01~2026-03", "4680.00", "", ""],
            [WOMAN_1990, "李芳", "登记失业人员", "2025-12-01", "", "2026-02,2026-03", "2275.62", "50", ""],
        ],
        encoding="gbk",
    )
    # when
    report = roster_submit(claim=claim, content=content, filename="花名册.csv", by=payer.user)
    # then: the man 3 x 1,160.12 = 3,480.36; the woman 2 x 1,137.81 = 2,275.62; together 5,756 - 0.02 = 5,755.98
    claim.refresh_from_db()
    assert (report.refused, claim.status, claim.total_amount) == ({}, ClaimStatus.SUBMITTED, Decimal("5755.98"))
    ledger = PersonMonthEntitlement.objects.order_by("person_digest", "month")
    assert sorted((e.person_digest == crypto.lookup_digest(MAN_1990), f"{e.month:%Y-%m}", e.amount) for e in ledger) == [
        (False, "2026-02", Decimal("1137.81")),
        (False, "2026-03", Decimal("1137.81")),
        (True, "2026-01", Decimal("1160.12")),
        (True, "2026-02", Decimal("1160.12")),
        (True, "2026-03", Decimal("1160.12")),
    ]
    rows = list(RosterRow.objects.order_by("line").values_list("line", "name", "category", "months", "amount", "contract_end"))
    assert rows == [
        (2, "王伟", RosterCategory.HARD_TO_EMPLOY, ["2026-01", "2026-02", "2026-03"], Decimal("3480.36"), dt.date(2028, 12, 31)),
        (3, "李芳", RosterCategory.UNEMPLOYED, ["2026-02", "2026-03"], Decimal("2275.62"), None),
    ]
    stored = RosterRow.objects.get(line=2)
    assert (stored.id_number, stored.id_number_digest) == (MAN_1990, crypto.lookup_digest(MAN_1990))
    assert RosterRow.objects.filter(id_number_digest=crypto.lookup_digest(MAN_1990)).count() == 1


@pytest.mark.django_db
def test_an_xlsx_roster_with_date_cells_is_checked_like_a_csv(si_programme, bureau_user):
    payer = employer(1)
    paid(MAN_1990, payer, Q1_2026, AT_MINIMUM, by=bureau_user)
    claim = _claim(si_programme, payer)
    content = table_xlsx(
        ROSTER_COLUMNS,
        # 3 x 1,160.12 = 3,480.36 stated, as a number cell
        [
            [
                MAN_1990,
                "王伟",
                "4050人员",
                dt.datetime(2026, 1, 1),
                dt.datetime(2027, 1, 1),
                "2026-01~2026-03",
                3480.36,
                None,
                None,
            ]
        ],
    )
    report = roster_check(claim=claim, content=content)
    assert report.refused == {}
    assert [(line.line, line.category, line.contract_start, line.amount) for line in report.valid] == [
        (2, RosterCategory.HARD_TO_EMPLOY, dt.date(2026, 1, 1), Decimal("3480.36"))
    ]


BAD_ROWS = [
    [MAN_1990, "王伟", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""],
    ["330110199001010013", "赵六", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01", "1160.12", "", ""],
    [MAN_1990, "王伟", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01", "1160.12", "", ""],
    [citizen_id("19910101", "003"), "孙七", "临时工", "2026-01-01", "2027-12-31", "2026-01", "1160.12", "", ""],
    [citizen_id("19910101", "005"), "周八", "残疾人", "2026-01-01", "2026-06-30", "2026-01", "1160.12", "", ""],
    [citizen_id("19910101", "007"), "吴九", "失地农民", "2026-01-01", "", "2026-04", "1160.12", "", ""],
    [citizen_id("19910101", "009"), "郑十", "失地农民", "2026-01-01", "", "2026-01", "壹仟", "", ""],
    [citizen_id("19910101", "011"), "钱一", "失地农民", "2026-01-01", "", "2026-01", "-1", "", ""],
    [citizen_id("19910101", "002"), "冯二", "登记失业人员", "2026-01-01", "", "2026-01", "1160.12", "", ""],
    [citizen_id("19910101", "013"), "陈三", "高校毕业生", "2026-01-01", "", "2026-01", "1160.12", "", "2020-06-30"],
]
BAD_ROW_MESSAGES = [
    "第3行：公民身份号码校验码错误（GB 11643）。",
    "第4行：与第2行为同一人员。",
    "第5行：人员类别“临时工”无法识别，请填写：就业困难人员、4050人员、登记失业人员、失地农民、残疾人、高校毕业生。",
    "第6行：劳动合同期限为2026-01-01至2026-06-30，不足1年。",
    "第7行：2026-04月份不在申报季度内。",
    "第8行：单位缴费合计“壹仟”不是数字。",
    "第9行：单位缴费合计-1为负数。",
    "第10行：女职工须填写原法定退休年龄：50（工人）或55（干部）。",
    # the reference rules: a graduate hired within 2 years of graduation (2020-06-30 + 2 years = 2022-06-30)
    "第11行：毕业日期为2020-06-30，录用日期为2026-01-01，不在毕业后2年内。",
]


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_line_numbers_and_nothing_is_saved(si_programme, bureau_user):
    payer = employer(1)
    paid(MAN_1990, payer, Q1_2026, AT_MINIMUM, by=bureau_user)
    claim = _claim(si_programme, payer)
    with pytest.raises(InvalidImport) as refusal:
        roster_submit(claim=claim, content=roster(BAD_ROWS), filename="r.csv", by=payer.user)
    assert refusal.value.details == BAD_ROW_MESSAGES
    claim.refresh_from_db()
    assert (claim.status, RosterRow.objects.count(), PersonMonthEntitlement.objects.count()) == (ClaimStatus.DRAFT, 0, 0)
    # when the employer accepts saving only the valid rows: line 2 alone, 3 x 1,160.12 = 3,480.36
    report = roster_submit(claim=claim, content=roster(BAD_ROWS), filename="r.csv", by=payer.user, only_valid_rows=True)
    claim.refresh_from_db()
    assert report.messages == BAD_ROW_MESSAGES
    assert (claim.status, claim.total_amount) == (ClaimStatus.SUBMITTED, Decimal("3480.36"))
    assert list(RosterRow.objects.values_list("line", flat=True)) == [2]
    assert PersonMonthEntitlement.objects.count() == 3


@pytest.mark.django_db
def test_a_month_claimed_by_two_employers_enters_the_ledger_once(si_programme, bureau_user):
    # given: the agency shows both employers paying for the same person in January to March
    first, second = employer(1), employer(2)
    for payer in (first, second):
        paid(MAN_1990, payer, Q1_2026, AT_MINIMUM, by=bureau_user)
    row = [MAN_1990, "王伟", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""]
    roster_submit(claim=_claim(si_programme, first), content=roster([row]), filename="a.csv", by=first.user)
    # when the second employer claims the same months
    claim = _claim(si_programme, second)
    with pytest.raises(InvalidImport) as refusal:
        roster_submit(claim=claim, content=roster([row]), filename="b.csv", by=second.user, only_valid_rows=True)
    # then: refused with its reason; the ledger holds the three months once, for the first employer
    assert refusal.value.details == [
        "花名册中没有可以申报的行。",
        "第2行：该人员2026-01, 2026-02, 2026-03月份已被其他单位申报。",
    ]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT
    assert list(PersonMonthEntitlement.objects.order_by().values_list("employer_id", "amount").distinct()) == [
        (first.pk, Decimal("1160.12"))
    ]
    assert PersonMonthEntitlement.objects.count() == 3
    # and the database refuses a second row for a person-month whatever a service does
    entry = PersonMonthEntitlement.objects.first()
    entry.pk, entry.employer = None, second
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


@pytest.mark.django_db
def test_file_level_refusals_have_clear_messages(si_programme):
    claim = _claim(si_programme, employer(1))
    row = [MAN_1990, "王伟", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""]
    huge = roster([row] * 100_000)
    cases = {
        b"": "文件为空。",
        roster([row]).decode().encode("utf-16"): "文件不是 UTF-8 或 GBK 编码的文本。",
        b"\xff\xfe\xfa broken": "文件不是 UTF-8 或 GBK 编码的文本。",
        roster([]): "文件表头下没有数据行。",
        b"ID,name\r\n1,2\r\n": "第1行：表头应为" + ",".join(ROSTER_COLUMNS) + "。",
        # 100,000 rows of 94 bytes (9,400,000 bytes, about 9.0 MB): over the 5 MB limit before a row is read
        huge: f"文件大小为{round(len(huge) / 1048576, 1)} MB，单次最多可上传5.0 MB。",
        roster([["1"]] * 10_001): "文件数据超过10000行，请拆分为每个不超过10000行的文件。",
        b"PK\x03\x04not a workbook": "该文件不是可读取的XLSX工作簿。",
    }
    for content, message in cases.items():
        with pytest.raises(InvalidImport) as refusal:
            roster_submit(claim=claim, content=content, filename="r.csv", by=claim.employer.user)
        assert refusal.value.details == [message]
    assert (RosterRow.objects.count(), PersonMonthEntitlement.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_the_template_has_the_header_and_an_example_row_that_passes_its_own_checks(si_programme):
    rows = table_rows(content=roster_template(), max_bytes=10**6, max_rows=10)
    header_check(rows, ROSTER_COLUMNS)
    line, reasons = row_parse(2, rows[1][1], quarter=quarter_months(2026, 1), rules=si_programme.current_rules)
    assert (reasons, line.category, line.months) == ([], RosterCategory.HARD_TO_EMPLOY, quarter_months(2026, 1))
