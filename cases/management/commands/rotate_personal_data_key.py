from django.core.management.base import BaseCommand, CommandError

from cases import crypto
from cases.services.personal_data import personal_data_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every citizen ID and bank account number under the first key of PERSONAL_DATA_KEYS and recompute "
        "every lookup digest under PERSONAL_DATA_LOOKUP_KEY, in batches; values already current are left alone, so "
        "the command may be run again at any time. Afterwards the older keys can be removed (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            report = personal_data_reencrypt(batch_size=batch_size)
        except crypto.PersonalDataKeyError as error:
            raise CommandError(f"{error}: keep the old key in PERSONAL_DATA_KEYS until this command has run.") from None
        for column, count in sorted(report.by_column.items()):
            self.stdout.write(f"  {column}: {count} re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(
                f"personal data under key {crypto.current_key_id()}: {report.values} values, "
                f"{report.reencrypted} re-encrypted, {report.digests_refreshed} digests refreshed"
            )
        )
