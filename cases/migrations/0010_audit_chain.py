"""The audit trail becomes a hash chain per case and append-only in the database (ADR 0009).

Order: the chain fields, the chains of the entries written before (in case, id order), the constraints, and last the
trigger (which would refuse the fill's UPDATEs). PostgreSQL: a row trigger refuses UPDATE and DELETE. TRUNCATE is left
alone: Django's `flush` (and every transactional test's teardown) truncates. SQLite: a trigger refuses UPDATE only;
SQLite's `flush` is a DELETE per table, which a DELETE trigger would abort."""

import django.utils.timezone
from django.db import migrations, models

PG_CREATE = """
CREATE FUNCTION cases_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % of cases_auditentry id % refused', TG_OP, OLD.id
        USING HINT = 'An audit entry is never changed or removed; record a new entry instead.';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON cases_auditentry
    FOR EACH ROW EXECUTE FUNCTION cases_auditentry_append_only();
ALTER TABLE cases_auditentry ENABLE ALWAYS TRIGGER audit_append_only;
"""
PG_DROP = """
DROP TRIGGER audit_append_only ON cases_auditentry;
DROP FUNCTION cases_auditentry_append_only();
"""
SQLITE_CREATE = """
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON cases_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE of cases_auditentry refused');
END;
"""
SQLITE_DROP = "DROP TRIGGER audit_append_only_update;"


def chains_fill(apps, schema_editor):
    from cases.services.audit import audit_digest

    AuditEntry = apps.get_model("cases", "AuditEntry")
    entries = AuditEntry.objects.using(schema_editor.connection.alias).order_by("application_id", "id")
    batch, case_id, seq, previous_hash = [], None, 0, ""
    for entry in entries.iterator(chunk_size=2000):
        if entry.application_id != case_id:
            case_id, seq, previous_hash = entry.application_id, 0, ""
        seq += 1
        entry.seq, entry.previous_hash = seq, previous_hash
        entry.hash = previous_hash = audit_digest(
            previous_hash=entry.previous_hash,
            application_id=entry.application_id,
            seq=entry.seq,
            actor_id=entry.actor_id,
            org_unit_id=entry.org_unit_id,
            action=entry.action,
            from_status=entry.from_status,
            to_status=entry.to_status,
            comment=entry.comment,
            created_at=entry.created_at,
        )
        batch.append(entry)
        if len(batch) == 1000:
            AuditEntry.objects.using(schema_editor.connection.alias).bulk_update(batch, ["seq", "previous_hash", "hash"])
            batch = []
    AuditEntry.objects.using(schema_editor.connection.alias).bulk_update(batch, ["seq", "previous_hash", "hash"])


def _run(schema_editor, sql: dict[str, str]) -> None:
    statements = sql.get(schema_editor.connection.vendor)
    if statements:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(statements)


def append_only(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_CREATE, "sqlite": SQLITE_CREATE})


def append_only_undo(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_DROP, "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_outbox"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="at"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveIntegerField(default=0, verbose_name="sequence in the case"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="previous entry's hash"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(default="", max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chains_fill, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("application", "seq"), name="audit_one_entry_per_seq"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(condition=models.Q(("seq__gte", 1)), name="audit_seq_from_one"),
        ),
        migrations.RunPython(append_only, append_only_undo, elidable=False),
    ]
