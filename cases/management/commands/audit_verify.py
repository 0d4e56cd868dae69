from django.core.management.base import BaseCommand, CommandError

from cases.services.audit import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Recompute every case's audit hash chain and check that the database refuses changes to audit rows; "
        "name each case's first broken link. Exits non-zero when anything is broken."
    )

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if report.intact:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.entries} entries, {report.cases} cases"))
            return
        for problem in report.problems:
            self.stdout.write(f"  - {problem}")
        raise CommandError(
            f"audit chain broken: {len(report.problems)} problem(s) in {report.entries} entries, {report.cases} cases"
        )
