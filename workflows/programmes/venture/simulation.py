"""Drive whole venture-grant rounds through the real services and flows: enterprises file, three levels review, an
expert panel is drawn (one expert declares a conflict, one seat is replaced), every expert scores every project,
outliers are confirmed by the chair, the panel closes, the approver confirms, overrides or refuses, publicity, payment.

Nothing here sets a status: every change goes through a service.
"""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cases import services as case_services
from cases.constants import Decision, ReviewLevel, Role, UnitLevel
from cases.demo import org_units_load, programmes_load
from cases.models import Application, BudgetEnvelope, Expert, OrgUnit, PaymentLine, Programme, User, VentureRound
from cases.models.venture import RoundStatus, SeatStatus
from cases.services import venture as venture_services
from cases.synthetic import bank_account, person_name
from workflows.engine import identities, simulation
from workflows.engine import steps as flow_services
from workflows.programmes.venture import actions as venture_flow

# Share of each path, per hundred applications.
OUTCOMES = [
    ("paid", 78),
    ("paid_after_return_and_correction", 6),
    ("rejected_town", 4),
    ("refused_below_tier", 6),
    ("paid_with_override", 6),
]
POOL_SIZE = 14


def ensure_setup(*, year: int, cases: int) -> tuple[Programme, OrgUnit]:
    """Org units and programmes where missing (the venture programme, when this creates it, created open) and an
    envelope large enough for every case. An existing venture programme is left as it is: closed, it is refused."""
    district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
    programmes_load(year=year, opened={"venture"})
    programme = simulation.open_programme("venture")
    needed = programme.max_amount * cases
    with transaction.atomic():
        envelope, _ = BudgetEnvelope.objects.select_for_update().get_or_create(
            programme=programme, year=year, org_unit=None, defaults={"amount": needed}
        )
        if envelope.remaining < needed:
            envelope.amount += needed - envelope.remaining
            envelope.save(update_fields=["amount"])
    return programme, district


def expert_pool(district: OrgUnit, *, size: int = POOL_SIZE) -> list[Expert]:
    experts = []
    fields = ["互联网", "智能制造", "生物医药", "文化创意", "现代农业", "金融"]
    for index in range(1, size + 1):
        username = f"sim-expert-{index:02d}"
        rng = random.Random(username)
        user, _ = User.objects.get_or_create(
            username=username, defaults={"role": Role.EXPERT, "org_unit": district, "first_name": f"专家{person_name(rng)}"}
        )
        expert = Expert.objects.filter(user=user).first()
        if expert is None:
            born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 7000))
            expert, _ = Expert.objects.get_or_create(
                user=user,
                defaults={"id_number": identities.citizen_id(rng, born=born), "fields_of_expertise": rng.sample(fields, 2)},
            )
        experts.append(expert)
    return experts


def open_round(programme: Programme, *, by: User, chair: User, today: dt.date) -> VentureRound:
    """The current quarter's round, or the first later one still open (a second run in the same quarter)."""
    on = today
    while True:
        round_ = venture_flow.venture_round_open(programme=programme, by=by, chair=chair, on=on)
        if round_.status == RoundStatus.OPEN:
            return round_
        on = round_.closes_on + dt.timedelta(days=1)


def file_venture(*, rng: random.Random, round_: VentureRound, community: OrgUnit) -> tuple[Application, User]:
    today = timezone.localdate()
    graduate = person_name(rng)
    graduate_id = identities.citizen_id(rng, born=dt.date(1996, 1, 1) + dt.timedelta(days=rng.randrange(0, 2500)))
    code = identities.credit_code(rng)
    user = User.objects.create(username=identities.username("sim-enterprise"), role=Role.APPLICANT)
    enterprise = case_services.applicant_enterprise_get_or_create(name=f"杭州{graduate}科技有限公司", credit_code=code, user=user)
    share = Decimal(rng.choice([40, 51, 60, 80, 100]))
    holders = [{"name": graduate, "id_number": graduate_id, "capital_percent": share, "is_graduate": True}]
    if share < 100:
        partner_id = identities.citizen_id(rng)
        holders.append({"name": person_name(rng), "id_number": partner_id, "capital_percent": 100 - share, "is_graduate": False})
    application = venture_services.venture_application_create(
        round_=round_,
        enterprise=enterprise,
        org_unit=community,
        by=user,
        project_title=f"{graduate}创业项目",
        legal_representative_name=graduate,
        legal_representative_id_number=graduate_id,
        graduate_name=graduate,
        graduate_id_number=graduate_id,
        graduated_on=today - dt.timedelta(days=rng.randrange(200, 1500)),
        business_registered_on=today - dt.timedelta(days=rng.randrange(100, 700)),
        shareholders=holders,
        requested_amount=Decimal("200000"),
        bank_name="杭州银行余杭支行",
        bank_account_name=enterprise.name,
        bank_account_number=bank_account(rng),
        jobs_created=rng.randrange(2, 15),
    )
    for kind in round_.programme.required_documents:
        case_services.attachment_add(
            application=application,
            by=user,
            kind=kind,
            content=simulation.SAMPLE_PDF,
            name=f"{kind}.pdf",
        )
    return application, user


