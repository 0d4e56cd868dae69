"""Synthetic identities that never collide: within a run, across runs and programmes on one database, in parallel.

The seeded random source still shapes every identity (birth date, name, category...) and is drawn exactly as
cases.synthetic draws it, so a seed replays the same outcomes. What must be unique comes from a counter in the
database (SimulationCounter) instead: a citizen ID's sequence number is the next of its birth date's counter, a
credit code's last six characters and a username's number are the next of their own counters. A counter is
incremented under its row lock, so no two runs receive the same number whatever their seeds. A number someone else
already holds (a person filed at the window, an account, an expert; rows not made here) is skipped.

Call these outside long transactions: the counter row stays locked until the caller's transaction ends.

Many people at once (citizen_ids): their birth dates drawn one by one from the random source exactly as citizen_id
draws them (citizen_id_born), then every date's numbers reserved by one statement per chunk of dates (a counter
raised by the count it hands out) and the uniqueness checked by one query per table and chunk.
"""

import datetime as dt
import random

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from cases import synthetic
from cases.crypto import lookup_digest
from cases.models import Applicant, Expert, Trainee, User, VentureProject
from workflows.models import SimulationCounter

SEQUENCES_PER_DAY = 1000
CHUNK = 500
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


def counters_reserve(counts: dict[str, int]) -> dict[str, int]:
    """Reserve `n` numbers of each named counter at once: {key: the last number reserved} (so the numbers are last - n
    + 1 to last). One statement per chunk of keys, in key order: runs in parallel lock the rows in the same order."""
    table = connection.ops.quote_name(SimulationCounter._meta.db_table)
    reserved: dict[str, int] = {}
    keys = sorted(key for key, n in counts.items() if n > 0)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        params = [item for key in chunk for item in (key, counts[key])]
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("key", "value") VALUES {values} '  # noqa: S608 - our table name; values are parameters
                f'ON CONFLICT ("key") DO UPDATE SET "value" = {table}."value" + EXCLUDED."value" RETURNING "key", "value"',
                params,
            )
            reserved.update(cursor.fetchall())
    return reserved


def _citizen_ids_taken(numbers: list[str]) -> set[str]:
    """The numbers someone on this database holds already (an applicant, account, expert, project or trainee)."""
    digests = {lookup_digest(number): number for number in numbers}
    holders = [
        (Applicant, "id_number_digest"),
        (User, "id_number_digest"),
        (Expert, "id_number_digest"),
        (VentureProject, "legal_representative_id_number_digest"),
        (Trainee, "id_number_digest"),
    ]
    keys = sorted(digests)
    taken = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for model, column in holders:
            found = model.objects.filter(**{f"{column}__in": chunk}).values_list(column, flat=True)
            taken.update(digests[digest] for digest in found)
    return taken


def _citizen_id_taken(number: str) -> bool:
    return bool(_citizen_ids_taken([number]))


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


def citizen_id_born(rng: random.Random, *, born: dt.date | None = None) -> dt.date:
    """The birth date citizen_id would use, drawn from `rng` exactly as citizen_id draws it."""
    born, _ = synthetic.citizen_id_draw(rng, born=born)  # the drawn sequence number is unused; drawing it keeps the stream
    return born


def citizen_ids(borns: list[dt.date], *, region: str = "330110") -> list[str]:
    """A valid citizen ID for each birth date (as citizen_id_born drew them), in order, none held by another identity
    on this database: the IDs citizen_id would give one by one, each date's sequence numbers reserved at once (the
    next day once a day's thousand are used; a number someone holds is replaced by the next one)."""
    numbers: list[str | None] = [None] * len(borns)
    wanted: dict[int, dt.date] = dict(enumerate(borns))
    while wanted:
        by_day: dict[dt.date, list[int]] = {}
        for index, born in sorted(wanted.items()):
            by_day.setdefault(born, []).append(index)
        last = counters_reserve({f"citizen-id:{region}{day:%Y%m%d}": len(people) for day, people in by_day.items()})
        candidates: dict[dt.date, list[str]] = {}
        for day, people in by_day.items():
            first = last[f"citizen-id:{region}{day:%Y%m%d}"] - len(people) + 1
            candidates[day] = [
                synthetic.citizen_id_build(region=region, born=day, sequence=number - 1)
                for number in range(first, min(first + len(people) - 1, SEQUENCES_PER_DAY) + 1)
            ]
        taken = _citizen_ids_taken([value for values in candidates.values() for value in values])
        wanted = {}
        for day, people in by_day.items():
            free = [value for value in candidates[day] if value not in taken]
            for index, value in zip(people, free, strict=False):
                numbers[index] = value
            full = len(candidates[day]) < len(people)
            for index in people[len(free) :]:  # the day is full, or a number was held: the next numbers, in order
                wanted[index] = day + dt.timedelta(days=1) if full else day
    return numbers


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
