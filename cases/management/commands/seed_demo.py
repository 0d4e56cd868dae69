from django.core.management.base import BaseCommand
from django.utils import timezone

from cases.demo import DEMO_PASSWORD, demo_users_load, org_units_load, programmes_load
from cases.services.calendar_load import calendar_load_official


class Command(BaseCommand):
    help = "Load Yuhang District's org units, the programmes, the official calendar and one demo user per role."

    def handle(self, *args, **options):
        org_units_load()
        programmes_load(year=timezone.localdate().year)
        added = calendar_load_official()
        users = demo_users_load()
        self.stdout.write(f"calendar: {added} days added")
        self.stdout.write(f"{'login':12} {'role':20} unit   (password: {DEMO_PASSWORD})")
        for user in users:
            self.stdout.write(f"{user.username:12} {user.role:20} {user.org_unit.name if user.org_unit else '-'}")
