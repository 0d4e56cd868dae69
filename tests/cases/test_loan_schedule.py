"""Schedule, subsidy and compensation maths against hand-computed examples (no database)."""

import datetime as dt
from decimal import Decimal

from cases.models.loan import RepaymentMethod
from cases.services.loans import compensation_compute, schedule_compute, subsidy_compute

D = Decimal
TIERS = [["100000", "1.00"], [None, "0.80"]]


def test_annuity_schedule_rounds_each_period_and_the_last_absorbs_the_residue():
    # given 120,000.00 at 6 % a year, repaid quarterly over 12 months: 4 periods, rate per period r = 0.06 x 3/12 = 0.015
    # instalment A = P r / (1 - (1+r)^-4) = 1800 / (1 - 1/1.061363550625) = 1800 / 0.0578157697... = 31133.3743... -> 31133.37
    rows = schedule_compute(
        principal=D("120000"),
        annual_rate=D("0.06"),
        term_months=12,
        period_months=3,
        method=RepaymentMethod.ANNUITY,
        starts_on=dt.date(2026, 1, 15),
    )
    # period 1: interest 120000.00 x 0.015 = 1800.00;  principal 31133.37 - 1800.00 = 29333.37; balance 90666.63
    # period 2: interest  90666.63 x 0.015 = 1359.99945 -> 1360.00; principal 29773.37; balance 60893.26
    # period 3: interest  60893.26 x 0.015 =  913.3989  ->  913.40; principal 30219.97; balance 30673.29
    # period 4: interest  30673.29 x 0.015 =  460.09935 ->  460.10; principal = the whole balance 30673.29
    #           instalment 30673.29 + 460.10 = 31133.39 (two cents of rounding residue)
    assert [(r.number, r.opening_balance, r.principal, r.interest, r.payment) for r in rows] == [
        (1, D("120000.00"), D("29333.37"), D("1800.00"), D("31133.37")),
        (2, D("90666.63"), D("29773.37"), D("1360.00"), D("31133.37")),
        (3, D("60893.26"), D("30219.97"), D("913.40"), D("31133.37")),
        (4, D("30673.29"), D("30673.29"), D("460.10"), D("31133.39")),
    ]
    assert sum(r.principal for r in rows) == D("120000.00")
    assert [r.due_on for r in rows] == [dt.date(2026, 4, 15), dt.date(2026, 7, 15), dt.date(2026, 10, 15), dt.date(2027, 1, 15)]


def test_interest_is_rounded_half_up_not_half_even():
    # 1,001.00 at 6 % for one month: 1001.00 x 0.005 = 5.005 -> 5.01 (banker's rounding would give 5.00)
    (row,) = schedule_compute(
        principal=D("1001"),
        annual_rate=D("0.06"),
        term_months=1,
        period_months=1,
        method=RepaymentMethod.ANNUITY,
        starts_on=dt.date(2026, 1, 31),
    )
    assert (row.interest, row.principal, row.due_on) == (D("5.01"), D("1001.00"), dt.date(2026, 2, 28))


def test_interest_only_schedule_repays_the_principal_at_maturity():
    # 100,000.00 at 4.35 %, quarterly over 12 months: each period 100000 x 0.0435 x 3/12 = 1087.50
    rows = schedule_compute(
        principal=D("100000"),
        annual_rate=D("0.0435"),
        term_months=12,
        period_months=3,
        method=RepaymentMethod.INTEREST_ONLY,
        starts_on=dt.date(2026, 3, 1),
    )
    assert [(r.principal, r.interest) for r in rows] == [(D("0.00"), D("1087.50"))] * 3 + [(D("100000.00"), D("1087.50"))]


def test_subsidy_above_the_reference_rate_and_full_for_key_groups():
    # 6 % contract rate, 3.5 % reference rate: the subsidy is the 2.5 % above it, per quarter 0.025 x 3/12 = 0.00625
    #   120000.00 x 0.00625 = 750.00;  90666.63 x 0.00625 = 566.6664375 -> 566.67
    #    60893.26 x 0.00625 = 380.582875 -> 380.58;  30673.29 x 0.00625 = 191.7080625 -> 191.71   (sum 1888.96)
    args = dict(annual_rate=D("0.06"), reference_rate=D("0.035"), period_months=3, key_group=False)
    balances = [
        (D("120000.00"), D("1800.00")),
        (D("90666.63"), D("1360.00")),
        (D("60893.26"), D("913.40")),
        (D("30673.29"), D("460.10")),
    ]
    subsidies = [subsidy_compute(opening_balance=b, interest=i, **args) for b, i in balances]
    assert subsidies == [D("750.00"), D("566.67"), D("380.58"), D("191.71")]
    assert sum(subsidies) == D("1888.96")
    # a key group gets the whole interest of the period
    assert subsidy_compute(opening_balance=D("90666.63"), interest=D("1360.00"), **{**args, "key_group": True}) == D("1360.00")
    # a contract rate at or below the reference rate earns nothing
    assert subsidy_compute(
        opening_balance=D("50000"),
        interest=D("400.00"),
        annual_rate=D("0.03"),
        reference_rate=D("0.035"),
        period_months=3,
        key_group=False,
    ) == D("0.00")


def test_guarantee_compensation_is_100_percent_up_to_100k_and_80_percent_above():
    # 80,000 outstanding: all of it at 100 %
    assert compensation_compute(outstanding=D("80000"), tiers=TIERS) == D("80000.00")
    # exactly 100,000: 100 %
    assert compensation_compute(outstanding=D("100000"), tiers=TIERS) == D("100000.00")
    # 250,000 outstanding: 100,000 x 100 % + 150,000 x 80 % = 100,000 + 120,000 = 220,000
    assert compensation_compute(outstanding=D("250000"), tiers=TIERS) == D("220000.00")
    # 123,456.78: 100,000 + 23,456.78 x 0.8 = 100,000 + 18,765.424 -> 118,765.42
    assert compensation_compute(outstanding=D("123456.78"), tiers=TIERS) == D("118765.42")
