"""Drive guaranteed loans through the real services and flows over simulated years.

The clock is simulated: every loan service takes `today`, and the loop advances it a month at a time; nothing
sleeps. Borrowers behave on time, late, extended or defaulted; some loans are declined by the bank or rejected in
review. Nothing here sets a status: every change goes through a service.
"""

import csv
import datetime as dt
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.bank_file_layouts import standard_layout
from cases.constants import ApplicantCategory, Decision, ReviewLevel, Role, UnitLevel
from cases.demo import BANKS, org_units_load, programmes_load
from cases.models import Application, Bank, BankOfficer, BudgetEnvelope, Loan, OrgUnit, Programme, SubsidyClaim, User
from cases.models.loan import FINAL_LOAN_STATES, LoanState, RepaymentMethod, SubsidyClaimStatus
from cases.services import loans as loan_services
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan import checks as loan_checks

BEHAVIOURS = [
    ("on_time", 600),
    ("late", 140),
    ("extended", 100),
    ("defaulted", 80),
    ("bank_declined", 50),
    ("rejected", 30),
]
FILE_BANK = "icbc-yh"  # this bank reports repayments through its interest file; the others record them one by one
AMOUNTS = [Decimal(x) for x in ("50000", "100000", "150000", "200000", "300000", "500000")]
RATES = [Decimal(x) for x in ("0.0385", "0.0435", "0.0475", "0.0550")]


@dataclass
class LoanPlan:
    behaviour: str
    application: Application
    applicant_user: User
    loan: Loan | None = None
    late_periods: dict[int, int] = field(default_factory=dict)  # period -> days late
    extend_before: int | None = None  # extend just before this period falls due
    extended: bool = False
    stop_at: int | None = None  # first period never repaid
    borrower_claims: bool = False
    defaulted_on: dt.date | None = None
    filed: set[int] = field(default_factory=set)  # periods already put into an interest file


@dataclass
class LoanReport:
    behaviours: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)
    subsidies_paid: Decimal = Decimal("0")
    claims_paid: int = 0
    compensation_total: Decimal = Decimal("0")
    first_day: dt.date | None = None
    last_day: dt.date | None = None


@dataclass
class LoanStaff:
    staff: simulation.Staff
    banks: dict[str, Bank]
    officers: dict[int, User]  # bank id -> officer


def ensure_setup(*, year: int, cases: int) -> tuple[Programme, OrgUnit, LoanStaff]:
    district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
    programmes_load(year=year)
    programme = simulation.open_programme("loan")
    # The envelope carries interest subsidies (ADR 0007): at most the whole interest of the largest loan at the
    # highest rate over the longest term plus an extension, per case.
    needed = max(AMOUNTS) * max(RATES) * Decimal("3.5") * cases
    with transaction.atomic():
        envelope, _ = BudgetEnvelope.objects.select_for_update().get_or_create(
            programme=programme, year=year, org_unit=None, defaults={"amount": needed}
        )
        if envelope.remaining < needed:
            envelope.amount += needed - envelope.remaining
            envelope.save(update_fields=["amount"])
    banks = {code: Bank.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in BANKS}
    officers = {}
    for code, bank in banks.items():
        user, _ = User.objects.get_or_create(
            username=f"sim-bank-{code}", defaults={"role": Role.BANK_OFFICER, "org_unit": district, "first_name": bank.name}
        )
        BankOfficer.objects.get_or_create(user=user, defaults={"bank": bank})
        officers[bank.pk] = user
    return programme, district, LoanStaff(staff=simulation.staff_for(district), banks=banks, officers=officers)


LOAN_DRAFT = simulation.DraftProfile(
    username_prefix="sim-borrower",
    categories=(
        ApplicantCategory.GRADUATE,
        ApplicantCategory.UNEMPLOYED,
        ApplicantCategory.LAND_LOST_FARMER,
        ApplicantCategory.DISABLED,
    ),
    bank_name="贴息专户",
    business_suffix="创业小店",
    registered_days=(30, 700),
    jobs=(1, 8),
)


