"""The social-insurance programme's synthetic run for `simulate --programme social_insurance --employers N --people M
--quarters Q`: employers with their people, the agency's contribution file of each quarter, each employer's roster
(only its valid rows: a person also paid by a second employer is refused to whoever files second), town and district
decisions per row with some refusals, approval, publicity, payment through finance batches, then a reversal file and
the clawbacks it raises. Every step goes through the real services; the quarters are those of last year."""

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.constants import ApplicantKind, PaymentLineStatus, ProgrammeKind, Role, UnitLevel
from cases.demo import org_units_load, programmes_load
from cases.exceptions import InvalidImport
from cases.models import (
    Applicant,
    Application,
    AuditEntry,
    BudgetEnvelope,
    Clawback,
    OrgUnit,
    OutboxItem,
    PaymentLine,
    User,
)
from cases.models.social_insurance import (
    ContributionRecord,
    EntitlementStatus,
    PersonMonthEntitlement,
    RosterRow,
    SocialInsuranceClaim,
    SocialInsuranceStandard,
)
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
from workflows.engine.simulation import open_programme, pay, staff_for, statistics_refresh
from workflows.models import SubsidyTask
from workflows.programmes.social_insurance import actions

# Employer's amounts for a month (base, pension, medical, unemployment): at the minimum base (= the cap, 1,160.12),
# above the cap (1,560.00, paid 1,160.12) and below it (1,137.81).
AMOUNTS = [
    ("4462.00", "713.92", "423.89", "22.31"),
    ("6000.00", "960.00", "570.00", "30.00"),
    ("4462.00", "713.92", "401.58", "22.31"),
]
CATEGORIES = ["就业困难人员", "登记失业人员", "失地农民", "残疾人"]
SHARES = {"second_employer": 0.01, "town_refused": 0.03, "district_refused": 0.02, "reversed": 0.01}
# What a quarter fills: the planner's statistics of these tables are refreshed as it goes (statistics_refresh).
FILLED = (
    ContributionRecord,
    PersonMonthEntitlement,
    RosterRow,
    SocialInsuranceClaim,
    Application,
    AuditEntry,
    OutboxItem,
    SubsidyTask,
)


@dataclass
class Person:
    id_number: str
    name: str
    category: str
    employer: int
    amounts: tuple[str, ...]
    also_paid_by: int | None = None


@dataclass
class Run:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _setup(year: int, employers: int):
    district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
    programmes_load(year=year)
    programme = open_programme("social-insurance")
    SocialInsuranceStandard.objects.get_or_create(
        programme=programme,
        year=year,
        defaults=dict(
            minimum_base=Decimal("4462.00"),
            pension_rate=Decimal("0.16"),
            medical_rate=Decimal("0.095"),
            unemployment_rate=Decimal("0.005"),
        ),
    )
    today_year = timezone.localdate().year
    with transaction.atomic():
        envelope, _ = BudgetEnvelope.objects.select_for_update().get_or_create(
            programme=programme, year=today_year, org_unit=None, defaults={"amount": Decimal("0")}
        )
        envelope.amount += Decimal("1160.12") * 3 * 4 * 100 * employers
        envelope.save(update_fields=["amount"])
    bureau, _ = User.objects.get_or_create(
        username="sim-si-bureau", defaults={"role": Role.DISTRICT_REVIEWER, "org_unit": district}
    )
    return programme, district, bureau


def _employers(rng: random.Random, n: int, communities: list[OrgUnit]) -> list[tuple[Applicant, OrgUnit]]:
    found = []
    for _ in range(n):
        user = User.objects.create(username=identities.username("sim-employer"), role=Role.APPLICANT)
        employer = Applicant.objects.create(
            kind=ApplicantKind.ENTERPRISE,
            name=f"{person_name(rng)}实业有限公司",
            credit_code=identities.credit_code(rng),
            user=user,
        )
        found.append((employer, rng.choice(communities)))
    return found


def _people(rng: random.Random, n: int, employers: int) -> list[Person]:
    """The people drawn one by one from the random source; their citizen IDs reserved at once (identities.citizen_ids)."""
    people, borns = [], []
    for _ in range(n):
        born = dt.date(1980, 1, 1) + dt.timedelta(days=rng.randrange(20 * 365))
        borns.append(identities.citizen_id_born(rng, born=born))
        person = Person(
            id_number="",
            name=person_name(rng),
            category=rng.choice(CATEGORIES),
            employer=rng.randrange(employers),
            amounts=rng.choice(AMOUNTS),
        )
        if employers > 1 and rng.random() < SHARES["second_employer"]:
            person.also_paid_by = (person.employer + 1 + rng.randrange(employers - 1)) % employers
        people.append(person)
    for person, number in zip(people, identities.citizen_ids(borns), strict=True):
        person.id_number = number
    return people


def _month_total(person: Person) -> Decimal:
    return sum((Decimal(a) for a in person.amounts[1:]), Decimal("0"))


def _roster(people: list[Person], year: int, quarter: int) -> bytes:
    first, last = 3 * quarter - 2, 3 * quarter
    rows = [
        [
            p.id_number,
            p.name,
            p.category,
            f"{year}-01-01",
            f"{year + 2}-12-31",
            f"{year}-{first:02d}~{year}-{last:02d}",
            str(3 * _month_total(p)),
            "" if int(p.id_number[16]) % 2 else "55",
            "",
        ]
        for p in people
    ]
    return _csv(ROSTER_COLUMNS, rows)


def _contributions(people, employers, months: list[str], *, reversal: str = "0") -> bytes:
    rows = []
    for p in people:
        for payer in filter(lambda i: i is not None, (p.employer, p.also_paid_by)):
            rows += [[p.id_number, employers[payer][0].credit_code, m, *p.amounts, reversal] for m in months]
    return _csv(CONTRIBUTION_COLUMNS, rows)


