"""The employer social-insurance subsidy's part of `replay_report`: the report's people, spread in turn over the
employers and each employed by one the whole year, claimed quarter by quarter. For each quarter the agency's contribution file is
imported (the employers' contributions of its three months), each employer files its roster (only people the file
has), the town and the district approve every row, the approver the claim; publicity and payment follow.

The paid amount of a person-month is the employer's contribution up to the year's cap (SocialInsuranceStandard).
The replay writes the contributions itself: each person-month's drawn within the cap and the last ones adjusted so
the year's payments are the report's total. A year without a standard gets the replay's (minimum base 4,462.00 at
16 % + 9.5 % + 0.5 %: a cap of 1,160.12 a month, which the report's average of 1,125.62 a person-month fits); a year
whose cap is below the average is refused."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from cases.constants import Role
from cases.models import Applicant, Application, OrgUnit, Programme, User
from cases.models.social_insurance import SocialInsuranceStandard
from cases.services.social_insurance import (
    CONTRIBUTION_COLUMNS,
    ROSTER_COLUMNS,
    contribution_file_import,
    roster_submit,
    social_insurance_claim_open,
)
from cases.services.social_insurance.review import BankAccount
from cases.synthetic import bank_account, person_name
from workflows.engine import identities
from workflows.engine import steps as flow_services
from workflows.engine.replay import Replay, amounts_exact, csv_bytes, on, working_day
from workflows.engine.replay_targets import ReplayRefused, Target
from workflows.engine.simulation import pay
from workflows.programmes.social_insurance import actions
from workflows.programmes.social_insurance.simulation import CATEGORIES, _employers

STANDARD = {
    "minimum_base": Decimal("4462.00"),
    "pension_rate": Decimal("0.16"),
    "medical_rate": Decimal("0.095"),
    "unemployment_rate": Decimal("0.005"),
}
CENT = Decimal("0.01")
# Per quarter: the agency's file, the rosters, the reviews and approval, publicity (month, day of the year).
QUARTER_DAYS = {1: (4, 12), 2: (7, 12), 3: (10, 12), 4: (12, 20)}


def _standard(programme: Programme, year: int) -> SocialInsuranceStandard:
    standard, _created = SocialInsuranceStandard.objects.get_or_create(programme=programme, year=year, defaults=STANDARD)
    return standard


def _split(amount: Decimal, standard: SocialInsuranceStandard) -> tuple[str, str, str]:
    """The employer's pension, medical and unemployment contributions of a month adding up to `amount`."""
    rates = standard.pension_rate + standard.medical_rate + standard.unemployment_rate
    pension = (amount * standard.pension_rate / rates).quantize(CENT, rounding=ROUND_HALF_UP)
    unemployment = (amount * standard.unemployment_rate / rates).quantize(CENT, rounding=ROUND_HALF_UP)
    return str(pension), str(amount - pension - unemployment), str(unemployment)


@dataclass
class Year:
    """The year's claimants: the employers (with their community and account), the people (citizen ID, name,
    category, employer's index) and every person-month's contribution, person by person, January to December."""

    programme: Programme
    standard: SocialInsuranceStandard
    bureau: User
    employers: list[tuple[Applicant, OrgUnit, BankAccount]]
    people: list[tuple[str, str, str, int]]
    amounts: list[Decimal]

    def amount(self, person: int, month: int) -> Decimal:
        return self.amounts[person * 12 + month - 1]


def replay(*, replay: Replay, target: Target) -> list[Application]:
    programme = Programme.objects.get(code=target.code)
    rng = replay.rng
    standard = _standard(programme, replay.year)
    cap = standard.monthly_cap
    months = target.count * 12
    if target.total > cap * months:
        raise ReplayRefused(
            _("%(people)s people cannot be paid %(total)s in a year at the year's cap of %(cap)s a month.")
            % {"people": target.count, "total": target.total, "cap": cap}
        )
    replay.envelope_at_least(programme, target.total)
    amounts = amounts_exact(
        rng, count=months, total=target.total, low=max(CENT, 2 * target.total / months - cap).quantize(CENT), high=cap
    )
    bureau, _created = User.objects.get_or_create(
        username="sim-si-bureau", defaults={"role": Role.DISTRICT_REVIEWER, "org_unit": replay.district}
    )
    with on(working_day(replay.day(1, 4))):
        employers = _employers(rng, target.sizes.get("employers", 1), replay.communities)
        people = []
        for index in range(target.count):
            born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(30 * 365))
            people.append(
                (identities.citizen_id(rng, born=born), person_name(rng), rng.choice(CATEGORIES), index % len(employers))
            )
    accounts = [BankAccount("中国农业银行余杭支行", employer.name, bank_account(rng)) for employer, _c in employers]
    year = Year(programme, standard, bureau, [(e, c, a) for (e, c), a in zip(employers, accounts, strict=True)], people, amounts)
    approved = []
    for quarter in (1, 2, 3, 4):
        approved += _quarter(replay, year, quarter)
    return approved