def qualify(plan: LoanPlan, staff: simulation.Staff) -> bool:
    """Common review up to approval (qualification). False when the case is rejected on the way."""
    app = plan.application
    levels = [
        (ReviewLevel.COMMUNITY, staff.community[app.org_unit_id]),
        (ReviewLevel.TOWN, staff.town[app.org_unit.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
        (ReviewLevel.APPROVAL, staff.approver),
    ]
    for level, user in levels:
        if plan.behaviour == "rejected" and level == ReviewLevel.DISTRICT:
            simulation.decide(app, user, level, Decision.REJECT)
            return False
        simulation.decide(app, user, level, Decision.PASS)
    return True


def start_loan(*, plan: LoanPlan, rng: random.Random, ls: LoanStaff, day: dt.date, bank: Bank) -> None:
    staff = ls.staff
    officer = ls.officers[bank.pk]
    loan = loan_flow.loan_certificate_issue(application=plan.application, bank=bank, by=staff.approver, today=day)
    if plan.behaviour == "bank_declined":
        plan.loan = loan_flow.loan_bank_decide(
            loan=loan, by=officer, today=day + dt.timedelta(days=5), accepted=False, reason="经营流水不足，还款能力存疑。"
        )
        return
    loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=day + dt.timedelta(days=5), accepted=True)
    loan = loan_flow.loan_guarantee_issue(loan=loan, by=staff.approver, today=day + dt.timedelta(days=8))
    term = rng.choice([12, 24, 36])
    period_months = 1 if rng.random() < 0.2 else 3
    loan = loan_flow.loan_disburse(
        loan=loan,
        by=officer,
        today=day + dt.timedelta(days=10),
        contract_number=f"{bank.code.upper()}-{plan.application.number}",
        principal=loan.qualified_amount,
        annual_rate=rng.choice(RATES),
        term_months=term,
        period_months=period_months,
        repayment_method=RepaymentMethod.ANNUITY if rng.random() < 0.7 else RepaymentMethod.INTEREST_ONLY,
    )
    plan.loan = loan
    count = term // period_months
    if plan.behaviour == "late":
        for number in rng.sample(range(1, count + 1), k=min(count, rng.choice([1, 2]))):
            plan.late_periods[number] = rng.randrange(5, 45)
    elif plan.behaviour == "extended":
        plan.extend_before = rng.randrange(2, count + 1)
    elif plan.behaviour == "defaulted":
        plan.stop_at = rng.randrange(1, count + 1)
    plan.borrower_claims = bank.code != FILE_BANK and rng.random() < 0.3


def _next_repayment(plan: LoanPlan):
    period = plan.loan.periods.filter(repaid_on__isnull=True).order_by("number").first()
    if period is None or (plan.stop_at is not None and period.number >= plan.stop_at):
        return None, None
    return period, period.due_on + dt.timedelta(days=plan.late_periods.get(period.number, 0))


def advance_default(plan: LoanPlan, ls: LoanStaff, until: dt.date, rng: random.Random) -> None:
    loan = plan.loan
    loan.refresh_from_db()
    staff = ls.staff
    if loan.state == LoanState.OVERDUE and plan.stop_at is not None:
        first_missed = loan.periods.get(number=plan.stop_at).due_on
        if first_missed + dt.timedelta(days=90) <= until:
            loan = loan_flow.loan_default_declare(
                loan=loan, by=ls.officers[loan.bank_id], today=first_missed + dt.timedelta(days=90)
            )
            plan.defaulted_on = loan.defaulted_on
    if loan.state == LoanState.DEFAULTED and plan.defaulted_on + dt.timedelta(days=30) <= until:
        loan = loan_flow.loan_compensate(loan=loan, by=staff.approver, today=plan.defaulted_on + dt.timedelta(days=30))
    if loan.state == LoanState.COMPENSATED and plan.defaulted_on + dt.timedelta(days=210) <= until:
        day = plan.defaulted_on + dt.timedelta(days=210)
        recovered = rng.random() < 0.5
        if recovered:
            loan_flow.loan_recovery_record(
                loan=loan, by=staff.approver, amount=(loan.compensation_amount * Decimal("0.3")).quantize(Decimal("0.01")), on=day
            )
        plan.loan = loan_flow.loan_recovery_close(loan=loan, by=staff.approver, today=day, written_off=not recovered)


def interest_file(rows: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(loan_services.INTEREST_FILE_COLUMNS)
    for row in rows:
        writer.writerow([row[0], row[1], row[2], f"{row[3]:.2f}", f"{row[4]:.2f}"])
    return out.getvalue().encode("utf-8")


def pay_claims(programme: Programme, ls: LoanStaff, day: dt.date, rng: random.Random) -> None:
    staff = ls.staff
    claims = list(SubsidyClaim.objects.filter(status=SubsidyClaimStatus.APPROVED).order_by("pk"))
    if not claims:
        return
    batch = loan_flow.subsidy_payment_prepare(
        programme=programme, claims=claims, by=staff.finance_maker, today=day, layout=standard_layout()
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    content = case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    returned = {row["reference"] for row in csv.DictReader(io.StringIO(content.decode("utf-8"))) if rng.random() < 0.02}
    flow_services.payment_return_import(
        batch=batch,
        by=staff.finance_maker,
        content=simulation.bank_return_file(content, set(), returned_references=returned, reason="户名不符"),
        file_name="return.csv",
        today=day,
    )


def _month_pass(
    *, plans: list[LoanPlan], ls: LoanStaff, day: dt.date, rng: random.Random, programme: Programme, quarter_end: bool
) -> None:
    """One month of the loans' lives: repayments (one by one or in the bank's file), due and overdue periods,
    defaults, subsidy claims and their review, the quarterly subsidy payment, the flows of final loans."""
    live = [p for p in plans if p.loan is not None and p.loan.state not in FINAL_LOAN_STATES]
    file_rows: dict[int, list] = {}
    for plan in live:
        rows = file_rows.setdefault(plan.loan.bank_id, [])
        _advance_by_tick(plan, ls, day, rows)
    for bank_id, rows in file_rows.items():
        if rows:
            loan_flow.interest_file_import(
                content=interest_file(rows), filename="interest.csv", by=ls.officers[bank_id], today=day
            )
    loan_services.loan_periods_mark_due(today=day)
    loan_services.loan_overdue_flag(today=day)
    for plan in live:
        if plan.behaviour == "defaulted":
            advance_default(plan, ls, day, rng)
    loan_services.subsidy_claims_open_due(today=day)
    for claim in SubsidyClaim.objects.filter(status=SubsidyClaimStatus.OPEN).order_by("pk"):
        loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="按期还款，准予贴息。")
    if quarter_end:
        pay_claims(programme, ls, day, rng)
    loan_flow.loan_flows_finish()
    for plan in live:
        plan.loan.refresh_from_db()


def run(*, cases: int, seed: int = 2026, start: dt.date | None = None, max_years: int = 5) -> LoanReport:
    rng = random.Random(seed)
    year = timezone.localdate().year
    programme, district, ls = ensure_setup(year=year, cases=cases)
    staff = ls.staff
    start = start or dt.date(year, 1, 5)
    communities = list(OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code"))
    banks = list(ls.banks.values())
    names = [n for n, _ in BEHAVIOURS]
    weights = [w for _, w in BEHAVIOURS]
    report = LoanReport(first_day=start)
    plans: list[LoanPlan] = []
    for index in range(cases):
        behaviour = rng.choices(names, weights)[0]
        application, user = simulation.file_draft(
            rng=rng, programme=programme, community=rng.choice(communities), amount=rng.choice(AMOUNTS), profile=LOAN_DRAFT
        )
        application = flow_services.case_submit(application=application, by=user)
        plan = LoanPlan(behaviour=behaviour, application=application, applicant_user=user)
        report.behaviours[behaviour] += 1
        if not qualify(plan, staff):
            continue
        bank = banks[index % len(banks)]
        if behaviour == "extended" and bank.code == FILE_BANK:
            bank = banks[1]
        start_loan(plan=plan, rng=rng, ls=ls, day=start + dt.timedelta(days=rng.randrange(0, 90)), bank=bank)
        plans.append(plan)
    day = start
    end = start + relativedelta(years=max_years)
    tick = 0
    while day < end:
        tick += 1
        day = start + relativedelta(months=tick)
        _month_pass(plans=plans, ls=ls, day=day, rng=rng, programme=programme, quarter_end=tick % 3 == 0)
        pending = SubsidyClaim.objects.exclude(status__in=[SubsidyClaimStatus.PAID, SubsidyClaimStatus.REFUSED]).exists()
        if not pending and all(p.loan is None or p.loan.state in FINAL_LOAN_STATES for p in plans):
            break
    report.last_day = day
    report.states = Counter(Loan.objects.filter(application__programme=programme).values_list("state", flat=True))
    report.subsidies_paid = loan_checks.subsidies_paid_total()
    report.claims_paid = SubsidyClaim.objects.filter(status=SubsidyClaimStatus.PAID).count()
    report.compensation_total = sum((loan.compensation_amount or Decimal("0") for loan in Loan.objects.all()), Decimal("0"))
    return report


def _advance_by_tick(plan: LoanPlan, ls: LoanStaff, until: dt.date, file_rows: list) -> None:
    """Repayments (and the extension) dated up to `until`. The file bank's repayments go into this tick's file."""
    loan = plan.loan
    loan.refresh_from_db()
    if loan.state not in (LoanState.DISBURSED, LoanState.REPAYING, LoanState.EXTENDED, LoanState.OVERDUE):
        return
    officer = ls.officers[loan.bank_id]
    if loan.bank.code == FILE_BANK:
        filed = plan.filed
        for period in loan.periods.filter(repaid_on__isnull=True).order_by("number"):
            if plan.stop_at is not None and period.number >= plan.stop_at:
                break
            repay_on = period.due_on + dt.timedelta(days=plan.late_periods.get(period.number, 0))
            if repay_on > until:
                break
            if period.number not in filed:
                file_rows.append([loan.contract_number, period.number, repay_on.isoformat(), period.principal, period.interest])
                filed.add(period.number)
        return
    while True:
        period, repay_on = _next_repayment(plan)
        if plan.extend_before and not plan.extended and period is not None and period.number == plan.extend_before:
            extend_on = period.due_on - dt.timedelta(days=10)
            if extend_on > until:
                return
            loan_flow.loan_extend(loan=plan.loan, by=officer, today=extend_on, months=6)
            plan.extended = True
            continue
        if period is None or repay_on > until:
            return
        plan.loan = loan_flow.loan_repayment_record(loan=plan.loan, by=officer, period_number=period.number, repaid_on=repay_on)
        if plan.borrower_claims:
            period.refresh_from_db()
            if loan_services.subsidy_refusal(period=period) is None:
                loan_flow.subsidy_claim_open(loan=plan.loan, period_number=period.number, by=plan.applicant_user, today=repay_on)
        if plan.loan.state in FINAL_LOAN_STATES:
            return


def simulate(*, cases: int, seed: int) -> list[str]:
    """The loan programme's profile for `manage.py simulate`: borrower behaviours, final loan states, subsidies."""
    report = run(cases=cases, seed=seed)
    lines = [f"simulated {report.first_day} to {report.last_day}", f"{'borrower behaviour':36} {'cases':>6}"]
    lines += [f"{behaviour:36} {count:>6}" for behaviour, count in sorted(report.behaviours.items())]
    lines.append(f"\n{'final loan state':36} {'loans':>6}")
    lines += [f"{state:36} {count:>6}" for state, count in sorted(report.states.items())]
    lines.append(f"\nsubsidies paid: {report.subsidies_paid} in {report.claims_paid} claims")
    lines.append(f"guarantee compensation: {report.compensation_total}")
    return lines