def _review(app: Application, outcome: str, staff: simulation.Staff, applicant_user: User) -> bool:
    levels = [
        (ReviewLevel.COMMUNITY, staff.community[app.org_unit_id]),
        (ReviewLevel.TOWN, staff.town[app.org_unit.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
    ]
    for level, user in levels:
        if outcome == "rejected_town" and level == ReviewLevel.TOWN:
            simulation.decide(app, user, level, Decision.REJECT)
            return False
        if outcome == "paid_after_return_and_correction" and level == ReviewLevel.DISTRICT:
            simulation.return_and_correct(app, user, level, applicant_user)
        simulation.decide(app, user, level, Decision.PASS)
    return True


def _points(rng: random.Random, quality: float, criteria) -> dict[str, Decimal]:
    return {c.code: Decimal(max(0, min(int(c.max_points), round(quality / 10 + rng.gauss(0, 0.6))))) for c in criteria}


def _panel_score(
    *, round_: VentureRound, pool: list[Expert], outcome_of: dict[int, str], staff, chair: User, rng: random.Random
) -> None:
    """The panel: a declared affiliation the draw must respect, the draw, one replacement, every score sheet (one
    harsh outlier), the chair's confirmation of outliers."""
    # One pool member declares an affiliation with the first enterprise: the draw must leave them out.
    first = Application.objects.select_related("applicant").get(pk=min(outcome_of))
    declaring = pool[0]
    if first.applicant.credit_code not in declaring.affiliated_credit_codes:
        declaring.affiliated_credit_codes = [*declaring.affiliated_credit_codes, first.applicant.credit_code]
        declaring.save(update_fields=["affiliated_credit_codes"])
    seats = venture_flow.panel_draw(round_=round_, by=staff.district_reviewer, seed=rng.randrange(2**31))
    venture_flow.panel_replace(seat=seats[-1], by=staff.district_reviewer, reason="评审当日因公出差，申请回避。")

    round_.refresh_from_db()
    criteria = venture_services.rubric_parse(round_.rubric)
    docket = list(venture_services.round_docket(round_=round_))
    quality = {
        # Most projects land in the lower tiers, as in the seed report (44 enterprises, 2,053,900 yuan).
        p.pk: rng.uniform(40, 56) if outcome_of[p.application_id] == "refused_below_tier" else rng.triangular(61, 93, 64)
        for p in docket
    }
    seated = list(round_.seats.filter(status=SeatStatus.SEATED).select_related("expert__user").order_by("code"))
    for index, project in enumerate(docket):
        for seat in seated:
            q = quality[project.pk]
            if index == 0 and seat.code == seated[0].code:
                q -= 35  # one harsh outlier for the chair to confirm
            venture_flow.score_submit(project=project, by=seat.expert.user, points=_points(rng, q, criteria))
    for sheet in venture_services.panel_outliers(round_=round_):
        venture_flow.outlier_confirm(sheet=sheet, by=chair, note="经评审组长核实，该专家意见独立、理由充分，予以保留。")


def run(*, cases: int, seed: int = 2026) -> simulation.Report:
    today = timezone.localdate()
    programme, district = ensure_setup(year=today.year, cases=cases)
    staff = simulation.staff_for(district)
    chair = simulation._staff_user("sim-panel-chair", Role.DISTRICT_REVIEWER, district)
    pool = expert_pool(district)
    round_ = open_round(programme, by=staff.district_reviewer, chair=chair, today=today)
    rng = random.Random(f"{seed}:{round_.code}")
    communities = list(OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code"))
    names, weights = [n for n, _ in OUTCOMES], [w for _, w in OUTCOMES]
    report = simulation.Report()
    outcome_of: dict[int, str] = {}
    for _ in range(cases):
        outcome = rng.choices(names, weights)[0]
        report.outcomes[outcome] += 1
        application, applicant_user = file_venture(rng=rng, round_=round_, community=rng.choice(communities))
        application = flow_services.case_submit(application=application, by=applicant_user)
        if _review(application, outcome, staff, applicant_user):
            outcome_of[application.pk] = outcome
    if not outcome_of:
        return _finish(report, programme)

    _panel_score(round_=round_, pool=pool, outcome_of=outcome_of, staff=staff, chair=chair, rng=rng)
    venture_flow.venture_panel_close(round_=round_, by=chair)

    approved = []
    for project in venture_services.round_docket(round_=VentureRound.objects.get(pk=round_.pk)):
        outcome = outcome_of[project.application_id]
        task = flow_services.open_task(application=project.application, name="award")
        if project.proposed_amount is None or outcome == "refused_below_tier":
            venture_flow.venture_task_award(task_id=task.pk, by=staff.approver, refuse=True, reason="评审得分未达到资助档次。")
            continue
        if outcome == "paid_with_override":
            amount = max(project.proposed_amount - Decimal("10000"), programme.min_amount)
            if amount == project.proposed_amount:
                amount += Decimal("10000")
            venture_flow.venture_task_award(
                task_id=task.pk, by=staff.approver, amount=amount, reason="项目已获其他财政资金部分支持，酌情调整。"
            )
        else:
            venture_flow.venture_task_award(task_id=task.pk, by=staff.approver)
        approved.append(Application.objects.get(pk=project.application_id))
    if approved:
        batch = flow_services.publicity_publish(programme=programme, applications=approved, by=staff.approver, starts_on=today)
        flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1), batches=[batch])
        simulation.pay(programme, approved, staff, set(), rng)
    return _finish(report, programme)


def _finish(report: simulation.Report, programme: Programme) -> simulation.Report:
    report.statuses = Counter(Application.objects.filter(programme=programme).values_list("status", flat=True))
    report.paid_total = PaymentLine.objects.filter(application__programme=programme, status="paid").aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")
    return report


def simulate(*, cases: int, seed: int) -> list[str]:
    """The venture programme's profile for `manage.py simulate`."""
    return simulation.report_lines(run(cases=cases, seed=seed))
