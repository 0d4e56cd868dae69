"""The simulator's shared machinery: staff per district, complete drafts, decisions at each level, payment and bank
return files. Each programme's simulation profile (workflows/programmes/<name>/simulation.py) drives its cases with
it through the real services and flows; `manage.py simulate` runs the profile a programme registers, and the tests
use the same pieces to file and move cases. Nothing here sets a status: every change goes through a service.
"""

import csv
import datetime as dt
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from cases import services as case_services
from cases.bank_file_layouts import standard_layout
from cases.constants import ApplicantCategory, AttachmentKind, Decision, ReviewLevel, Role, UnitLevel
from cases.models import Application, OrgUnit, Programme, User
from cases.synthetic import bank_account, person_name
from workflows.engine import identities
from workflows.engine import steps as flow_services

# A tiny but well-formed PDF used as the uploaded evidence.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


@dataclass
class Staff:
    community: dict[int, User]
    town: dict[int, User]
    district_reviewer: User
    approver: User
    finance_maker: User
    finance_checker: User


@dataclass
class Plan:
    outcome: str
    application: Application
    applicant_user: User


@dataclass
class Report:
    outcomes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    paid_total: Decimal = Decimal("0")


def _staff_user(username: str, role: str, unit: OrgUnit) -> User:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"role": role, "org_unit": unit, "first_name": f"{unit.name}{Role(role).label}"}
    )
    return user


def staff_for(district: OrgUnit) -> Staff:
    communities = OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY)
    towns = OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.TOWN)
    return Staff(
        community={u.pk: _staff_user(f"sim-community-{u.code}", Role.COMMUNITY_OFFICER, u) for u in communities},
        town={u.pk: _staff_user(f"sim-town-{u.code}", Role.TOWN_REVIEWER, u) for u in towns},
        district_reviewer=_staff_user("sim-district-reviewer", Role.DISTRICT_REVIEWER, district),
        approver=_staff_user("sim-district-approver", Role.DISTRICT_APPROVER, district),
        finance_maker=_staff_user("sim-finance-maker", Role.FINANCE_OFFICER, district),
        finance_checker=_staff_user("sim-finance-checker", Role.FINANCE_OFFICER, district),
    )


@dataclass(frozen=True)
class DraftProfile:
    """What one programme's synthetic applicants look like. Every profile draws from the random source in the same
    order (ID, name, category, account, credit code, registration, graduation, jobs), so a seed replays exactly."""

    username_prefix: str = "sim-applicant"
    categories: tuple[str, ...] = (ApplicantCategory.GRADUATE, ApplicantCategory.UNEMPLOYED, ApplicantCategory.LAND_LOST_FARMER)
    bank_name: str = "中国农业银行余杭支行"
    business_suffix: str = "个体工作室"
    registered_days: tuple[int, int] = (200, 900)
    jobs: tuple[int, int] = (1, 12)


DEFAULT_DRAFT = DraftProfile()


def file_draft(
    *,
    rng: random.Random,
    programme: Programme,
    community: OrgUnit,
    by_officer: User | None = None,
    profile: DraftProfile = DEFAULT_DRAFT,
    category: str | None = None,
    amount: Decimal | None = None,
    applicant_user: User | None = None,
    name: str | None = None,
) -> tuple[Application, User]:
    """A new applicant with a new account files a complete draft (or an officer files it at the window), with the
    training certificate where the programme asks it of the category. The person's citizen ID and username are
    unique on the database (workflows.engine.identities), whatever the seed and whatever ran before. An existing
    portal account (`applicant_user`, with the person's `name`) files for itself instead of a new one."""
    today = timezone.localdate()
    id_number = identities.citizen_id(rng)
    if applicant_user is None:
        applicant_user = User.objects.create(username=identities.username(profile.username_prefix), role=Role.APPLICANT)
    applicant = case_services.applicant_person_get_or_create(
        name=name or person_name(rng), id_number=id_number, user=applicant_user
    )
    category = category or rng.choice(list(profile.categories))
    if amount is None:
        amount = Decimal(programme.amount_rule.get("amounts", {}).get(category, programme.min_amount))
    filer = by_officer or applicant_user
    application = case_services.application_create(
        programme=programme,
        applicant=applicant,
        org_unit=community,
        by=filer,
        category=category,
        requested_amount=amount,
        bank_name=profile.bank_name,
        bank_account_name=applicant.name,
        bank_account_number=bank_account(rng),
        business_name=f"{applicant.name}{profile.business_suffix}",
        business_credit_code=identities.credit_code(rng),
        business_registered_on=today - dt.timedelta(days=rng.randrange(*profile.registered_days)),
        graduated_on=today - dt.timedelta(days=rng.randrange(100, 1500)) if category == ApplicantCategory.GRADUATE else None,
        jobs_created=rng.randrange(*profile.jobs),
        originals_checked=by_officer is not None,
    )
    kinds = list(programme.required_documents)
    if category in (programme.eligibility_rules or {}).get("training_certificate_for", []):
        kinds.append(AttachmentKind.TRAINING_CERTIFICATE)
    for kind in kinds:
        case_services.attachment_add(application=application, by=filer, kind=kind, content=SAMPLE_PDF, name=f"{kind}.pdf")
    return application, applicant_user


