from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.exceptions import DomainError
from cases.models import User
from cases.services.access import otp_enrolment_code_issue


class Command(BaseCommand):
    help = (
        "Issue a one-time second-factor enrolment code for a user and print it (only its hash is stored; earlier "
        "unused codes of that user stop working). The user enters it on the enrolment page before the QR code shows."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--hours", type=int, default=None, help="validity (default OTP_ENROLMENT_CODE_HOURS)")
        parser.add_argument("--by", default="", help="the administrator's username, recorded as the issuer")

    def handle(self, *args, username, hours, by, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        actor = User.objects.filter(username=by).first() if by else None
        if by and actor is None:
            raise CommandError(f"no user named {by!r}")
        try:
            issued = otp_enrolment_code_issue(user=user, actor=actor, hours=hours)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        until = timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        self.stdout.write(f"{issued.code}\nvalid once, until {until}, for {user.username}")
