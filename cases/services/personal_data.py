"""Personal numbers: reading one in full (only roles that need it, each reading one audit row) and bringing every
stored value under the current keys after a rotation (docs/architecture.md and docs/operations.md, "Personal data").
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import crypto
from cases.exceptions import DomainError, PermissionDenied
from cases.fields import EncryptedMixin, LookupDigestField
from cases.models import Application, User
from cases.services.applications import staff_may
from cases.services.audit import audit_record
from cases.services.locks import case_locked

REVEAL_PERMISSION = "cases.reveal_personal_data"

# What may be revealed on a case: the key a page posts, its label (the audit row's comment), how to read it.
REVEALABLE = {
    "citizen_id": (_("citizen ID number"), lambda application: application.applicant.id_number or ""),
    "bank_account": (_("account number"), lambda application: application.bank_account_number or ""),
}


def personal_number_may_reveal(*, user: User, application: Application) -> bool:
    return staff_may(user=user, permission=REVEAL_PERMISSION, application=application)


@transaction.atomic
def personal_number_reveal(*, application: Application, by: User, what: str) -> str:
    """The full number `what` (a key of REVEALABLE) of the case, after recording who read it."""
    if what not in REVEALABLE:
        raise DomainError(_("There is no such number to show."))
    application = case_locked(application)
    if not personal_number_may_reveal(user=by, application=application):
        raise PermissionDenied()
    label, read = REVEALABLE[what]
    value = read(application)
    if not value:
        raise DomainError(_("This case has no such number."))
    # The label only, in the installation's language: the audit trail never holds the number itself.
    with translation.override(settings.LANGUAGE_CODE):
        comment = str(label)
    audit_record(
        application=application, by=by, action="personal_number_revealed", from_status=application.status, comment=comment
    )
    return value


@dataclass
class ReencryptReport:
    values: int = 0
    reencrypted: int = 0
    digests_refreshed: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def _encrypted_models():
    """Each model of the record with encrypted columns, those columns, and their digest fields by source name."""
    for model in apps.get_app_config("cases").get_models():
        encrypted = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if encrypted:
            digests = {f.source: f for f in model._meta.concrete_fields if isinstance(f, LookupDigestField)}
            yield model, encrypted, digests


def personal_data_reencrypt(*, batch_size: int = 500) -> ReencryptReport:
    """Bring every encrypted value under the first of PERSONAL_DATA_KEYS and every digest under the current lookup
    key, a batch of rows per transaction. Values already current are left alone, so a second run changes nothing
    and an interrupted run is simply started again. A row written meanwhile is skipped (it is current already)."""
    report = ReencryptReport()
    current = crypto.current_key_id()
    quote = connection.ops.quote_name
    for model, encrypted, digests in _encrypted_models():
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        columns = [f.column for f in encrypted] + [digests[f.name].column for f in encrypted if f.name in digests]
        select = ", ".join(quote(c) for c in columns)
        last = 0
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {pk}, {select} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608
                        [last, batch_size],
                    )
                    rows = cursor.fetchall()
                for row in rows:
                    last = row[0]
                    stored = dict(zip(columns, row[1:], strict=True))
                    _row_reencrypt(table, pk, row[0], encrypted, digests, stored, current, report)
            if len(rows) < batch_size:
                break
    return report


def _row_reencrypt(table, pk, pk_value, encrypted, digests, stored, current, report: ReencryptReport) -> None:
    quote = connection.ops.quote_name
    sets, params, guards, guard_params = [], [], [], []
    for f in encrypted:
        token = stored[f.column]
        if not token:
            continue
        report.values += 1
        plain = crypto.decrypt(token)
        if crypto.token_key_id(token) != current:
            sets.append(f"{quote(f.column)} = %s")
            params.append(crypto.encrypt(plain))
            guards.append(f"{quote(f.column)} = %s")
            guard_params.append(token)
            report.reencrypted += 1
            key = f"{f.model._meta.label}.{f.name}"
            report.by_column[key] = report.by_column.get(key, 0) + 1
        digest = digests.get(f.name)
        if digest is not None and stored[digest.column] != crypto.lookup_digest(plain):
            sets.append(f"{quote(digest.column)} = %s")
            params.append(crypto.lookup_digest(plain))
            report.digests_refreshed += 1
    if sets:
        where = " AND ".join([f"{pk} = %s", *guards])
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE {where}", [*params, pk_value, *guard_params])  # noqa: S608
