# Programme rules as versions: version 1 of every programme from its fields, submitted cases filed under it.

import cases.models.programme
import django.db.models.deletion
import django.utils.timezone
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


def rules_version_one(apps, schema_editor):
    """Every programme gets version 1 from its current fields; every submitted case points at it."""
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now, so the tables can be altered below in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Programme = apps.get_model("cases", "Programme")
    ProgrammeRules = apps.get_model("cases", "ProgrammeRules")
    Application = apps.get_model("cases", "Application")
    fields = ("amount_rule", "min_amount", "max_amount", "eligibility_rules", "required_documents", "review_levels",
              "level_days", "publicity_days")
    for programme in Programme.objects.order_by("pk"):
        version = ProgrammeRules.objects.create(
            programme=programme, number=1, **{name: getattr(programme, name) for name in fields}
        )
        Programme.objects.filter(pk=programme.pk).update(current_rules=version)
        Application.objects.filter(programme=programme, submitted_at__isnull=False).update(rules=version)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_audit_chain'),
        ('viewflow', '0015_task_scheduled'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProgrammeRules',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='version')),
                ('amount_rule', models.JSONField(default=dict, verbose_name='amount rule')),
                ('min_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14, verbose_name='minimum amount')),
                ('max_amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='maximum amount (cap)')),
                ('eligibility_rules', models.JSONField(blank=True, default=dict, verbose_name='eligibility rules')),
                ('required_documents', models.JSONField(blank=True, default=list, verbose_name='required document kinds')),
                ('review_levels', models.JSONField(default=list, verbose_name='review levels')),
                ('level_days', models.JSONField(default=cases.models.programme.default_level_days, verbose_name='working days per level')),
                ('publicity_days', models.PositiveSmallIntegerField(default=5, verbose_name='publicity working days')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'programme rules version',
                'verbose_name_plural': 'programme rules versions',
                'ordering': ['programme_id', 'number'],
            },
        ),
        migrations.AddField(
            model_name='programmerules',
            name='created_by',
            field=models.ForeignKey(blank=True, help_text='Empty: loaded from the reference data.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AddField(
            model_name='programmerules',
            name='programme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rules_versions', to='cases.programme', verbose_name='programme'),
        ),
        migrations.AddField(
            model_name='application',
            name='rules',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='cases.programmerules', verbose_name='rules version'),
        ),
        migrations.AddField(
            model_name='programme',
            name='current_rules',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.programmerules', verbose_name='current rules'),
        ),
        migrations.RunPython(rules_version_one, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='programmerules',
            constraint=models.UniqueConstraint(fields=('programme', 'number'), name='programme_rules_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='programmerules',
            constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='programme_rules_number_from_one'),
        ),
        migrations.AddConstraint(
            model_name='programmerules',
            constraint=models.CheckConstraint(condition=models.Q(('min_amount__lte', models.F('max_amount'))), name='programme_rules_min_le_max'),
        ),
        migrations.RemoveConstraint(
            model_name='programme',
            name='programme_min_le_max',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='amount_rule',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='eligibility_rules',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='level_days',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='max_amount',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='min_amount',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='publicity_days',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='required_documents',
        ),
        migrations.RemoveField(
            model_name='programme',
            name='review_levels',
        ),
        migrations.AddConstraint(
            model_name='application',
            constraint=models.CheckConstraint(condition=models.Q(('submitted_at__isnull', True), ('rules__isnull', False), _connector='OR'), name='application_submitted_has_rules'),
        ),
    ]
