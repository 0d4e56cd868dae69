"""Synthetic identities that never collide: within a run, across runs and programmes on one database, in parallel.

The seeded random source still shapes every identity (birth date, name, category...) and is drawn exactly as
cases.synthetic draws it, so a seed replays the same outcomes. What must be unique comes from a counter in the
database (SimulationCounter) instead: a citizen ID's sequence number is the next of its birth date's counter, a
credit code's last six characters and a username's number are the next of their own counters. A counter is
incremented under its row lock, so no two runs receive the same number whatever their seeds. A number someone else
already holds (a person filed at the window, an account, an expert; rows not made here) is skipped.

Call these outside long transactions: the counter row stays locked until the caller's transaction ends.
"""

import datetime as dt
import random

from django.db import IntegrityError, transaction
from django.db.models import F

from cases import synthetic
from cases.crypto import lookup_digest
from cases.models import Applicant, Expert, Trainee, User, VentureProject
from workflows.models import SimulationCounter

SEQUENCES_PER_DAY = 1000
CODE_DIGITS = 6  # the counted part of a credit code's organisation code: 31**6, some 887 million codes


def counter_next(key: str) -> int:
    """The next number (1, 2, 3...) of the named counter."""
    with transaction.atomic():
        if not SimulationCounter.objects.filter(key=key).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    SimulationCounter.objects.create(key=key, value=1)
                return 1
            except IntegrityError:  # another run created it a moment ago (and has committed: the insert waited)
                SimulationCounter.objects.filter(key=key).update(value=F("value") + 1)
        return SimulationCounter.objects.values_list("value", flat=True).get(key=key)


def _citizen_id_taken(number: str) -> bool:
    digest = lookup_digest(number)
    return (
        Applicant.objects.filter(id_number_digest=digest).exists()
        or User.objects.filter(id_number_digest=digest).exists()
        or Expert.objects.filter(id_number_digest=digest).exists()
        or VentureProject.objects.filter(legal_representative_id_number_digest=digest).exists()
        or Trainee.objects.filter(id_number_digest=digest).exists()
    )


def citizen_id(rng: random.Random, *, region: str = "330110", born: dt.date | None = None) -> str:
    """A valid citizen ID no other identity on this database has: the birth date as drawn (the next day once a day's
    thousand sequence numbers are used), the sequence number from that day's counter."""
    born, _ = synthetic.citizen_id_draw(rng, born=born)  # the drawn sequence number is unused; drawing it keeps the stream
    while True:
        number = counter_next(f"citizen-id:{region}{born:%Y%m%d}")
        if number > SEQUENCES_PER_DAY:
            born += dt.timedelta(days=1)
            continue
        value = synthetic.citizen_id_build(region=region, born=born, sequence=number - 1)
        if not _citizen_id_taken(value):
            return value


def _base31(number: int, width: int) -> str:
    alphabet = synthetic.CREDIT_CODE_ALPHABET
    digits = []
    for _ in range(width):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    if number:
        raise OverflowError("the synthetic credit codes are used up")
    return "".join(reversed(digits))


def credit_code(rng: random.Random, *, region: str = "330110") -> str:
    """A valid credit code no other identity on this database has: the first three organisation characters as drawn,
    the last six the next number of the credit-code counter."""
    drawn = synthetic.credit_code_draw(rng)
    while True:
        organisation = drawn[: 9 - CODE_DIGITS] + _base31(counter_next("credit-code") - 1, CODE_DIGITS)
        value = synthetic.credit_code_build(region=region, organisation=organisation)
        if not (Applicant.objects.filter(credit_code=value).exists() or User.objects.filter(credit_code=value).exists()):
            return value


def username(prefix: str) -> str:
    """`prefix-000001`, the next number of the prefix's counter; never an identifier of the person."""
    while True:
        value = f"{prefix}-{counter_next(f'username:{prefix}'):06d}"
        if not User.objects.filter(username=value).exists():
            return value
