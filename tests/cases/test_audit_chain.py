"""The audit trail is append-only in the database and hash-chained per case; `audit_verify` names the first broken link.

The tamper tests switch the append-only trigger off inside the test's transaction (as someone with the table owner's
rights could), change a row by raw SQL, switch it on again, and expect the chain to name the change."""

import datetime as dt
import hashlib
import importlib
import json
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command, execute_from_command_line
from django.db import DatabaseError, IntegrityError, connection, transaction

from cases.constants import ReviewLevel
from cases.models import AuditEntry
from cases.services import audit_chain_verify
from cases.services.audit import PG_TRIGGER, SQLITE_TRIGGER, audit_digest
from tests.lifecycle import advance, submitted
from workflows.engine.consistency import check_all

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("cases.migrations.0010_audit_chain")
ACTIONS = ["create", "submit", "community:pass", "town:pass", "district:pass", "approval:pass"]


@pytest.fixture
def case(programme, staff, community, rng, envelope, run_on_commit):
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    application = run_on_commit(advance, application, staff, through=ReviewLevel.APPROVAL)
    assert list(application.audit_entries.order_by("seq").values_list("action", flat=True)) == ACTIONS
    return application


def entry(application, seq: int) -> AuditEntry:
    return AuditEntry.objects.get(application=application, seq=seq)


