"""Citizen ID and bank account numbers: the plain columns become ciphertext (cases.crypto) and each number gains the
keyed-hash column it is looked up and kept unique by. Existing rows are encrypted under the first of
PERSONAL_DATA_KEYS, so the keys must be set before migrating (docs/operations.md)."""

import json

import cases.fields
import cases.identifiers
from django.db import migrations


# (model, column, digest column or "", JSON): every personal number column this migration encrypts.
COLUMNS = [
    ("applicant", "id_number", "id_number_digest", False),
    ("user", "id_number", "id_number_digest", False),
    ("application", "bank_account_number", "bank_account_number_digest", False),
    ("paymentline", "account_number", "", False),
    ("ventureproject", "legal_representative_id_number", "legal_representative_id_number_digest", False),
    ("ventureproject", "graduate_id_number", "graduate_id_number_digest", False),
    ("shareholder", "id_number", "id_number_digest", False),
    ("expert", "id_number", "id_number_digest", False),
    ("expert", "relatives", "", True),
]


def _rewrite(apps, schema_editor, forward: bool) -> None:
    from cases import crypto

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for model_name, column, digest, is_json in COLUMNS:
        table = quote(apps.get_model("cases", model_name)._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {quote(column)} FROM {table}")  # noqa: S608 - names from the model
            rows = cursor.fetchall()
        for pk, value in rows:
            if not value or crypto.is_ciphertext(value) == forward:
                continue
            if forward:
                plain = json.dumps(json.loads(value), ensure_ascii=False, sort_keys=True) if is_json else value
                new = crypto.encrypt(plain)
            else:
                plain = new = crypto.decrypt(value)
            sets, params = [f"{quote(column)} = %s"], [new]
            if digest:
                sets.append(f"{quote(digest)} = %s")
                params.append(crypto.lookup_digest(plain) if forward else None)
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s", [*params, pk])  # noqa: S608


def encrypt(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, forward=True)


def decrypt(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0014_programme_commits_budget_on_approval'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='application',
            options={'ordering': ['-id'], 'permissions': [('accept_application', 'Can accept applications at a community window'), ('review_town', 'Can review applications at town level'), ('review_district', 'Can review applications at district level'), ('approve_application', 'Can approve applications at district level'), ('manage_publicity', 'Can publish publicity lists and decide objections'), ('prepare_payment', 'Can prepare payment batches'), ('approve_payment', 'Can approve payment batches'), ('view_statistics', 'Can read statistics'), ('reveal_personal_data', 'Can reveal a full citizen ID or account number (audited)')], 'verbose_name': 'application', 'verbose_name_plural': 'applications'},
        ),
            migrations.AddField(
            model_name='applicant',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number'),
        ),
        migrations.AddField(
            model_name='application',
            name='bank_account_number_digest',
            field=cases.fields.LookupDigestField(source='bank_account_number'),
        ),
        migrations.AddField(
            model_name='expert',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number'),
        ),
        migrations.AddField(
            model_name='shareholder',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number'),
        ),
        migrations.AddField(
            model_name='user',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number'),
        ),
        migrations.AddField(
            model_name='ventureproject',
            name='graduate_id_number_digest',
            field=cases.fields.LookupDigestField(source='graduate_id_number'),
        ),
        migrations.AddField(
            model_name='ventureproject',
            name='legal_representative_id_number_digest',
            field=cases.fields.LookupDigestField(source='legal_representative_id_number'),
        ),
        migrations.RemoveConstraint(
            model_name='user',
            name='user_one_account_per_id_number',
        ),
        migrations.AlterField(
            model_name='applicant',
            name='id_number',
            field=cases.fields.EncryptedCharField(blank=True, max_length=18, null=True, validators=[cases.identifiers.validate_citizen_id], verbose_name='citizen ID number'),
        ),
        migrations.AlterField(
            model_name='application',
            name='bank_account_number',
            field=cases.fields.EncryptedCharField(max_length=32, verbose_name='account number'),
        ),
        migrations.AlterField(
            model_name='expert',
            name='id_number',
            field=cases.fields.EncryptedCharField(max_length=18, validators=[cases.identifiers.validate_citizen_id], verbose_name='citizen ID number'),
        ),
        migrations.AlterField(
            model_name='expert',
            name='relatives',
            field=cases.fields.EncryptedJSONField(blank=True, default=list, help_text='[{"name": "...", "id_number": "..."}]', verbose_name='relatives'),
        ),
        migrations.AlterField(
            model_name='paymentline',
            name='account_number',
            field=cases.fields.EncryptedCharField(max_length=32),
        ),
        migrations.AlterField(
            model_name='shareholder',
            name='id_number',
            field=cases.fields.EncryptedCharField(blank=True, max_length=18, validators=[cases.identifiers.validate_citizen_id], verbose_name='citizen ID number'),
        ),
        migrations.AlterField(
            model_name='user',
            name='id_number',
            field=cases.fields.EncryptedCharField(blank=True, max_length=18, verbose_name='citizen ID number'),
        ),
        migrations.AlterField(
            model_name='ventureproject',
            name='graduate_id_number',
            field=cases.fields.EncryptedCharField(max_length=18, validators=[cases.identifiers.validate_citizen_id], verbose_name="graduate's citizen ID number"),
        ),
        migrations.AlterField(
            model_name='ventureproject',
            name='legal_representative_id_number',
            field=cases.fields.EncryptedCharField(max_length=18, validators=[cases.identifiers.validate_citizen_id], verbose_name="legal representative's citizen ID number"),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField(
            model_name='applicant',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number', unique=True),
        ),
        migrations.AlterField(
            model_name='application',
            name='bank_account_number_digest',
            field=cases.fields.LookupDigestField(db_index=True, source='bank_account_number'),
        ),
        migrations.AlterField(
            model_name='expert',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number', unique=True),
        ),
        migrations.AlterField(
            model_name='shareholder',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(db_index=True, source='id_number'),
        ),
        migrations.AlterField(
            model_name='user',
            name='id_number_digest',
            field=cases.fields.LookupDigestField(source='id_number', unique=True),
        ),
        migrations.AlterField(
            model_name='ventureproject',
            name='graduate_id_number_digest',
            field=cases.fields.LookupDigestField(db_index=True, source='graduate_id_number'),
        ),
        migrations.AlterField(
            model_name='ventureproject',
            name='legal_representative_id_number_digest',
            field=cases.fields.LookupDigestField(db_index=True, source='legal_representative_id_number'),
        ),
    ]