def decide(application: Application, by: User, level: str, decision: str, **extra) -> Application:
    # Read afresh, not refresh_from_db(): django-fsm lifts the status protection for the whole model class while it
    # refreshes, which fails in another thread refreshing at the same moment (parallel runs in one process).
    application = Application.objects.get(pk=application.pk)
    task = flow_services.open_task(application=application)
    opinion = {Decision.PASS: "材料齐全，符合条件。", Decision.RETURN: "请补正材料。", Decision.REJECT: "不符合申请条件。"}[
        decision
    ]
    return flow_services.task_decide(task_id=task.pk, by=by, decision=decision, opinion=opinion, **extra)


def return_and_correct(application: Application, by: User, level: str, applicant_user: User) -> Application:
    decide(application, by, level, Decision.RETURN, items=[{"kind": "lease", "message": "租赁合同已过期，请提供有效合同。"}])
    case_services.attachment_add(
        application=application,
        by=applicant_user,
        kind="lease",
        content=SAMPLE_PDF,
        name="lease-renewed.pdf",
    )
    return flow_services.case_resubmit(application=application, by=applicant_user, answer="已上传新的租赁合同。")


def review_to_approval(plan: Plan, staff: Staff) -> bool:
    """Community, town, district, approval. Returns False when the case ended on the way."""
    app = plan.application
    outcome = plan.outcome
    town = app.org_unit.parent
    levels = [
        (ReviewLevel.COMMUNITY, staff.community[app.org_unit_id], "rejected_community"),
        (ReviewLevel.TOWN, staff.town[town.pk], "rejected_town"),
        (ReviewLevel.DISTRICT, staff.district_reviewer, "rejected_district"),
        (ReviewLevel.APPROVAL, staff.approver, "rejected_approval"),
    ]
    for level, user, reject_outcome in levels:
        if level not in app.review_levels:  # a level the case's rules version leaves out
            continue
        if outcome == "withdrawn_after_return" and level == ReviewLevel.TOWN:
            decide(app, user, level, Decision.RETURN, items=[{"kind": "", "message": "请说明经营场所情况。"}])
            flow_services.case_withdraw(application=app, by=plan.applicant_user, reason="不再申请。")
            return False
        if outcome == "paid_after_return_and_correction" and level == ReviewLevel.DISTRICT:
            return_and_correct(app, user, level, plan.applicant_user)
        if outcome == reject_outcome:
            decide(app, user, level, Decision.REJECT)
            return False
        decide(app, user, level, Decision.PASS)
    return True


def pay(programme: Programme, cases: list[Application], staff: Staff, returned: set[int], rng: random.Random) -> None:
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=cases, by=staff.finance_maker, layout=standard_layout()
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    content = case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=bank_return_file(content, returned))


def bank_return_file(
    bank_file: bytes, returned_case_ids: set[int], *, returned_references: set[str] = frozenset(), reason: str = "账户已销户"
) -> bytes:
    """What the bank sends back: every line paid, except the lines of the listed cases or references, returned for
    `reason`."""
    numbers = set(Application.objects.filter(pk__in=returned_case_ids).values_list("number", flat=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(case_services.payments.RETURN_FILE_COLUMNS)
    for row in csv.DictReader(io.StringIO(bank_file.decode("utf-8"))):
        if row["reference"] == "TOTAL":
            continue
        is_returned = row.get("case_number") in numbers or row["reference"] in returned_references
        writer.writerow(
            [
                row["reference"],
                row["account_number"],
                row["amount"],
                "returned" if is_returned else "paid",
                reason if is_returned else "",
                f"B{row['reference']}",
            ]
        )
    return out.getvalue().encode("utf-8")


def statistics_refresh(*models) -> None:
    """ANALYZE the tables of `models` on PostgreSQL (nothing elsewhere): a run loads a quarter's ledger, rosters and
    cases at once, faster than autovacuum refreshes the planner's statistics (and not at all where it is off); with
    statistics of the empty tables the planner scans an index of the whole ledger for each claim."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")  # noqa: S608 - table names from the models


class SetupRefused(Exception):
    """The simulation cannot run on this database as it is, for a reason only an administrator may change (the
    simulator creates what is missing but edits no programme)."""


def open_programme(code: str) -> Programme:
    programme = Programme.objects.get(code=code)
    if not programme.active:
        raise SetupRefused(
            f"The programme {programme.code} ({programme.name}) is closed for applications; "
            "an administrator opens it (Programmes: open for applications) before it can be simulated."
        )
    return programme


def report_lines(report: Report) -> list[str]:
    """The summary `simulate` prints for a run along the review graph."""
    lines = [f"{'path':36} {'cases':>6}"]
    lines += [f"{outcome:36} {count:>6}" for outcome, count in sorted(report.outcomes.items())]
    lines.append(f"\n{'final status':36} {'cases':>6}")
    lines += [f"{status:36} {count:>6}" for status, count in sorted(report.statuses.items())]
    lines.append(f"\npaid in total: {report.paid_total}")
    return lines
