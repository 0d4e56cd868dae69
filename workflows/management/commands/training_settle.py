import datetime as dt

from django.core.management.base import BaseCommand

from workflows.engine.registry import registry


class Command(BaseCommand):
    help = "Settle the training subsidy claims whose trainees' business window ended before the day (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=dt.date.fromisoformat)

    def handle(self, *args, day=None, **options):
        from workflows.programmes.training.actions import claims_settle_due

        if registry.get("training") is None:
            self.stderr.write("The training programme is not installed (settings.SUBSIDY_PROGRAMMES).")
            return
        settled = claims_settle_due(today=day)
        self.stdout.write(f"training claims settled: {settled}")
