"""The training programme's synthetic run for `simulate --programme training --classes N`: designated providers
(organisation accounts registered online, designated by the district), each class filed and approved before it
starts, its roster with the attendance after it (some rosters refused whole first: a person already trained with
subsidy, an attendance below the minimum; filed again without those rows), exam results and certificates, a claim
per class inside the window (a few too late, refused), the business registrations of some trainees (start-up
subsidy cases of their own, inside or after their window), the settlement, the district's review and approval,
publicity and payment through the finance batches. Every step goes through the real services; the classes are
held 8 to 14 months ago with the clock moved to each step's day, the settlement and what follows run today."""

import csv
import datetime as dt
import io
import random
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.constants import ApplicantCategory, PaymentLineStatus, ProgrammeKind, Role, Status, UnitLevel
from cases.demo import org_units_load, programmes_load
from cases.exceptions import DomainError, InvalidImport
from cases.models import BudgetEnvelope, OrgUnit, PaymentLine, Programme, User
from cases.models.training import TrainingClaim, TrainingClaimRow
from cases.services import training as training_services
from cases.services.social_insurance.employers import employer_register
from cases.synthetic import bank_account, person_name
from workflows.engine import identities
from workflows.engine import steps as flow_services
from workflows.engine.simulation import SAMPLE_PDF, SetupRefused, open_programme, pay, staff_for
from workflows.programmes.training import actions

SHARES = {"already_trained": 0.08, "low_attendance": 0.10, "late_claim": 0.05, "business": 0.35, "rejected": 0.04}
CLASSES_PER_PROVIDER = 6


@contextmanager
def _on(day: dt.date):
    """The clock at 10:00 of `day` in the district's zone, still ticking."""
    import time_machine

    with time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZoneInfo(settings.TIME_ZONE)), tick=True):
        yield


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(training_services.ROSTER_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def _setup(classes: int) -> tuple[Programme, Programme, OrgUnit]:
    district = OrgUnit.objects.filter(level=UnitLevel.DISTRICT).first() or org_units_load()
    programmes_load(year=timezone.localdate().year, opened={"training", "startup"})
    programme = open_programme("training")
    startup = open_programme("startup")
    with transaction.atomic():
        envelope, _ = BudgetEnvelope.objects.select_for_update().get_or_create(
            programme=programme, year=timezone.localdate().year, org_unit=None, defaults={"amount": Decimal("0")}
        )
        envelope.amount += Decimal("1000") * 30 * classes
        envelope.save(update_fields=["amount"])
    return programme, startup, district


def _providers(rng: random.Random, n: int, communities: list[OrgUnit], approver: User) -> list:
    providers = []
    for _ in range(n):
        user = User.objects.create(username=identities.username("sim-provider"), role=Role.APPLICANT)
        name = f"{person_name(rng)}职业技能培训学校有限公司"
        employer = employer_register(
            name=name,
            credit_code=identities.credit_code(rng),
            address="余杭区文一西路1号",
            org_unit=rng.choice(communities),
            bank_name="中国农业银行余杭支行",
            bank_account_name=name,
            bank_account_number=bank_account(rng),
            by=user,
        )
        providers.append((training_services.provider_designate(employer=employer, by=approver), user))
    return providers


def _business_case(*, rng, startup: Programme, community: OrgUnit, trainee, registered_on: dt.date) -> None:
    """The trainee's own start-up subsidy case, with the business registration date it states, filed today."""
    user = User.objects.create(username=identities.username("sim-trainee"), role=Role.APPLICANT)
    applicant = case_services.applicant_person_get_or_create(name=trainee.name, id_number=trainee.id_number, user=user)
    application = case_services.application_create(
        programme=startup,
        applicant=applicant,
        org_unit=community,
        by=user,
        category=ApplicantCategory.UNEMPLOYED,
        requested_amount=Decimal("5000"),
        bank_name="中国农业银行余杭支行",
        bank_account_name=applicant.name,
        bank_account_number=bank_account(rng),
        business_name=f"{applicant.name}个体工作室",
        business_credit_code=identities.credit_code(rng),
        business_registered_on=registered_on,
    )
    for kind in startup.required_documents:
        case_services.attachment_add(application=application, by=user, kind=kind, content=SAMPLE_PDF, name=f"{kind}.pdf")
    flow_services.case_submit(application=application, by=user)


def _roster(training_class, provider_user, people, run: Counter, rng, trained: list) -> list:
    """File the roster on the day after the class; a refused one is filed again without its refused lines."""
    rows = [[p[0], p[1], str(p[2])] for p in people]
    if trained and rng.random() < SHARES["already_trained"]:
        rows.append([*rng.choice(trained), "95"])
    if rng.random() < SHARES["low_attendance"]:
        rows.append([identities.citizen_id(rng), person_name(rng), str(rng.randrange(40, 80))])
    try:
        training_services.roster_file(training_class=training_class, content=_csv(rows), filename="roster.csv", by=provider_user)
        return rows
    except InvalidImport as refusal:
        run["rosters refused whole, then filed again"] += 1
        run["roster rows refused"] += len(refusal.details)
        rows = rows[: len(people)]
        training_services.roster_file(training_class=training_class, content=_csv(rows), filename="roster.csv", by=provider_user)
        return rows


def class_approved(*, rng, programme, provider, provider_user, reviewer, starts_on: dt.date, capacity: int, clock):
    """A ten-day class filed by the provider two weeks before its first day and approved by the district a week
    before, each on its day (`clock(day)`, a context manager that moves the clock there)."""
    with clock(starts_on - dt.timedelta(days=14)):
        training_class = training_services.class_file(
            provider=provider,
            programme=programme,
            plan="SYB创业培训：创业意识、创业计划、企业经营",
            teacher=person_name(rng),
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=9),
            place="余杭区创业服务中心培训教室",
            capacity=capacity,
            by=provider_user,
        )
    with clock(starts_on - dt.timedelta(days=7)):
        training_services.class_decide(training_class=training_class, by=reviewer, approve=True)
    return training_class


