"""The staff case search on PostgreSQL: trigram indexes (pg_trgm) on the case number and the applicant's name for
"contains" (the search compares upper-cased, as Django's icontains does), and a prefix index on the name for the
one- and two-character searches a trigram cannot serve. Citizen IDs, credit codes and account numbers are found
through their existing unique / digest indexes. Also the cases under review by deadline, the work queue's order.
Nothing on SQLite (its search reads the tables)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS application_number_trgm ON cases_application USING gin (UPPER(number) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS applicant_name_trgm ON cases_applicant USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS applicant_name_prefix ON cases_applicant (name varchar_pattern_ops)",
    # the work queue's order: the cases under review by deadline (none last), read in order until a page is full
    "CREATE INDEX IF NOT EXISTS application_queue_deadline ON cases_application "
    "((COALESCE(deadline, '9999-12-31'::date)), id) "
    "WHERE status IN ('submitted', 'accepted', 'town_reviewed', 'district_reviewed')",
]
DROP = [f"DROP INDEX IF EXISTS {sql.split()[5]}" for sql in INDEXES]


def _run(schema_editor, statements) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, INDEXES)


def backwards(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0023_statistics_reference_data")]

    operations = [
        TrigramExtension(),  # a no-op outside PostgreSQL
        migrations.RunPython(forwards, backwards),
    ]
