"""The household grant's synthetic run for `simulate --programme disabled --cases N`: N households of disabled
entrepreneurs file (some through a family member or the community officer, confirmed by the applicant's SMS code;
some a second time for the same household, refused) and go along every path of the review graph, the district level
decided by the disabled persons' federation."""

import dataclasses
import datetime as dt
import random
import re
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cases import services as case_services
from cases.constants import AttachmentKind, DisabledBusinessForm, Role, UnitLevel
from cases.demo import org_units_load, programmes_load
from cases.exceptions import DomainError
from cases.models import Application, BudgetEnvelope, OrgUnit, PaymentLine, Programme, SmsLog, User
from cases.synthetic import bank_account, person_name
from workflows.engine import identities
from workflows.engine import steps as flow_services
from workflows.engine.simulation import (
    SAMPLE_PDF,
    Plan,
    Report,
    Staff,
    open_programme,
    pay,
    report_lines,
    review_to_approval,
    staff_for,
)
from workflows.engine.sms import proxy_confirmation_send

# Share of each path, per thousand households.
OUTCOMES = [
    ("withdrawn_draft", 20),
    ("household_refused_twice", 30),
    ("withdrawn_after_return", 15),
    ("rejected_community", 30),
    ("rejected_town", 30),
    ("rejected_district", 40),
    ("rejected_approval", 20),
    ("objection_upheld", 15),
    ("objection_dismissed", 25),
    ("paid_after_return_and_correction", 120),
    ("payment_returned_reissued", 40),
    ("clawback", 10),
    ("paid", 605),
]
CODE_IN_MESSAGE = re.compile(r"(?<![\d-])(\d{6})(?!\d)")  # six digits, not part of the case number or the mobile
PROXY_SHARE = 0.3  # households whose case a family member or the community officer files


def federation_unit(district: OrgUnit) -> OrgUnit:
    """The district's disabled persons' federation (残联): an org unit beside the towns, created where missing."""
    code = f"{district.code}CL"
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = OrgUnit.objects.create(
            code=code,
            name=f"{district.name}残疾人联合会",
            name_en=f"{district.name_en} Disabled Persons' Federation",
            level=UnitLevel.FEDERATION,
            parent=district,
            path=OrgUnit.path_for(code=code, parent=district),
        )
    return unit


def federation_staff(district: OrgUnit) -> Staff:
    """The simulator's staff with the district level decided by a federation reviewer."""
    unit = federation_unit(district)
    reviewer, _ = User.objects.get_or_create(
        username="sim-federation-reviewer",
        defaults={"role": Role.FEDERATION_REVIEWER, "org_unit": unit, "first_name": f"{unit.name}审核员"},
    )
    return dataclasses.replace(staff_for(district), district_reviewer=reviewer)


def file_disabled_draft(
    *,
    rng: random.Random,
    programme: Programme,
    community: OrgUnit,
    filer: str = "self",
    household_number: str | None = None,
    staff: Staff | None = None,
    applicant_user: User | None = None,
    name: str | None = None,
) -> tuple[Application, User, User]:
    """A disabled entrepreneur's household files a complete draft: the applicant (`filer` "self"), a family member
    with a portal account of their own ("family") or the community officer ("officer"); a case filed for the applicant
    carries the power of attorney. Returns (case, the applicant's account, the account that filed)."""
    today = timezone.localdate()
    id_number = identities.citizen_id(rng)
    if applicant_user is None:
        applicant_user = User.objects.create(username=identities.username("sim-disabled"), role=Role.APPLICANT)
    mobile = f"13{rng.randrange(10**9):09d}"
    applicant = case_services.applicant_person_get_or_create(
        name=name or person_name(rng), id_number=id_number, mobile=mobile, user=applicant_user
    )
    if filer == "family":
        by = User.objects.create(username=identities.username("sim-disabled-family"), role=Role.APPLICANT)
    elif filer == "officer":
        by = staff.community[community.pk]
    else:
        by = applicant_user
    application = case_services.disabled_application_create(
        programme=programme,
        applicant=applicant,
        org_unit=community,
        by=by,
        certificate_number=f"{id_number}{rng.randrange(1, 8)}{rng.randrange(1, 5)}",
        household_number=household_number or f"{community.code[-6:]}{rng.randrange(10**8):08d}",
        resident_in_district=True,
        business_form=rng.choice(DisabledBusinessForm.values),
        business_name=f"{applicant.name}便民服务部",
        business_credit_code=identities.credit_code(rng),
        business_registered_on=today - dt.timedelta(days=rng.randrange(30, 900)),
        bank_name="杭州余杭农村商业银行",
        bank_account_name=applicant.name,
        bank_account_number=bank_account(rng),
        confirmation_mobile=mobile,
        originals_checked=filer == "officer",
    )
    kinds = list(application.rules_in_force.required_documents)
    if filer != "self":
        kinds.append(AttachmentKind.POWER_OF_ATTORNEY)
    for kind in kinds:
        case_services.attachment_add(application=application, by=by, kind=kind, content=SAMPLE_PDF, name=f"{kind}.pdf")
    return application, applicant_user, by


