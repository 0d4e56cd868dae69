from django.core.management.base import BaseCommand, CommandError

from cases.exceptions import DomainError
from cases.models import User
from cases.services.access import login_unlock


class Command(BaseCommand):
    help = "Release a sign-in lock-out of a login name and/or a client address (recorded as an access event)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="the login name as typed on the login page")
        parser.add_argument("--address", default="", help="a client address (IPv4 or IPv6) to unlock")
        parser.add_argument("--by", default="", help="the administrator's username, recorded as the actor")

    def handle(self, *args, username, address, by, **options):
        actor = None
        if by:
            actor = User.objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"no user named {by!r}")
        try:
            rows = login_unlock(actor=actor, username=username, address=address, note="manage.py login_unlock")
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        for row in rows:
            self.stdout.write(f"unlocked {row.scope} {row.username or row.address} ({row.note})")
