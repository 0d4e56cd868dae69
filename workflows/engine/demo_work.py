"""The demo's work in progress, so that each demo login opens onto real work. Each programme files its own part
(its registration's `demo_work`, e.g. workflows/programmes/startup/demo.py: cases waiting at every level, some near
or past their deadline, one returned to the demo applicant, one in publicity, a payment batch waiting for the second
finance officer; loans waiting at the bank).

Everything goes through the real services and flows, as the simulator does (workflows.engine.simulation), acted by
the demo's own staff logins. Cases filed "days ago" are filed with the clock moved back to that morning, so their
deadlines, audit rows and documents all carry that day. Loaded once: when the demo applicants exist, nothing is
added.
"""

import datetime as dt
import random
from collections import Counter
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cases import calendar
from cases.constants import Decision, ReviewLevel
from cases.models import Application, OrgUnit, Programme, User
from workflows.engine import steps as flow_services
from workflows.engine.registry import registry
from workflows.engine.simulation import DraftProfile, Staff, decide, file_draft

DEMO_COMMUNITY = "330110001001"
DEMO_PROFILE = DraftProfile(username_prefix="demo-applicant")


def demo_staff() -> Staff:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["community", "town", "reviewer", "approver", "finance", "finance2"])
    }
    community = OrgUnit.objects.get(code=DEMO_COMMUNITY)
    return Staff(
        community={community.pk: users["community"]},
        town={community.parent_id: users["town"]},
        district_reviewer=users["reviewer"],
        approver=users["approver"],
        finance_maker=users["finance"],
        finance_checker=users["finance2"],
    )


@contextmanager
def _morning_of(day: dt.date):
    """The clock at 09:30 of `day` in the district's zone, still ticking (no move when `day` is today)."""
    if day >= timezone.localdate():
        yield
        return
    import time_machine

    with time_machine.travel(dt.datetime.combine(day, dt.time(9, 30), tzinfo=ZoneInfo(settings.TIME_ZONE)), tick=True):
        yield


def filed_on(*, programme: Programme, working_days_left: int) -> dt.date:
    """The latest day on which a case filed then has `working_days_left` working days left at community level today
    (negative: overdue by that many)."""
    today = timezone.localdate()
    limit = programme.days_for(ReviewLevel.COMMUNITY)
    day = today
    while True:
        left = calendar.working_days_between(today, calendar.add_working_days(day, limit))
        if left <= working_days_left:
            return day
        day -= dt.timedelta(days=1)


class Demo:
    """The demo's staff, its community and a seeded random source; what each programme added, by kind."""

    def __init__(self, *, seed: int):
        self.rng = random.Random(seed)
        self.staff = demo_staff()
        self.community = OrgUnit.objects.get(code=DEMO_COMMUNITY)
        self.counts: Counter = Counter()

    def submitted(self, programme: Programme, *, on: dt.date | None = None, profile=DEMO_PROFILE, **who) -> Application:
        with _morning_of(on or timezone.localdate()):
            application, user = file_draft(rng=self.rng, programme=programme, community=self.community, profile=profile, **who)
            application = flow_services.case_submit(application=application, by=user)
        return application

    def through(self, application: Application, levels: list[str]) -> Application:
        by = {
            ReviewLevel.COMMUNITY: self.staff.community[application.org_unit_id],
            ReviewLevel.TOWN: self.staff.town[application.org_unit.parent_id],
            ReviewLevel.DISTRICT: self.staff.district_reviewer,
            ReviewLevel.APPROVAL: self.staff.approver,
        }
        for level in levels:
            application = decide(application, by[level], level, Decision.PASS)
        return application


def demo_work_load(*, seed: int = 2026) -> dict[str, int]:
    """Load the demo's work in progress once; returns what was added by kind (empty when it was there already)."""
    if User.objects.filter(username__startswith=DEMO_PROFILE.username_prefix).exists():
        return {}
    demo = Demo(seed=seed)
    for programme in registry.all():
        if programme.demo_work is not None:
            programme.demo_work(demo)
    return dict(demo.counts)
