from django.core.management.base import BaseCommand
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.constants import SECOND_FACTOR_ROLES
from cases.demo import DEMO_PASSWORD, demo_employer_load, demo_users_load, org_units_load, programmes_load
from cases.models import User
from cases.services.access import otp_enrolment_code_issue
from cases.services.calendar_load import calendar_load_official
from workflows.engine.demo_reference import demo_reference_load
from workflows.engine.demo_work import demo_work_load


class Command(BaseCommand):
    help = (
        "Load Yuhang District's org units, the programmes, the official calendar and one demo user per role, then the "
        "demo's work in progress (cases waiting at every level, a payment batch, loans at the bank) once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-only", action="store_true", help="Load the reference data and demo users only, no cases."
        )

    def handle(self, *args, **options):
        org_units_load()
        # The employer social-insurance subsidy is created open, so that the demo employer can file its claims.
        programmes_load(year=timezone.localdate().year, opened={"social-insurance", "training"})
        added = calendar_load_official()
        users = demo_users_load()
        demo_employer_load(year=timezone.localdate().year)  # administered by the demo login `employer`
        self.stdout.write(f"calendar: {added} days added")
        self.stdout.write(f"{'login':12} {'role':20} unit   (password: {DEMO_PASSWORD})")
        for user in users:
            self.stdout.write(f"{user.username:12} {user.role:20} {user.org_unit.name if user.org_unit else '-'}")
        # The demo's finance officers and approver enrol their authenticator app with these one-time codes.
        for user in users:
            if user.role in SECOND_FACTOR_ROLES and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                issued = otp_enrolment_code_issue(user=user, actor=None)
                until = timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(f"second-factor enrolment code for {user.username}: {issued.code} (until {until})")
        if not options["reference_only"]:
            for what, count in demo_work_load().items():
                self.stdout.write(f"demo work: {count} {what}")
            administrator = User.objects.get(username="admin")
            for kind in demo_reference_load(administrator=administrator):
                self.stdout.write(f"demo reference data: {kind}")
