"""The statutory retirement age by birth month and sex, as raised gradually from 1 January 2025.

Source: 全国人民代表大会常务委员会《关于实施渐进式延迟法定退休年龄的决定》(13 September 2024, in force 1 January 2025)
and its annex 《国务院关于渐进式延迟法定退休年龄的办法》 with the tables 附件1-3 (男职工 / 原法定退休年龄为五十五周岁的
女职工 / 原法定退休年龄为五十周岁的女职工):

| cohort (original age)        | first raised birth month | one month more for every | up to        | reached by people born |
|------------------------------|--------------------------|--------------------------|--------------|------------------------|
| men (60)                     | January 1965             | 4 birth months           | 63 (+36 m)   | September 1976 on      |
| women cadres (55)            | January 1970             | 4 birth months           | 58 (+36 m)   | September 1981 on      |
| women workers (50)           | January 1975             | 2 birth months           | 55 (+60 m)   | November 1984 on       |

So a man born in March 1965 retires at 60 years and 1 month, one born in May 1965 at 60 years and 2 months, and
one born in 1980 at 63; a woman worker born in March 1975 retires at 50 years and 2 months. Anyone born before the
first raised month keeps the original age.

The month of retirement is the month in which the person reaches that age; the subsidy covers the months before
it (docs/adr/0012-person-month-ledger.md).
"""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Cohort:
    original_age: int
    first_raised: tuple[int, int]  # (year, month) of birth
    birth_months_per_step: int
    max_extra_months: int


MEN = Cohort(original_age=60, first_raised=(1965, 1), birth_months_per_step=4, max_extra_months=36)
WOMEN_CADRES = Cohort(original_age=55, first_raised=(1970, 1), birth_months_per_step=4, max_extra_months=36)
WOMEN_WORKERS = Cohort(original_age=50, first_raised=(1975, 1), birth_months_per_step=2, max_extra_months=60)
COHORTS = {60: MEN, 55: WOMEN_CADRES, 50: WOMEN_WORKERS}
# The original ages a woman's row may name (a man's is always 60).
WOMEN_ORIGINAL_AGES = (50, 55)


def month_index(day: dt.date) -> int:
    """Months since year 0: months compare and subtract as integers."""
    return day.year * 12 + day.month - 1


def month_of(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def extra_months(*, birth: dt.date, original_age: int) -> int:
    """Months added to the original age for this birth month (0 before the first raised month)."""
    cohort = COHORTS[original_age]
    since = month_index(birth) - (cohort.first_raised[0] * 12 + cohort.first_raised[1] - 1)
    if since < 0:
        return 0
    return min(cohort.max_extra_months, since // cohort.birth_months_per_step + 1)


def retirement_month(*, birth: dt.date, original_age: int) -> dt.date:
    """The first day of the month in which the person reaches the statutory retirement age."""
    age_months = original_age * 12 + extra_months(birth=birth, original_age=original_age)
    return month_of(month_index(birth) + age_months)


def birth_and_sex(citizen_id: str) -> tuple[dt.date, str]:
    """Birth date and sex ("male" / "female") written in a valid citizen ID number (GB 11643: the 17th digit is odd
    for a man)."""
    birth = dt.date(int(citizen_id[6:10]), int(citizen_id[10:12]), int(citizen_id[12:14]))
    return birth, ("male" if int(citizen_id[16]) % 2 else "female")
