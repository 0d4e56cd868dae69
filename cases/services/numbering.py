from django.db import transaction

from cases.models import Counter


def counter_next(*, key: str) -> int:
    """Next value of a gapless sequence. The row lock is held until the caller's transaction ends."""
    with transaction.atomic():
        Counter.objects.get_or_create(key=key)
        counter = Counter.objects.select_for_update().get(key=key)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value


def case_number_next(*, programme, year: int) -> str:
    value = counter_next(key=f"case:{programme.case_prefix}:{year}")
    return f"YH-{programme.case_prefix}-{year}-{value:06d}"
