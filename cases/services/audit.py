"""The audit trail: one hash chain per case (ADR 0009).

Entry `seq` of a case carries `previous_hash`, the hash of entry `seq - 1` ("" for entry 1), and `hash`, the SHA-256
of `audit_digest`'s canonical serialisation of its content and that previous hash. The id is not hashed: the insert
assigns it, and the database refuses the UPDATE that would add it afterwards. Changing this serialisation breaks
every existing chain: it is frozen (migration 0010 filled the chains of the entries written before it with it).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from cases.models import Application, AuditEntry, User
from cases.services.locks import rows_hold, rows_known

# The database objects that refuse UPDATE and DELETE (migration 0010_audit_chain).
PG_TRIGGER = "audit_append_only"
SQLITE_TRIGGER = "audit_append_only_update"


def audit_digest(
    *,
    previous_hash: str,
    application_id: int,
    seq: int,
    actor_id: int | None,
    org_unit_id: int | None,
    action: str,
    from_status: str,
    to_status: str,
    comment: str,
    created_at: dt.datetime,
) -> str:
    canonical = json.dumps(
        [
            previous_hash,
            application_id,
            seq,
            actor_id,
            org_unit_id,
            action,
            from_status,
            to_status,
            comment,
            created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_record(*, application: Application, by: User | None, action: str, from_status: str, comment: str = "") -> AuditEntry:
    """Append the next entry of the case's chain: one INSERT, after one indexed read of the last link unless this
    transaction already knows it (read with the case lock, or the entry it appended last: `rows_known`).

    The caller holds the case lock (`case_lock`, inside the step's transaction) or created the case in this
    transaction, so no other writer appends to this case meanwhile. A writer that did not would not fork the chain:
    the unique (application, seq) constraint refuses the second entry with the same seq."""
    last = rows_known(("audit", application.pk))
    if last is None:
        last = AuditEntry.objects.filter(application_id=application.pk).order_by("-seq").values_list("seq", "hash").first()
    seq, previous_hash = (last[0] + 1, last[1]) if last else (1, "")
    entry = AuditEntry(
        application=application,
        seq=seq,
        actor=by,
        org_unit=getattr(by, "org_unit", None) if by is not None else None,
        action=action,
        from_status=from_status,
        to_status=application.status,
        comment=comment,
        created_at=timezone.now(),
        previous_hash=previous_hash,
    )
    entry.hash = _entry_digest(entry.__dict__)
    entry.save(force_insert=True)
    rows_hold({("audit", application.pk): (entry.seq, entry.hash)})
    # the step that owes documents and messages for this entry names it from the instance, without reading it back
    application.last_audit_entry = entry
    return entry


CHAIN_FIELDS = (
    "id",
    "application_id",
    "seq",
    "actor_id",
    "org_unit_id",
    "action",
    "from_status",
    "to_status",
    "comment",
    "created_at",
    "previous_hash",
    "hash",
)


def _entry_digest(row: dict) -> str:
    return audit_digest(**{name: row[name] for name in CHAIN_FIELDS if name not in ("id", "hash")})


@dataclass
class AuditChainReport:
    entries: int = 0
    cases: int = 0
    problems: list[str] = field(default_factory=list)
    last_status: dict[int, str] = field(default_factory=dict)  # case pk -> to_status of its last entry

    @property
    def intact(self) -> bool:
        return not self.problems


def _rows() -> Iterator[dict]:
    rows = AuditEntry.objects.order_by("application_id", "seq").values_list(*CHAIN_FIELDS)
    for values in rows.iterator(chunk_size=5000):
        yield dict(zip(CHAIN_FIELDS, values, strict=True))


def _first_break(row: dict, previous: dict | None) -> str | None:
    expected_seq = previous["seq"] + 1 if previous else 1
    if row["seq"] != expected_seq:
        return f"seq {expected_seq} missing"  # ordered by seq, unique per case: a gap
    if _entry_digest(row) != row["hash"]:
        return f"entry seq {row['seq']} (id {row['id']}) altered"
    if row["previous_hash"] != (previous["hash"] if previous else ""):
        return f"entry seq {row['seq']} (id {row['id']}) does not follow seq {previous['seq']} (id {previous['id']})"
    return None


def audit_chain_verify() -> AuditChainReport:
    """Recompute every case's chain in (case, seq) order, streaming; name the first broken link of each case."""
    report = AuditChainReport()
    broken: dict[int, str] = {}
    case_id = previous = None
    for row in _rows():
        report.entries += 1
        if row["application_id"] != case_id:
            case_id, previous = row["application_id"], None
            report.cases += 1
        report.last_status[case_id] = row["to_status"]
        if case_id in broken:
            continue
        problem = _first_break(row, previous)
        if problem:
            broken[case_id] = problem
        previous = row
    numbers = dict(Application.objects.filter(pk__in=broken).values_list("pk", "number"))
    report.problems = [f"{numbers.get(pk, f'case {pk}')}: {problem}" for pk, problem in sorted(broken.items())]
    report.problems += audit_guard_problems()
    return report


def audit_guard_problems() -> list[str]:
    """The trigger that refuses UPDATE and DELETE of audit rows is present and enabled. On SQLite only UPDATE is
    refused (ADR 0009), and a migration that rebuilds the table drops the trigger: this names it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'cases_auditentry'::regclass AND tgname = %s",
                [PG_TRIGGER],
            )
            found = cursor.fetchone()
            if found is None:
                return [f"trigger {PG_TRIGGER} on cases_auditentry is missing: audit rows can be updated and deleted"]
            if found[0] not in ("A", "O"):  # "A": fires always (as created), "O": in the ordinary origin role
                return [f"trigger {PG_TRIGGER} on cases_auditentry is disabled: audit rows can be updated and deleted"]
            return []
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [SQLITE_TRIGGER])
            if cursor.fetchone() is None:
                return [f"trigger {SQLITE_TRIGGER} on cases_auditentry is missing: audit rows can be updated"]
    return []
