"""The flows moved into workflows/programmes/<name>/flow.py. viewflow stores each process's flow class and each
task's node as "app_label/module.Class[.node]" strings: rewrite the stored values from the old module paths to the
new ones (and back on reverse)."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr

MOVED = [
    ("workflows/flows.StartupFlow", "workflows/programmes.startup.flow.StartupFlow"),
    ("workflows/venture.VentureFlow", "workflows/programmes.venture.flow.VentureFlow"),
    ("workflows/loans.LoanFlow", "workflows/programmes.loan.flow.LoanFlow"),
]


def rewrite(apps, pairs):
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    for old, new in pairs:
        Process.objects.filter(flow_class=old).update(flow_class=new)
        # "old.node" -> "new.node": keep everything after the old prefix.
        Task.objects.filter(flow_task__startswith=old + ".").update(
            flow_task=Concat(Value(new), Substr("flow_task", len(old) + 1, Length("flow_task")))
        )


def forwards(apps, schema_editor):
    rewrite(apps, MOVED)


def backwards(apps, schema_editor):
    rewrite(apps, [(new, old) for old, new in MOVED])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_simulation_counter"),
        ("viewflow", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
