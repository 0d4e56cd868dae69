"""The start-up programme's synthetic run for `simulate`: N cases along every path of the review graph (withdrawn,
refused at each level, returned and corrected, objection upheld or dismissed, payment returned and reissued,
clawback, paid)."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cases import services as case_services
from cases.constants import UnitLevel
from cases.demo import org_units_load, programmes_load
from cases.models import Application, BudgetEnvelope, OrgUnit, PaymentLine, Programme
from cases.synthetic import bank_account
from workflows.engine import steps as flow_services
from workflows.engine.simulation import Plan, Report, file_draft, open_programme, pay, report_lines, review_to_approval, staff_for

# Share of each path, per thousand cases.
OUTCOMES = [
    ("withdrawn_draft", 15),
    ("withdrawn_after_return", 15),
    ("rejected_community", 40),
    ("rejected_town", 40),
    ("rejected_district", 30),
    ("rejected_approval", 20),
    ("objection_upheld", 15),
    ("objection_dismissed", 25),
    ("paid_after_return_and_correction", 150),
    ("payment_returned_reissued", 40),
    ("clawback", 10),
    ("paid", 600),
]


def ensure_setup(*, year: int, cases: int) -> tuple[Programme, OrgUnit]:
    """Org units, programmes and this year's envelope where missing, the envelope topped up to pay every case."""
    district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
    programmes_load(year=year)
    programme = open_programme("startup")
    needed = programme.max_amount * cases
    with transaction.atomic():
        envelope = BudgetEnvelope.objects.select_for_update().get(programme=programme, year=year, org_unit=None)
        if envelope.remaining < needed:
            envelope.amount += needed - envelope.remaining
            envelope.save(update_fields=["amount"])
    return programme, district


def _publish_and_pay(*, plans: list[Plan], programme: Programme, staff, rng: random.Random, today: dt.date) -> None:
    """Publicity (with the objections the plans ask for), the objection decisions, payment, reissue, clawback."""
    approved = [p.application for p in plans]
    batch = flow_services.publicity_publish(programme=programme, applications=approved, by=staff.approver, starts_on=today)
    for plan in plans:
        if plan.outcome in ("objection_upheld", "objection_dismissed"):
            flow_services.objection_record(
                application=plan.application,
                by=staff.approver,
                objector_name="匿名群众",
                objector_contact="12333",
                reason="反映该经营主体未实际经营。",
            )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1), batches=[batch])
    for plan in plans:
        if plan.outcome.startswith("objection"):
            task = flow_services.open_task(application=plan.application, name="investigate_objection")
            flow_services.task_objection_decide(
                task_id=task.pk,
                by=staff.approver,
                upheld=plan.outcome == "objection_upheld",
                reason="经核查属实。" if plan.outcome == "objection_upheld" else "经核查，经营正常。",
            )
    payable = [p for p in plans if p.outcome != "objection_upheld"]
    returned = {p.application.pk for p in payable if p.outcome == "payment_returned_reissued"}
    pay(programme, [p.application for p in payable], staff, returned, rng)
    reissue = []
    for plan in payable:
        if plan.application.pk in returned:
            app = case_services.bank_account_correct(
                application=plan.application,
                by=plan.applicant_user,
                bank_name="中国建设银行余杭支行",
                account_name=plan.application.applicant.name,
                account_number=bank_account(rng),
            )
            reissue.append(app)
    if reissue:
        pay(programme, reissue, staff, set(), rng)
    for plan in payable:
        if plan.outcome == "clawback":
            app = Application.objects.get(pk=plan.application.pk)
            claw = case_services.clawback_open(
                application=app, by=staff.approver, amount=app.approved_amount, reason="虚报经营场所，追回补贴。"
            )
            case_services.clawback_recovered(clawback=claw, by=staff.finance_maker)


def run(*, cases: int, seed: int = 2026, batch_size: int = 100) -> Report:
    rng = random.Random(seed)
    today = timezone.localdate()
    programme, district = ensure_setup(year=today.year, cases=cases)
    staff = staff_for(district)
    communities = list(OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code"))
    weights = [w for _, w in OUTCOMES]
    names = [n for n, _ in OUTCOMES]
    report = Report()
    for start in range(0, cases, batch_size):
        plans: list[Plan] = []
        for _ in range(min(batch_size, cases - start)):
            outcome = rng.choices(names, weights)[0]
            community = rng.choice(communities)
            window = rng.random() < 0.3
            app, applicant_user = file_draft(
                rng=rng, programme=programme, community=community, by_officer=staff.community[community.pk] if window else None
            )
            report.outcomes[outcome] += 1
            if outcome == "withdrawn_draft":
                flow_services.case_withdraw(application=app, by=applicant_user, reason="申请人撤回。")
                continue
            app = flow_services.case_submit(application=app, by=applicant_user)
            plan = Plan(outcome=outcome, application=app, applicant_user=applicant_user)
            if review_to_approval(plan, staff):
                plans.append(plan)
        if not plans:
            continue
        _publish_and_pay(plans=plans, programme=programme, staff=staff, rng=rng, today=today)
    statuses = Application.objects.filter(programme=programme).values_list("status", flat=True)
    report.statuses = Counter(statuses)
    report.paid_total = PaymentLine.objects.filter(application__programme=programme, status="paid").aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")
    return report


def simulate(*, cases: int, seed: int) -> list[str]:
    """The start-up programme's profile for `manage.py simulate`."""
    return report_lines(run(cases=cases, seed=seed))