def _quarter(replay: Replay, year: Year, quarter: int) -> list[Application]:
    """The agency's file of the quarter, every employer's roster, the approvals, publicity and payment."""
    staff = replay.staff
    month, day = QUARTER_DAYS[quarter]
    start = working_day(replay.day(month, day))
    with on(start):
        contribution_file_import(
            content=_contributions(replay.year, year, quarter), filename=f"agency-{replay.year}Q{quarter}.csv", by=year.bureau
        )
    with on(working_day(start + dt.timedelta(days=1))):
        claims = [_roster(replay.year, year, quarter, index) for index in range(len(year.employers))]
    with on(working_day(start + dt.timedelta(days=3))):
        approved = [_approve(application, staff, community) for application, community in claims if application is not None]
    with on(working_day(start + dt.timedelta(days=4))):
        batch = flow_services.publicity_publish(
            programme=year.programme,
            applications=approved,
            by=staff.approver,
            starts_on=working_day(start + dt.timedelta(days=4)),
        )
    after = batch.ends_on + dt.timedelta(days=1)
    with on(after):
        flow_services.publicity_close_due(today=after, batches=[batch])
        pay(year.programme, [Application.objects.get(pk=a.pk) for a in approved], staff, set(), replay.rng)
    return approved


def _contributions(calendar_year: int, year: Year, quarter: int) -> bytes:
    """The agency's file: every person's three months at the employer, the amounts split over the insurances."""
    first = 3 * quarter - 2
    base = str(year.standard.minimum_base)
    rows = [
        [person[0], year.employers[person[3]][0].credit_code, f"{calendar_year}{m:02d}", base]
        + [*_split(year.amount(index, m), year.standard), "0"]
        for index, person in enumerate(year.people)
        for m in range(first, first + 3)
    ]
    return csv_bytes(CONTRIBUTION_COLUMNS, rows)


def _roster(calendar_year: int, year: Year, quarter: int, employer_index: int) -> tuple[Application | None, OrgUnit]:
    """The employer's claim of the quarter with every person it employs (none: no claim)."""
    employer, community, account = year.employers[employer_index]
    first = 3 * quarter - 2
    rows = [
        [
            person[0],
            person[1],
            person[2],
            f"{calendar_year}-01-01",
            f"{calendar_year + 2}-12-31",
            f"{calendar_year}-{first:02d}~{calendar_year}-{first + 2:02d}",
            str(sum((year.amount(index, m) for m in range(first, first + 3)), Decimal("0"))),
            "" if int(person[0][16]) % 2 else "55",
            "",
        ]
        for index, person in enumerate(year.people)
        if person[3] == employer_index
    ]
    if not rows:
        return None, community
    claim = social_insurance_claim_open(
        employer=employer, programme=year.programme, year=calendar_year, quarter=quarter, by=employer.user
    )
    roster_submit(
        claim=claim,
        content=csv_bytes(ROSTER_COLUMNS, rows),
        filename="roster.csv",
        by=employer.user,
        org_unit=community,
        bank=account,
    )
    claim.refresh_from_db()
    return claim.application, community


def _approve(application: Application, staff, community: OrgUnit) -> Application:
    """Town and district approve every row; the approver approves the claim."""
    for node, user in (("town_review", staff.town[community.parent_id]), ("district_review", staff.district_reviewer)):
        task = flow_services.open_task(application=application, name=node)
        actions.task_rows_decide_remaining(task_id=task.pk, by=user, decision="approved")
        application = actions.task_level_complete(task_id=task.pk, by=user, opinion="经审核")
    task = flow_services.open_task(application=application, name="approve")
    return actions.task_claim_approve(task_id=task.pk, by=staff.approver, opinion="同意")
