"""The statutory retirement month by birth month, sex and original age (the 2025 gradual rule), worked by hand."""

import datetime as dt

import pytest

from cases.services.social_insurance.retirement import birth_and_sex, extra_months, retirement_month


@pytest.mark.parametrize(
    ("birth", "original_age", "extra", "month"),
    [
        # men, first raised January 1965, one month more per 4 birth months, at most 36
        (dt.date(1964, 12, 31), 60, 0, dt.date(2024, 12, 1)),  # before the reform: 1964-12 + 60 y
        (dt.date(1965, 3, 15), 60, 1, dt.date(2025, 4, 1)),  # 2 months in: 2 // 4 + 1 = 1 -> 2025-03 + 1 m
        (dt.date(1966, 9, 15), 60, 6, dt.date(2027, 3, 1)),  # 20 months in: 20 // 4 + 1 = 6 -> 2026-09 + 6 m
        (dt.date(1976, 9, 1), 60, 36, dt.date(2039, 9, 1)),  # 140 months in: 140 // 4 + 1 = 36 -> 63 y
        (dt.date(1990, 1, 1), 60, 36, dt.date(2053, 1, 1)),  # capped at 36 -> 63 y
        # women workers (original 50), first raised January 1975, one month more per 2 birth months, at most 60
        (dt.date(1974, 12, 1), 50, 0, dt.date(2024, 12, 1)),
        (dt.date(1975, 3, 15), 50, 2, dt.date(2025, 5, 1)),  # 2 months in: 2 // 2 + 1 = 2 -> 2025-03 + 2 m
        (dt.date(1984, 11, 1), 50, 60, dt.date(2039, 11, 1)),  # 118 months in: 118 // 2 + 1 = 60 -> 55 y
        # women cadres (original 55), first raised January 1970, one month more per 4 birth months, at most 36
        (dt.date(1969, 12, 1), 55, 0, dt.date(2024, 12, 1)),
        (dt.date(1970, 7, 15), 55, 2, dt.date(2025, 9, 1)),  # 6 months in: 6 // 4 + 1 = 2 -> 2025-07 + 2 m
        (dt.date(1981, 9, 1), 55, 36, dt.date(2039, 9, 1)),  # 140 months in -> 58 y
    ],
)
def test_the_retirement_month_follows_the_table(birth, original_age, extra, month):
    assert extra_months(birth=birth, original_age=original_age) == extra
    assert retirement_month(birth=birth, original_age=original_age) == month


def test_birth_and_sex_are_read_from_the_citizen_id():
    assert birth_and_sex("330110196503150011") == (dt.date(1965, 3, 15), "male")
    assert birth_and_sex("330110197503150024") == (dt.date(1975, 3, 15), "female")
