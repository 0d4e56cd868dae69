from django.core.management.base import BaseCommand
from django.utils import timezone

from cases.services.calendar_load import calendar_covers, calendar_load_official


class Command(BaseCommand):
    help = "Load public holidays and make-up working days (调休) from the chinese-calendar package."

    def handle(self, *args, **options):
        added = calendar_load_official()
        self.stdout.write(f"{added} days added")
        next_year = timezone.localdate().year + 1
        if not calendar_covers(next_year):
            self.stderr.write(
                f"warning: no official calendar for {next_year} yet; enter it in the admin when the State Council publishes it."
            )