def _class(*, rng, programme, provider, provider_user, reviewer, run: Counter, trained: list) -> TrainingClaim | None:
    today = timezone.localdate()
    starts_on = today - dt.timedelta(days=rng.randrange(240, 420))
    size = rng.randrange(12, 31)
    training_class = class_approved(
        rng=rng,
        programme=programme,
        provider=provider,
        provider_user=provider_user,
        reviewer=reviewer,
        starts_on=starts_on,
        capacity=size + 2,
        clock=_on,
    )
    ends_on = training_class.ends_on
    people = [(identities.citizen_id(rng), person_name(rng), rng.randrange(80, 101)) for _ in range(size)]
    with _on(ends_on + dt.timedelta(days=1)):
        _roster(training_class, provider_user, people, run, rng, trained)
    trained += [(p[0], p[1]) for p in people]
    run["trainees"] += size
    passed = [n + 2 for n in range(size) if rng.random() < 0.92]
    with _on(ends_on + dt.timedelta(days=3)):
        certificates = training_services.exam_results_record(training_class=training_class, passed_lines=passed, by=provider_user)
    run["certificates"] += len(certificates)
    if not certificates:
        return None
    window_end = ends_on + relativedelta(months=6)
    late = rng.random() < SHARES["late_claim"]
    claim_day = (
        window_end + dt.timedelta(days=rng.randrange(1, 20)) if late else ends_on + dt.timedelta(days=rng.randrange(5, 150))
    )
    with _on(claim_day):
        try:
            return training_services.claim_file(training_class=training_class, by=provider_user)
        except DomainError:
            run["claims refused after the window"] += 1
            return None