def _review(application, staff, community, rng: random.Random, run: Run) -> bool:
    """Town, then district: a few rows refused with a reason, the rest approved at once; then approval."""
    for node, user, share, reason in (
        ("town_review", staff.town[community.parent_id], SHARES["town_refused"], "未在本单位实际就业"),
        ("district_review", staff.district_reviewer, SHARES["district_refused"], "劳动合同未备案"),
    ):
        task = flow_services.open_task(application=application, name=node)
        if task is None:
            return False
        claim = application.social_insurance_claim
        lines = claim.roster_rows.filter(**({"town_decision": "approved"} if node == "district_review" else {}))
        refused = {n: reason for n in lines.values_list("line", flat=True) if rng.random() < share}
        if refused:
            actions.task_rows_decide(task_id=task.pk, by=user, refuse=refused)
            run.add(f"rows refused at {node}", len(refused))
        actions.task_rows_decide_remaining(task_id=task.pk, by=user, decision="approved")
        application = actions.task_level_complete(task_id=task.pk, by=user, opinion="经审核")
        if application.status == "rejected":
            run.add("claims rejected")
            return False
    task = flow_services.open_task(application=application, name="approve")
    actions.task_claim_approve(task_id=task.pk, by=staff.approver, opinion="同意")
    return True


def _quarter(*, year: int, quarter: int, people, employers, programme, staff, bureau, rng, run: Run) -> None:
    months = [f"{year}{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)]
    contribution_file_import(
        content=_contributions(people, employers, months), filename=f"agency-{year}Q{quarter}.csv", by=bureau
    )
    statistics_refresh(*FILLED)
    approved = []
    for index, (employer, community) in enumerate(employers):
        if index and index % 100 == 0:
            statistics_refresh(*FILLED)
        mine = [p for p in people if index in (p.employer, p.also_paid_by)]
        if not mine:
            continue
        claim = social_insurance_claim_open(employer=employer, programme=programme, year=year, quarter=quarter, by=employer.user)
        bank = BankAccount("中国农业银行余杭支行", employer.name, bank_account(rng))
        try:
            report = roster_submit(
                claim=claim,
                content=_roster(mine, year, quarter),
                filename="roster.csv",
                by=employer.user,
                only_valid_rows=True,
                org_unit=community,
                bank=bank,
            )
        except InvalidImport:
            run.add("rosters refused whole")
            continue
        run.add("claims submitted")
        run.add("roster rows refused at filing", len(report.refused))
        claim.refresh_from_db()
        if _review(claim.application, staff, community, rng, run):
            approved.append(claim.application)
    if not approved:
        return
    statistics_refresh(*FILLED)
    today = timezone.localdate()
    batch = flow_services.publicity_publish(programme=programme, applications=approved, by=staff.approver, starts_on=today)
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1), batches=[batch])
    pay(programme, approved, staff, set(), rng)
    run.add("claims paid", len(approved))
    _reverse(people, employers, months, bureau=bureau, staff=staff, rng=rng, run=run)


def _reverse(people, employers, months, *, bureau, staff, rng, run: Run) -> None:
    """The agency's correction file: a few people's contributions of the quarter reversed (退保), then the clawbacks."""
    chosen = [p for p in people if rng.random() < SHARES["reversed"]]
    if not chosen:
        return
    content = _contributions(chosen, employers, months[1:], reversal="1")
    contribution_file_import(content=content, filename="agency-reversals.csv", by=bureau)
    clawbacks = actions.reversal_clawbacks_raise(by=staff.approver)
    run.add("clawbacks", len(clawbacks))


def run(*, employers: int, people: int, quarters: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    year = timezone.localdate().year - 1
    programme, district, bureau = _setup(year, employers)
    staff = staff_for(district)
    communities = list(OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code"))
    found = _employers(rng, employers, communities)
    persons = _people(rng, people, employers)
    result = Run()
    for quarter in range(1, min(quarters, 4) + 1):
        _quarter(
            year=year,
            quarter=quarter,
            people=persons,
            employers=found,
            programme=programme,
            staff=staff,
            bureau=bureau,
            rng=rng,
            run=result,
        )
    return _lines(result)


def _lines(result: Run) -> list[str]:
    lines = [f"{key:36} {value:>8}" for key, value in sorted(result.counts.items())]
    lines_paid = PaymentLine.objects.filter(
        application__programme__kind=ProgrammeKind.SOCIAL_INSURANCE, status=PaymentLineStatus.PAID
    ).values_list("amount", flat=True)
    paid = sum(lines_paid, Decimal("0"))
    ledger = PersonMonthEntitlement.objects.filter(payment_line__isnull=False)
    months_paid = sum(ledger.values_list("amount", flat=True), Decimal("0"))
    recovered = sum(ledger.filter(status=EntitlementStatus.RECOVERED).values_list("amount", flat=True), Decimal("0"))
    clawed = sum(
        Clawback.objects.filter(application__programme__kind=ProgrammeKind.SOCIAL_INSURANCE).values_list("amount", flat=True),
        Decimal("0"),
    )
    lines += [
        f"\nperson-months paid: {ledger.count()}",
        f"paid in total (payment lines): {paid}",
        f"sum of the paid person-months:  {months_paid}",
        f"recovered person-months: {recovered} (clawbacks {clawed})",
    ]
    return lines


def simulate(*, cases: int = 0, seed: int, employers: int = 10, people: int = 200, quarters: int = 4) -> list[str]:
    """The social-insurance profile for `manage.py simulate` (`--cases` is not used: employers and people are)."""
    return run(employers=employers, people=people, quarters=quarters, seed=seed)
