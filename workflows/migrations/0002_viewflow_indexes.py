"""Indexes viewflow lacks on the columns our queues and consistency checks filter by."""

from django.db import migrations

INDEXES = [
    ("wf_process_flow_class", "viewflow_process", "flow_class"),
    ("wf_task_flow_task", "viewflow_task", "flow_task"),
    ("wf_task_type_status", "viewflow_task", "flow_task_type, status"),
    ("wf_task_owner_permission", "viewflow_task", "owner_permission"),
    ("wf_task_process_status", "viewflow_task", "process_id, status"),
]


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial"), ("viewflow", "__latest__")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, columns in INDEXES
    ]
