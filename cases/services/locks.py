"""The case lock: the first row lock every writer takes (ADR 0003).

Lock order, everywhere: the case row, then the flow's process row (workflows.engine.locks), then anything else (loan,
period, claim, payment line, batch, round, envelope, counters). A writer that locks several cases locks them in
ascending pk order before anything else.

The lock covers the case row only (`of=("self",)`): the programme, applicant and org-unit rows joined for the caller
are read, not locked, so two writers on different cases of one programme never wait on each other. It is PostgreSQL's
FOR NO KEY UPDATE (`no_key=True`): writers of one case exclude each other (and any UPDATE of the row), but a row that
only points at the case (a document issued after commit, an audit entry) is inserted without waiting for the writer.

One lock per case per operation: the step locks the case and hands the instance on; a service given an instance this
transaction locked (`case_locked`) uses it as it is instead of locking and reading the row again (`case_atomic`: nor
does it open a savepoint of its own). What a transaction holds and knows is recorded with `rows_hold` (`rows_held`,
`rows_known`): a mark registered as a no-op commit hook, so it lives exactly as long as the transaction (a rolled-back
savepoint drops it with the locks and rows it took). An instance is reused only in the atomic block that locked it or
one inside it, so an instance handed to a later block of a longer transaction (a test's) is locked and read afresh.
"""

import functools
from collections.abc import Callable, Hashable, Iterable

from django.db import transaction
from django.db.models import OuterRef, Subquery

from cases.models import Application, AuditEntry

RELATED = ("programme__current_rules", "rules", "applicant", "org_unit")


class _Mark:
    """Rows this transaction holds locked (keys such as ("case", 12)), with what it knows of them (the last link of a
    case's audit chain); called at commit, where it does nothing."""

    __slots__ = ("keys", "position", "savepoints")

    def __init__(self, keys: Iterable[Hashable] | dict, savepoints: tuple) -> None:
        self.keys = keys if isinstance(keys, dict) else dict.fromkeys(keys, True)
        self.savepoints = savepoints
        self.position = -1

    def __call__(self) -> None:
        return None


def _index(connection) -> dict:
    """The latest mark of each key (one look-up, however many rows a batch locked)."""
    return connection.__dict__.setdefault("_row_marks", {})


def rows_hold(keys: Iterable[Hashable] | dict) -> _Mark:
    """Record that the caller's transaction has just locked (or inserted) these rows; `keys` may map each to what the
    transaction knows of it (`rows_known`). Outside a transaction nothing is recorded."""
    connection = transaction.get_connection()
    mark = _Mark(keys, tuple(connection.savepoint_ids))
    if not connection.in_atomic_block:
        return mark
    index = _index(connection)
    if not connection.run_on_commit:
        index.clear()  # no mark of an earlier transaction is present any more
    transaction.on_commit(mark)
    mark.position = len(connection.run_on_commit) - 1
    for key in mark.keys:
        index[key] = mark
    return mark


def _present(mark: _Mark, connection) -> bool:
    """The mark's transaction is still open and the savepoint it was made in was not rolled back (else, or when a
    rollback moved it, it counts as absent: the row is locked or read again)."""
    hooks = connection.run_on_commit
    return connection.in_atomic_block and 0 <= mark.position < len(hooks) and hooks[mark.position][1] is mark


def _live(mark: _Mark, connection) -> bool:
    """Present, and made in the current atomic block or one around it (not in an earlier, finished one)."""
    return tuple(connection.savepoint_ids[: len(mark.savepoints)]) == mark.savepoints and _present(mark, connection)


def rows_known(key: Hashable):
    """What this transaction last recorded for `key` (`rows_hold`), or None. A lock lasts until the transaction ends;
    a record made in a savepoint that was rolled back is gone with it."""
    connection = transaction.get_connection()
    mark = _index(connection).get(key)
    return mark.keys[key] if mark is not None and _present(mark, connection) else None


def rows_held(key: Hashable) -> bool:
    """Does this transaction hold this row locked?"""
    return rows_known(key) is not None


def _locked(queryset):
    """The case rows locked, each with the last link (seq, hash) of its audit chain read in the same statement: the
    link cannot change while the lock is held, so the step's audit entry needs no read of its own."""
    last = AuditEntry.objects.filter(application_id=OuterRef("pk")).order_by("-seq")
    return (
        queryset.select_for_update(of=("self",), no_key=True)
        .select_related(*RELATED)
        .annotate(audit_seq=Subquery(last.values("seq")[:1]), audit_hash=Subquery(last.values("hash")[:1]))
    )


def _hold(applications: list[Application]) -> None:
    keys = {}
    for application in applications:
        keys[("case", application.pk)] = True
        if application.audit_seq is not None:
            keys[("audit", application.pk)] = (application.audit_seq, application.audit_hash)
    mark = rows_hold(keys)
    for application in applications:
        application._case_lock_mark = mark


def case_lock(*, pk: int | None = None, **lookup) -> Application:
    """Lock one case row (blocking) and return it fresh, with its programme, applicant and org unit.
    Inside a transaction; raises Application.DoesNotExist when nothing matches."""
    if pk is not None:
        lookup["pk"] = pk
    application = _locked(Application.objects).get(**lookup)
    _hold([application])
    return application


def case_locked(application: Application) -> Application:
    """`application` itself when this transaction locked it through `case_lock` (the step's instance, current by
    construction: every write of the operation goes through it); else the case locked and read afresh."""
    return application if case_held(application) else case_lock(pk=application.pk)


def case_held(application: Application) -> bool:
    """Did this transaction lock this very instance (`case_lock`), in the current atomic block or one around it?"""
    mark = getattr(application, "_case_lock_mark", None)
    return mark is not None and _live(mark, transaction.get_connection())


def case_atomic(service: Callable) -> Callable:
    """`transaction.atomic` for a service given one case (`application=`): its own savepoint, unless the caller's
    transaction already holds that case (the step locked it and hands it on). Then the service is part of the
    caller's operation: a refusal undoes the whole operation, which the caller's own atomic block does anyway."""

    @functools.wraps(service)
    def wrapper(*args, application: Application, **kwargs):
        with transaction.atomic(savepoint=not case_held(application)):
            return service(*args, application=application, **kwargs)

    return wrapper


def cases_lock(*, pks: Iterable[int]) -> list[Application]:
    """Lock many case rows in ascending pk order (one statement: PostgreSQL locks the rows in the ORDER BY order)
    and return them in that order. Raises Application.DoesNotExist when a pk is missing."""
    wanted = sorted(set(pks))
    locked = list(_locked(Application.objects.filter(pk__in=wanted)).order_by("pk"))
    if len(locked) != len(wanted):
        raise Application.DoesNotExist(f"cases {sorted(set(wanted) - {a.pk for a in locked})} do not exist")
    if locked:
        _hold(locked)
    return locked
