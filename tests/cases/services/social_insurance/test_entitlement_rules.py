"""The money rules of a roster, hand-computed: the months cap across employers (and its exception near
retirement), the retirement cut-off for both sexes and two cohorts, and contributions that do not match."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.exceptions import InvalidImport
from cases.models.social_insurance import PersonMonthEntitlement, RosterCategory
from cases.services.social_insurance import roster_check, roster_submit, social_insurance_claim_open
from tests.cases.services.social_insurance.given import AT_MINIMUM, citizen_id, employer, history, paid, roster

YOUNG_MAN = citizen_id("19900101", "001")  # retires at 63 in 2053: the cap applies
OLDER_MAN = citizen_id("19660915", "001")  # retires 2027-03 (60 y 6 m): close to retirement
Q1_2026 = ["202601", "202602", "202603"]


def _claim(programme, payer, *, year=2026, quarter=1):
    return social_insurance_claim_open(employer=payer, programme=programme, year=year, quarter=quarter, by=payer.user)


def _row(person, months, total, *, age="", category="就业困难人员", start="2024-01-01"):
    return [person, "王伟", category, start, "", months, total, age, ""]


@pytest.mark.django_db
def test_the_36_month_cap_counts_the_months_of_every_employer(si_programme, bureau_user):
    # given: employer A was paid for 34 months, 2023-03 to 2025-12 (10 + 12 + 12 = 34), in the same category
    first, second = employer(1), employer(2)
    history(
        programme=si_programme, payer=first, person=YOUNG_MAN, first=dt.date(2023, 3, 1), months=34, category="hard_to_employ"
    )
    paid(YOUNG_MAN, second, Q1_2026, AT_MINIMUM, by=bureau_user)
    claim = _claim(si_programme, second)
    # when employer B claims three more months: 34 + 3 = 37 > 36
    with pytest.raises(InvalidImport) as refusal:
        roster_submit(claim=claim, content=roster([_row(YOUNG_MAN, "2026-01~2026-03", "3480.36")]), filename="r", by=second.user)
    assert refusal.value.details == ["第2行：该人员在此类别下已享受补贴34个月，再申报3个月将超过上限36个月。"]
    assert PersonMonthEntitlement.objects.filter(employer=second).count() == 0
    # then two months fit: 34 + 2 = 36; 2 x 1,160.12 = 2,320.24
    report = roster_submit(
        claim=claim, content=roster([_row(YOUNG_MAN, "2026-01,2026-02", "2320.24")]), filename="r", by=second.user
    )
    assert (report.refused, [line.amount for line in report.valid]) == ({}, [Decimal("2320.24")])
    assert PersonMonthEntitlement.objects.count() == 36


@pytest.mark.django_db
def test_the_cap_counts_per_category_and_gives_way_near_retirement(si_programme, bureau_user):
    # given: both men have 34 months already; the older one's first subsidised month (2023-03) was 48 months before
    # his retirement month (2027-03), fewer than 5 years: his months run to retirement, past 36
    first, second = employer(1), employer(2)
    for person in (YOUNG_MAN, OLDER_MAN):
        history(
            programme=si_programme, payer=first, person=person, first=dt.date(2023, 3, 1), months=34, category="hard_to_employ"
        )
        paid(person, second, Q1_2026, AT_MINIMUM, by=bureau_user)
    claim = _claim(si_programme, second)
    # when: the older man claims 3 months (37 in all); the young man is claimed under another category
    content = roster(
        [_row(OLDER_MAN, "2026-01~2026-03", "3480.36"), _row(YOUNG_MAN, "2026-01~2026-03", "3480.36", category="登记失业人员")]
    )
    report = roster_check(claim=claim, content=content)
    # then both rows pass: 3 x 1,160.12 = 3,480.36 each
    assert report.refused == {}
    assert [(line.line, line.category, line.amount) for line in report.valid] == [
        (2, RosterCategory.HARD_TO_EMPLOY, Decimal("3480.36")),
        (3, RosterCategory.UNEMPLOYED, Decimal("3480.36")),
    ]


@pytest.mark.django_db
def test_months_from_the_retirement_month_on_are_refused_for_both_sexes(si_programme, bureau_user):
    payer = employer(1)
    man_1965 = citizen_id("19650315", "001")  # 60 y + (2 // 4 + 1 = 1) m -> retires 2025-04
    woman_1975 = citizen_id("19750315", "002")  # worker: 50 y + (2 // 2 + 1 = 2) m -> retires 2025-05
    woman_1970 = citizen_id("19700715", "002")  # cadre: 55 y + (6 // 4 + 1 = 2) m -> retires 2025-09
    q2 = ["202504", "202505", "202506"]
    for person in (man_1965, woman_1975, woman_1970):
        paid(person, payer, q2, AT_MINIMUM, by=bureau_user)
    claim = _claim(si_programme, payer, year=2025, quarter=2)
    content = roster(
        [
            _row(man_1965, "2025-04~2025-06", "3480.36"),
            _row(woman_1975, "2025-04~2025-06", "3480.36", age="50"),
            _row(woman_1975, "2025-04", "1160.12", age="50"),  # line 4: the same woman: refused as a duplicate
            _row(woman_1970, "2025-04~2025-06", "3480.36", age="55"),
            # the same 1975 woman as a cadre would retire at 55 in 2030: her row would pass
        ]
    )
    report = roster_check(claim=claim, content=content)
    assert report.messages == [
        "第2行：该人员于2025-04达到法定退休年龄，2025-04, 2025-05, 2025-06月份不能申报。",
        "第3行：该人员于2025-05达到法定退休年龄，2025-05, 2025-06月份不能申报。",
        "第4行：与第3行为同一人员。",
    ]
    # the cadre born in 1970 works to 2025-09: all three months pay, 3 x 1,160.12 = 3,480.36
    assert [(line.line, line.amount) for line in report.valid] == [(5, Decimal("3480.36"))]


@pytest.mark.django_db
def test_claimed_months_must_match_the_employers_paid_contributions(si_programme, bureau_user):
    payer, other = employer(1), employer(2)
    missing_march = citizen_id("19900101", "003")
    paid_by_other = citizen_id("19900101", "005")
    wrong_total = citizen_id("19900101", "007")
    reversed_feb = citizen_id("19900101", "009")
    paid(missing_march, payer, Q1_2026[:2], AT_MINIMUM, by=bureau_user)
    paid(paid_by_other, other, Q1_2026, AT_MINIMUM, by=bureau_user)
    paid(wrong_total, payer, Q1_2026, AT_MINIMUM, by=bureau_user)
    paid(reversed_feb, payer, Q1_2026, AT_MINIMUM, by=bureau_user)
    paid(reversed_feb, payer, ["202602"], AT_MINIMUM, by=bureau_user, reversal="1")  # 退保 in a later file
    claim = _claim(si_programme, payer)
    content = roster(
        [
            _row(missing_march, "2026-01~2026-03", "3480.36"),
            _row(paid_by_other, "2026-01~2026-03", "3480.36"),
            # the records say 3 x 1,160.12 = 3,480.36; the employer states 3,600.00
            _row(wrong_total, "2026-01~2026-03", "3600.00"),
            _row(reversed_feb, "2026-01~2026-03", "3480.36"),
        ]
    )
    with pytest.raises(InvalidImport) as refusal:
        roster_submit(claim=claim, content=content, filename="r.csv", by=payer.user)
    assert refusal.value.details == [
        "第2行：2026-03月份：社保经办机构无本单位的缴费记录。",
        "第3行：2026-01, 2026-02, 2026-03月份：社保经办机构无本单位的缴费记录。",
        "第4行：单位缴费合计3600.00与社保经办机构记录（3480.36）不一致。",
        "第5行：2026-02月份：该缴费已冲正（退保或更正）。",
    ]
    assert PersonMonthEntitlement.objects.count() == 0
