"""The case's scope kept with its flow (workflows.models): `data["scope"]` of each process and task holds the path of
the case's org unit. Existing rows are filled from their cases; on PostgreSQL the open tasks and the processes get
an index on that path for prefix matches ("my unit and below" as one index range)."""

from django.db import migrations

POSTGRES = [
    """UPDATE viewflow_process p
          SET data = (CASE WHEN jsonb_typeof(p.data) = 'object' THEN p.data ELSE '{}'::jsonb END)
                     || jsonb_build_object('scope', o.path)
         FROM cases_application a JOIN cases_orgunit o ON o.id = a.org_unit_id
        WHERE a.process_id = p.id""",
    """UPDATE viewflow_task t
          SET data = (CASE WHEN jsonb_typeof(t.data) = 'object' THEN t.data ELSE '{}'::jsonb END)
                     || jsonb_build_object('scope', p.data ->> 'scope')
         FROM viewflow_process p
        WHERE t.process_id = p.id AND p.data ? 'scope'""",
]
SQLITE = [
    """UPDATE viewflow_process
          SET data = json_set(CASE WHEN json_type(data) = 'object' THEN data ELSE '{}' END, '$.scope',
                              (SELECT o.path FROM cases_application a JOIN cases_orgunit o ON o.id = a.org_unit_id
                                WHERE a.process_id = viewflow_process.id))
        WHERE id IN (SELECT process_id FROM cases_application WHERE process_id IS NOT NULL)""",
    """UPDATE viewflow_task
          SET data = json_set(CASE WHEN json_type(data) = 'object' THEN data ELSE '{}' END, '$.scope',
                              (SELECT json_extract(p.data, '$.scope') FROM viewflow_process p
                                WHERE p.id = viewflow_task.process_id))
        WHERE process_id IN (SELECT id FROM viewflow_process WHERE json_extract(data, '$.scope') IS NOT NULL)""",
]
# Open tasks by permission and scope (the queues, the badges); processes by scope (the process lists, the URL guard).
INDEXES = [
    "CREATE INDEX IF NOT EXISTS wf_task_open_scope ON viewflow_task "
    "(owner_permission, (data ->> 'scope') text_pattern_ops) WHERE status IN ('NEW', 'ASSIGNED', 'STARTED')",
    "CREATE INDEX IF NOT EXISTS wf_task_owner_open ON viewflow_task "
    "(owner_id, (data ->> 'scope') text_pattern_ops) WHERE status IN ('NEW', 'ASSIGNED', 'STARTED')",
    # the inbox: a user's claimed tasks, newest first (read in order, stopped at the page's end)
    "CREATE INDEX IF NOT EXISTS wf_task_inbox ON viewflow_task (owner_id, created) WHERE status = 'ASSIGNED'",
    "CREATE INDEX IF NOT EXISTS wf_process_scope ON viewflow_process ((data ->> 'scope') text_pattern_ops)",
]
DROP = [f"DROP INDEX IF EXISTS {sql.split()[5]}" for sql in INDEXES]
# The planner's estimate of how many tasks a scope prefix matches (a partial index keeps no statistics of its own).
STATISTICS = ["CREATE STATISTICS IF NOT EXISTS wf_task_scope_stats ON (data ->> 'scope') FROM viewflow_task"]
DROP += ["DROP STATISTICS IF EXISTS wf_task_scope_stats"]


def _run(schema_editor, statements) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, POSTGRES + INDEXES + STATISTICS)
    else:
        _run(schema_editor, SQLITE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0004_flow_paths_programmes"), ("cases", "0022_loop_attachment_slot"), ("viewflow", "__latest__")]

    operations = [migrations.RunPython(forwards, backwards)]
