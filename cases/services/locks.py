"""The case lock: the first row lock every writer takes (ADR 0003).

Lock order, everywhere: the case row, then the flow's process row (workflows.engine.locks), then anything else (loan,
period, claim, payment line, batch, round, envelope, counters). A writer that locks several cases locks them in
ascending pk order before anything else.

The lock covers the case row only (`of=("self",)`): the programme, applicant and org-unit rows joined for the caller
are read, not locked, so two writers on different cases of one programme never wait on each other. It is PostgreSQL's
FOR NO KEY UPDATE (`no_key=True`): writers of one case exclude each other (and any UPDATE of the row), but a row that
only points at the case (a document issued after commit, an audit entry) is inserted without waiting for the writer.
"""

from collections.abc import Iterable

from cases.models import Application

RELATED = ("programme__current_rules", "rules", "applicant", "org_unit")


def case_lock(*, pk: int | None = None, **lookup) -> Application:
    """Lock one case row (blocking) and return it fresh, with its programme, applicant and org unit.
    Inside a transaction; raises Application.DoesNotExist when nothing matches."""
    if pk is not None:
        lookup["pk"] = pk
    return Application.objects.select_for_update(of=("self",), no_key=True).select_related(*RELATED).get(**lookup)


def cases_lock(*, pks: Iterable[int]) -> list[Application]:
    """Lock many case rows in ascending pk order (one statement: PostgreSQL locks the rows in the ORDER BY order)
    and return them in that order. Raises Application.DoesNotExist when a pk is missing."""
    wanted = sorted(set(pks))
    locked = list(
        Application.objects.select_for_update(of=("self",), no_key=True)
        .select_related(*RELATED)
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    if len(locked) != len(wanted):
        raise Application.DoesNotExist(f"cases {sorted(set(wanted) - {a.pk for a in locked})} do not exist")
    return locked
