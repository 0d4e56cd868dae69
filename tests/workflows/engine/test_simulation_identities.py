"""Synthetic identities are unique by construction (a counter in the database), valid, and drawn from the seeded
random source in the same order as before, so a seed still replays the same outcomes."""

import datetime as dt
import random

import pytest

from cases import synthetic
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.models import Applicant
from workflows.engine import identities
from workflows.models import SimulationCounter

pytestmark = pytest.mark.django_db


def test_five_thousand_ids_over_two_runs_of_one_seed_are_all_different_and_valid():
    # given two runs with the same seed, each drawing 2,500 people as the simulator does
    drawn = []
    for _run in range(2):
        rng = random.Random(2026)
        drawn += [identities.citizen_id(rng) for _ in range(2500)]

    # then no ID repeats, and each is a well-formed ID of a Yuhang person born 1985-2002
    assert len(set(drawn)) == 5000
    for number in drawn:
        validate_citizen_id(number)
        assert number.startswith("330110")
        assert dt.date(1985, 1, 1) <= dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) <= dt.date(2003, 1, 1)
    # the two runs were born on the same days (the seed shapes the people), only the sequence numbers differ
    assert [n[:14] for n in drawn[:2500]] == [n[:14] for n in drawn[2500:]]


def test_the_random_stream_is_drawn_as_before():
    # the unique ID and the plain synthetic one consume the same draws and share the birth date
    plain, unique = random.Random(11), random.Random(11)
    for _ in range(50):
        a = synthetic.citizen_id(plain)
        b = identities.citizen_id(unique)
        assert a[:14] == b[:14]
    for _ in range(50):
        assert synthetic.credit_code(plain)[:11] == identities.credit_code(unique)[:11]
    assert plain.random() == unique.random()


def test_a_full_day_moves_to_the_next_and_a_number_held_elsewhere_is_skipped():
    born = dt.date(1990, 3, 1)
    SimulationCounter.objects.create(key="citizen-id:33011019900301", value=1000)  # every sequence of that day used
    # someone filed at the window already holds the first ID of 2 March
    held = synthetic.citizen_id_build(region="330110", born=dt.date(1990, 3, 2), sequence=0)
    Applicant.objects.create(kind="person", name="窗口申请人", id_number=held)

    number = identities.citizen_id(random.Random(1), born=born)

    assert number == synthetic.citizen_id_build(region="330110", born=dt.date(1990, 3, 2), sequence=1)
    assert SimulationCounter.objects.get(key="citizen-id:33011019900302").value == 2


def test_credit_codes_and_usernames_are_unique_and_carry_no_identifier():
    rng = random.Random(3)
    codes = [identities.credit_code(random.Random(3)) for _ in range(200)]  # the same draw every time
    assert len(set(codes)) == 200
    for code in codes:
        validate_credit_code(code)
    ids = [identities.citizen_id(rng) for _ in range(5)]
    names = [identities.username("sim-applicant") for _ in range(5)] + [identities.username("sim-borrower")]
    assert names == [f"sim-applicant-00000{i}" for i in range(1, 6)] + ["sim-borrower-000001"]
    assert not any(number[6:] in name for name in names for number in ids)


def test_many_ids_at_once_are_those_drawn_one_by_one_on_a_fresh_database():
    # given the birth dates of 300 people drawn as citizen_id draws them
    rng = random.Random(7)
    borns = [identities.citizen_id_born(rng) for _ in range(300)]

    numbers = identities.citizen_ids(borns)

    # then each is the next sequence of its birth date, in order: what citizen_id gives one by one on fresh counters
    SimulationCounter.objects.all().delete()
    one_by_one = [identities.citizen_id(random.Random(0), born=born) for born in borns]
    assert numbers == one_by_one
    assert len(set(numbers)) == 300
    assert [n[:14] for n in numbers] == [f"330110{born:%Y%m%d}" for born in borns]


def test_many_ids_at_once_move_past_a_full_day_and_skip_a_held_number():
    # given 1 March 1990 with two sequence numbers left and the first ID of 2 March held at the window
    SimulationCounter.objects.create(key="citizen-id:33011019900301", value=998)
    held = synthetic.citizen_id_build(region="330110", born=dt.date(1990, 3, 2), sequence=0)
    Applicant.objects.create(kind="person", name="窗口申请人", id_number=held)

    numbers = identities.citizen_ids([dt.date(1990, 3, 1)] * 4)

    def build(day: int, sequence: int) -> str:
        return synthetic.citizen_id_build(region="330110", born=dt.date(1990, 3, day), sequence=sequence)

    # then the first two take the last numbers of 1 March, the others move to 2 March past the held one, in order
    assert numbers == [build(1, 998), build(1, 999), build(2, 1), build(2, 2)]
    assert SimulationCounter.objects.get(key="citizen-id:33011019900302").value == 3


def test_a_thousand_ids_take_one_reservation_and_one_check_per_table_per_round(django_assert_num_queries):
    rng = random.Random(5)
    borns = [identities.citizen_id_born(rng) for _ in range(1000)]
    assert len(set(borns)) == 925  # birth dates shared by some: still one reservation per 500 dates
    # then two reservations (925 dates) and five uniqueness lookups per 500 numbers: 12 statements, not 9,000
    with django_assert_num_queries(2 + 5 * 2):
        numbers = identities.citizen_ids(borns)
    assert len(set(numbers)) == 1000