@contextmanager
def append_only_off():
    """What someone with the table owner's rights can do: switch the trigger off, write, switch it on again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while FK checks are pending
            cursor.execute(f"ALTER TABLE cases_auditentry DISABLE TRIGGER {PG_TRIGGER}")
            yield cursor
            cursor.execute(f"ALTER TABLE cases_auditentry ENABLE ALWAYS TRIGGER {PG_TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(f"DROP TRIGGER {SQLITE_TRIGGER}")
            yield cursor
            cursor.execute(MIGRATION.SQLITE_CREATE)


def audit_verify_exit(capsys) -> tuple[int, list[str]]:
    """Run the command the way `manage.py audit_verify` does; returns (exit status, the lines printed)."""
    try:
        # run_from_argv closes every connection at the end: keep the test's open transaction alive
        with mock.patch("django.core.management.base.connections.close_all"):
            execute_from_command_line(["manage.py", "audit_verify"])
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, (captured.out + captured.err).splitlines()


def test_clean_lifecycle_verifies_intact(case, capsys):
    status, lines = audit_verify_exit(capsys)

    assert (status, lines) == (0, ["audit chain intact: 6 entries, 1 cases"])
    assert {name: problems for name, problems in check_all().items() if problems} == {}


def test_chain_fields_are_what_a_recomputation_gives(case):
    # the serialisation is frozen: the test spells it out independently of the code
    entries = list(case.audit_entries.order_by("seq"))
    previous = ""
    for number, row in enumerate(entries, start=1):
        canonical = [
            previous,
            case.pk,
            number,
            row.actor_id,
            row.org_unit_id,
            row.action,
            row.from_status,
            row.to_status,
            row.comment,
            row.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        ]
        digest = hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
        assert (row.seq, row.previous_hash, row.hash) == (number, previous, digest)
        previous = digest
    assert len(entries) == 6


def test_a_second_entry_with_the_same_seq_is_refused(case):
    # given a writer that read the same last link as another (what the case lock prevents)
    last = entry(case, 6)
    twin = AuditEntry(
        application=case,
        seq=6,
        action="forged",
        from_status=last.to_status,
        to_status=last.to_status,
        previous_hash=last.previous_hash,
        hash="0" * 64,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()

    assert case.audit_entries.count() == 6


def test_update_is_refused_by_the_database(case):
    row = entry(case, 3)

    with pytest.raises(DatabaseError, match="audit entries are append-only: UPDATE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_auditentry SET comment = %s WHERE id = %s", ["forged", row.pk])

    assert entry(case, 3).comment == row.comment == "材料齐全，符合条件。"
    assert audit_chain_verify().problems == []


@pytest.mark.postgres
def test_delete_is_refused_by_postgresql(case):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite refuses only UPDATE (ADR 0009): its flush is a DELETE")
    row = entry(case, 3)

    with pytest.raises(DatabaseError, match=f"audit entries are append-only: DELETE of cases_auditentry id {row.pk}"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_auditentry WHERE id = %s", [row.pk])
    with pytest.raises(DatabaseError, match="audit entries are append-only: DELETE"), transaction.atomic():
        AuditEntry.objects.filter(application=case).delete()  # the queryset delete is a plain DELETE too

    assert case.audit_entries.count() == 6
    assert audit_chain_verify().problems == []


def test_altered_comment_is_named(case, capsys):
    row = entry(case, 3)
    with append_only_off() as cursor:
        cursor.execute("UPDATE cases_auditentry SET comment = %s WHERE id = %s", ["forged", row.pk])

    status, lines = audit_verify_exit(capsys)

    assert status == 1
    assert lines == [
        f"  - {case.number}: entry seq 3 (id {row.pk}) altered",
        "CommandError: audit chain broken: 1 problem(s) in 6 entries, 1 cases",
    ]
    assert check_all()["audit"] == [f"{case.number}: entry seq 3 (id {row.pk}) altered"]


def test_deleted_entry_is_named_missing(case, capsys):
    with append_only_off() as cursor:
        cursor.execute("DELETE FROM cases_auditentry WHERE id = %s", [entry(case, 2).pk])

    status, lines = audit_verify_exit(capsys)

    assert status == 1
    assert lines[0] == f"  - {case.number}: seq 2 missing"
    assert len(lines) == 2


def test_rewritten_entry_with_its_hash_recomputed_breaks_the_next_link(case, capsys):
    # given entry 3 rewritten with a matching hash, entries 4-6 left alone
    row = entry(case, 3)
    forged = digest_of(row, comment="forged")
    with append_only_off() as cursor:
        cursor.execute("UPDATE cases_auditentry SET comment = %s, hash = %s WHERE id = %s", ["forged", forged, row.pk])

    status, lines = audit_verify_exit(capsys)

    assert status == 1
    assert lines[0] == f"  - {case.number}: entry seq 4 (id {entry(case, 4).pk}) does not follow seq 3 (id {row.pk})"


def digest_of(row: AuditEntry, **changes) -> str:
    fields = {
        "previous_hash": row.previous_hash,
        "application_id": row.application_id,
        "seq": row.seq,
        "actor_id": row.actor_id,
        "org_unit_id": row.org_unit_id,
        "action": row.action,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "comment": row.comment,
        "created_at": row.created_at,
    }
    return audit_digest(**(fields | changes))


def test_switched_off_trigger_is_named(case):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE cases_auditentry DISABLE TRIGGER {PG_TRIGGER}")
            expected = f"trigger {PG_TRIGGER} on cases_auditentry is disabled: audit rows can be updated and deleted"
        else:
            cursor.execute(f"DROP TRIGGER {SQLITE_TRIGGER}")  # as a migration that rebuilds the table would
            expected = f"trigger {SQLITE_TRIGGER} on cases_auditentry is missing: audit rows can be updated"

    assert audit_chain_verify().problems == [expected]
    assert check_all()["audit"] == [expected]


def test_migration_fills_the_chains_of_existing_entries(case):
    # given the entries as they were before the chain: no hashes (seq kept: the fill numbers them in id order)
    before = list(case.audit_entries.order_by("seq").values_list("id", "seq", "previous_hash", "hash"))
    with append_only_off() as cursor:
        cursor.execute("UPDATE cases_auditentry SET previous_hash = '', hash = ''")
        assert audit_chain_verify().problems[0] == f"{case.number}: entry seq 1 (id {before[0][0]}) altered"

        # when the migration's fill runs
        MIGRATION.chains_fill(apps, SimpleNamespace(connection=connection))  # the fill reads only the alias

    # then every entry carries the chain audit_record gave it
    assert list(case.audit_entries.order_by("seq").values_list("id", "seq", "previous_hash", "hash")) == before
    assert audit_chain_verify().problems == []


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_table_despite_the_trigger(case):
    """Django's flush (every transactional test's teardown) is TRUNCATE on PostgreSQL and DELETE on SQLite: the
    append-only trigger refuses neither."""
    call_command("flush", interactive=False, verbosity=0)

    assert AuditEntry.objects.count() == 0
    assert audit_chain_verify().problems == []
