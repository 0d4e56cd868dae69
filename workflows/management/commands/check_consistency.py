from django.core.management.base import BaseCommand, CommandError

from documents.selectors import document_numbers_void
from workflows.engine.consistency import check_all


class Command(BaseCommand):
    help = "Prove the invariants: one live process per open case with the matching task, one payment per paid case, balanced budgets, intact documents, audit trail."

    def handle(self, *args, **options):
        results = check_all()
        failed = 0
        for name, problems in results.items():
            self.stdout.write(f"{name:10} {'ok' if not problems else f'{len(problems)} problem(s)'}")
            for problem in problems[:50]:
                self.stdout.write(f"  - {problem}")
            failed += len(problems)
        void = list(document_numbers_void().values_list("number", "step_key", "void_reason"))
        if void:
            self.stdout.write(f"{'void':10} {len(void)} document number(s) reserved and not used, each with its reason")
        for number, step_key, reason in void[:50]:
            self.stdout.write(f"  - {number} ({step_key}): {reason}")
        if failed:
            raise CommandError(f"{failed} inconsistencies found.")
        self.stdout.write(self.style.SUCCESS("consistent"))