def _businesses(rng, startup, communities, claims: list[TrainingClaim], run: Counter) -> None:
    """Some trainees start a business: inside their window (full pay), or after it (the share)."""
    today = timezone.localdate()
    for claim in claims:
        training_class = claim.training_class
        for row in claim.rows.select_related("trainee"):
            if rng.random() >= SHARES["business"]:
                continue
            inside = rng.random() < 0.75
            if inside:
                span = (claim.settles_on - training_class.starts_on).days
                registered_on = training_class.starts_on + dt.timedelta(days=rng.randrange(span + 1))
            else:
                registered_on = claim.settles_on + dt.timedelta(days=rng.randrange(1, 40))
            # The start-up subsidy asks for a business registered six months before its filing.
            if registered_on > today - relativedelta(months=6):
                continue
            _business_case(
                rng=rng, startup=startup, community=rng.choice(communities), trainee=row.trainee, registered_on=registered_on
            )
            run["business registrations inside the window" if inside else "business registrations after the window"] += 1


def run(*, classes: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    programme, startup, district = _setup(classes)
    staff = staff_for(district)
    communities = list(OrgUnit.objects.filter(path__startswith=district.path, level=UnitLevel.COMMUNITY).order_by("code"))
    run_counts: Counter = Counter()
    providers = _providers(rng, max(1, -(-classes // CLASSES_PER_PROVIDER)), communities, staff.approver)
    trained: list = []
    claims = []
    for index in range(classes):
        provider, provider_user = providers[index % len(providers)]
        claim = _class(
            rng=rng,
            programme=programme,
            provider=provider,
            provider_user=provider_user,
            reviewer=staff.district_reviewer,
            run=run_counts,
            trained=trained,
        )
        if claim is not None:
            claims.append(claim)
    run_counts["claims filed"] = len(claims)
    _businesses(rng, startup, communities, claims, run_counts)
    run_counts["claims settled"] = actions.claims_settle_due()
    approved = []
    for claim in TrainingClaim.objects.filter(pk__in=[c.pk for c in claims]).select_related("application"):
        application = claim.application
        task = flow_services.open_task(application=application, name="district_review")
        rejected = rng.random() < SHARES["rejected"]
        application = actions.task_claim_review(
            task_id=task.pk, by=staff.district_reviewer, passed=not rejected, opinion="名单与证书不符" if rejected else "经审核"
        )
        if application.status == Status.REJECTED:
            run_counts["claims rejected by the district"] += 1
            continue
        task = flow_services.open_task(application=application, name="approve")
        approved.append(actions.task_claim_approve(task_id=task.pk, by=staff.approver, opinion="同意"))
    if approved:
        batch = flow_services.publicity_publish(
            programme=programme, applications=approved, by=staff.approver, starts_on=timezone.localdate()
        )
        flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1), batches=[batch])
        pay(programme, approved, staff, set(), rng)
        run_counts["claims paid"] = len(approved)
    return _lines(run_counts, claims)


def _lines(counts: Counter, claims: list[TrainingClaim]) -> list[str]:
    lines = [f"{key:44} {value:>8}" for key, value in sorted(counts.items())]
    rows = TrainingClaimRow.objects.filter(claim__in=claims)
    full = rows.filter(outcome="full")
    share = rows.filter(outcome="share")
    paid = sum(
        PaymentLine.objects.filter(
            application__training_claim__in=claims,
            application__programme__kind=ProgrammeKind.TRAINING,
            status=PaymentLineStatus.PAID,
        ).values_list("amount", flat=True),
        Decimal("0"),
    )
    lines += [
        f"\ntrainees claimed: {rows.count()} ({full.count()} in full, {share.count()} at the share)",
        f"settled in total: {sum(rows.values_list('amount', flat=True), Decimal('0'))}",
        f"paid in total (payment lines): {paid}",
    ]
    return lines


def simulate(*, cases: int = 0, seed: int, classes: int = 60) -> list[str]:
    """The training profile for `manage.py simulate` (`--cases` is not used: `--classes` is)."""
    if classes < 1:
        raise SetupRefused("--classes must be at least 1.")
    return run(classes=classes, seed=seed)
