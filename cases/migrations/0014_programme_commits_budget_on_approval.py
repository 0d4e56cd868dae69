from django.db import migrations, models


def loans_commit_nothing(apps, schema_editor):
    """A loan programme's envelope carries the interest subsidies, claim by claim, not the principal (ADR 0007)."""
    Programme = apps.get_model("cases", "Programme")
    Programme.objects.filter(kind="loan").update(commits_budget_on_approval=False)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_name_validators"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="commits_budget_on_approval",
            field=models.BooleanField(default=True, verbose_name="approval commits the budget"),
        ),
        migrations.RunPython(loans_commit_nothing, migrations.RunPython.noop),
    ]