def confirm_by_sms(application: Application, by: User) -> None:
    """The person filing sends the applicant the code and enters what the applicant reads out (from the SMS log)."""
    mobile = proxy_confirmation_send(application=application, by=by)
    message = SmsLog.objects.filter(number=mobile).order_by("-id").values_list("message", flat=True).first()
    code = CODE_IN_MESSAGE.search(message).group(1)
    case_services.disabled_confirm(application=application, by=by, code=code)


def ensure_setup(*, year: int, cases: int) -> tuple[Programme, OrgUnit]:
    district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
    programmes_load(year=year)
    programme = open_programme("disabled")
    needed = programme.max_amount * cases
    with transaction.atomic():
        envelope = BudgetEnvelope.objects.select_for_update().get(programme=programme, year=year, org_unit=None)
        if envelope.remaining < needed:
            envelope.amount += needed - envelope.remaining
            envelope.save(update_fields=["amount"])
    return programme, district


def _publish_and_pay(*, plans: list[Plan], programme: Programme, staff: Staff, rng: random.Random, today: dt.date) -> None:
    batch = flow_services.publicity_publish(
        programme=programme, applications=[p.application for p in plans], by=staff.approver, starts_on=today
    )
    for plan in plans:
        if plan.outcome.startswith("objection"):
            flow_services.objection_record(
                application=plan.application,
                by=staff.approver,
                objector_name="匿名群众",
                objector_contact="12385",
                reason="反映该户已享受过残疾人自主创业扶持。",
            )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1), batches=[batch])
    for plan in plans:
        if plan.outcome.startswith("objection"):
            task = flow_services.open_task(application=plan.application, name="investigate_objection")
            flow_services.task_objection_decide(
                task_id=task.pk,
                by=staff.approver,
                upheld=plan.outcome == "objection_upheld",
                reason="经核查属实。" if plan.outcome == "objection_upheld" else "经核查，该户未曾享受。",
            )
    payable = [p for p in plans if p.outcome != "objection_upheld"]
    returned = {p.application.pk for p in payable if p.outcome == "payment_returned_reissued"}
    pay(programme, [p.application for p in payable], staff, returned, rng)
    reissue = [
        case_services.bank_account_correct(
            application=p.application,
            by=p.applicant_user,
            bank_name="中国农业银行余杭支行",
            account_name=p.application.applicant.name,
            account_number=bank_account(rng),
        )
        for p in payable
        if p.application.pk in returned
    ]
    if reissue:
        pay(programme, reissue, staff, set(), rng)
    for plan in payable:
        if plan.outcome == "clawback":
            app = Application.objects.get(pk=plan.application.pk)
            claw = case_services.clawback_open(
                application=app, by=staff.approver, amount=app.approved_amount, reason="经营主体虚假，追回扶持资金。"
            )
            case_services.clawback_recovered(clawback=claw, by=staff.finance_maker)


@dataclasses.dataclass
class DisabledReport(Report):
    filed_by: Counter = dataclasses.field(default_factory=Counter)
    refused_twice: int = 0

    def lines(self) -> list[str]:
        lines = report_lines(self)
        lines.append("\nfiled by: " + ", ".join(f"{k} {v}" for k, v in sorted(self.filed_by.items())))
        lines.append(f"second filings of a household refused: {self.refused_twice}")
        return lines


def run(*, cases: int, seed: int = 2026, batch_size: int = 100) -> DisabledReport:
    rng = random.Random(seed)
    today = timezone.localdate()
    programme, district = ensure_setup(year=today.year, cases=cases)
    staff = federation_staff(district)
    communities = list(OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code"))
    names = [n for n, _ in OUTCOMES]
    weights = [w for _, w in OUTCOMES]
    report = DisabledReport()
    for start in range(0, cases, batch_size):
        plans: list[Plan] = []
        for _ in range(min(batch_size, cases - start)):
            outcome = rng.choices(names, weights)[0]
            community = rng.choice(communities)
            filer = rng.choice(["family", "officer"]) if rng.random() < PROXY_SHARE else "self"
            app, applicant_user, by = file_disabled_draft(
                rng=rng, programme=programme, community=community, filer=filer, staff=staff
            )
            report.filed_by[filer] += 1
            report.outcomes[outcome] += 1
            if outcome == "withdrawn_draft":
                flow_services.case_withdraw(application=app, by=by, reason="申请人撤回。")
                continue
            if filer != "self":
                confirm_by_sms(app, by)
            app = flow_services.case_submit(application=app, by=by)
            if outcome == "household_refused_twice":
                # another member of the same household files too: refused, nothing filed
                try:
                    file_disabled_draft(
                        rng=rng,
                        programme=programme,
                        community=community,
                        household_number=app.disabled_grant.household_number,
                        staff=staff,
                    )
                except DomainError:
                    report.refused_twice += 1
            plan = Plan(outcome=outcome, application=app, applicant_user=applicant_user)
            if review_to_approval(plan, staff):
                plans.append(plan)
        if plans:
            _publish_and_pay(plans=plans, programme=programme, staff=staff, rng=rng, today=today)
    report.statuses = Counter(Application.objects.filter(programme=programme).values_list("status", flat=True))
    report.paid_total = PaymentLine.objects.filter(application__programme=programme, status="paid").aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")
    return report


def simulate(*, cases: int, seed: int) -> list[str]:
    """The household grant's profile for `manage.py simulate`."""
    return run(cases=cases, seed=seed).lines()
