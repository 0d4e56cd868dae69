"""For every URL pattern, a user of another town and another applicant get 403 or 404, never data.

The test walks the project's URL resolver (our views, viewflow's generated views, the admin), fills each pattern's
parameters with the identifiers of real cases filed in 仓前社区 (仓前街道) and driven through every flow node, and
requests it with GET and POST as
  (a) a town reviewer of 余杭街道 (another town) and
  (b) another applicant (with a case of their own elsewhere).
Allowed answers: 403, 404, 405, a redirect to a login page, or (only for pages that name no case) a page that contains
none of the cases' data. A pattern whose parameters this test cannot fill fails the test: add a value, never a skip.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cases.bank_file_layouts import standard_layout
from cases.constants import Decision, ReviewLevel, Role, Status
from cases.models import Application, PaymentBatch, Programme, PublicityBatch, User
from documents.models import Document
from tests.auth import sign_in
from tests.documents.pdf import pdf_flat_text
from tests.lifecycle import advance, submitted
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.models import SubsidyTask

pytestmark = pytest.mark.django_db

# Pages anyone may open, and why. They still must never show a case's data.
PUBLIC = {
    "healthz": "load balancer probe: database and broker state, no case data",
    "set_language": "language switch for everyone, redirects back",
    "login": "the login form",
    "logout": "ends the caller's own session",
    "verify": "public authenticity check of an issued document by its QR token: masked name only, by design",
    "training_certificate_verify": "public check of a training certificate by its QR token: masked holder's name, the "
    "provider and the class, by design",
    "admin:login": "the admin login form",
    "portal:password_reset_confirm": "a password-reset link; a wrong token shows only an 'invalid link' page",
    "finance:otp_enrol": "enrols the caller's own authenticator; names no case (400 on an empty form)",
    "finance:otp_verify": "checks the caller's own authenticator code; names no case (400 on a wrong code)",
    "portal:publicity": "the public publicity board (公示栏): the lists of every programme by number, no person named",
    "portal:publicity_batch": "one public list: masked names and ID numbers, unit, amount, no case number; objections "
    "are filed here by anyone (409 once the period has ended)",
    "portal:publicity_pdf": "a publicity list PDF by its token, for anyone (its text is checked like a page); any other "
    "document is 404",
}
LOGIN_PREFIXES = (settings.LOGIN_URL, "/admin/login/")
REFUSED = {403, 404, 405}
# Parameters that do not identify a case (choices of the admin's app index and catch-all).
NEUTRAL_PARAMETERS = {"app_label", "url", "code", "year"}  # code: a programme of the public catalogue; year: of targets


@dataclass
class Pattern:
    parts: list[str]
    name: str
    parameters: list[str] = field(default_factory=list)

    @property
    def route(self) -> str:
        return "".join(self.parts)


def enumerate_patterns(patterns=None, parts=(), namespace="") -> list[Pattern]:
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = [*parts, str(pattern.pattern)]
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            found += enumerate_patterns(pattern.url_patterns, here, inner)
        else:
            assert isinstance(pattern, URLPattern)
            full = Pattern(parts=here, name=namespace + (pattern.name or ""))
            full.parameters = re.findall(r"<(?:\w+:)?(\w+)>", full.route)
            found.append(full)
    return found


def build_url(pattern: Pattern, values: dict) -> str:
    url = ""
    for part in pattern.parts:
        if part.startswith("^") or part.endswith("$"):  # a regex pattern (the admin's app index and catch-all)

            def group(match):
                name, body = match.group(1), match.group(2)
                return body.split("|")[0] if name == "app_label" else str(values[name])

            part = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^)]*\))*)\)", group, part).strip("^$").replace("\\", "")
        else:
            part = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), part)
        url += part
    return "/" + url


@dataclass
class Fixture:
    cases: list[Application]
    tasks: list[SubsidyTask]
    documents: list[Document]
    markers: set[str]
    venture_project: object = None
    loan_cases: list[Application] = field(default_factory=list)
    employer: object = None
    claim: object = None
    training_class: object = None
    certificate: object = None


def drive_cases(programme, community, staff, rng) -> Fixture:
    """Three cases in 仓前社区, through every node: correction, approval, publicity, objection, payment; a rejection;
    one waiting for town review (an unassigned human task)."""
    paid, paid_user = submitted(programme=programme, community=community, rng=rng)
    paid = advance(paid, staff, through=ReviewLevel.COMMUNITY)
    simulation.return_and_correct(paid, staff.town[community.parent_id], ReviewLevel.TOWN, paid_user)
    for level, user in (
        (ReviewLevel.TOWN, staff.town[community.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
        (ReviewLevel.APPROVAL, staff.approver),
    ):
        paid = simulation.decide(paid, user, level, Decision.PASS)
    batch = flow_services.publicity_publish(
        programme=programme, applications=[paid], by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.objection_record(
        application=paid, by=staff.approver, objector_name="匿名群众", objector_contact="12333", reason="反映未实际经营。"
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    objection_task = flow_services.open_task(application=paid, name="investigate_objection")
    flow_services.task_objection_decide(task_id=objection_task.pk, by=staff.approver, upheld=False, reason="经核查，经营正常。")
    flow_services.payment_batch_prepare(
        programme=programme, applications=[paid], by=staff.finance_maker, layout=standard_layout()
    )

    rejected, _ = submitted(programme=programme, community=community, rng=rng)
    simulation.decide(rejected, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.REJECT)

    waiting, _ = submitted(programme=programme, community=community, rng=rng)
    waiting = advance(waiting, staff, through=ReviewLevel.COMMUNITY)

    cases = list(Application.objects.filter(pk__in=[paid.pk, rejected.pk, waiting.pk]).select_related("applicant"))
    assert {c.status for c in cases} == {Status.PAYMENT_PENDING, Status.REJECTED, Status.ACCEPTED}
    markers = set()
    for case in cases:
        markers |= {case.number, case.applicant.name, case.applicant.id_number, str(case.public_id)}
        markers |= {case.bank_account_number, f"/startup/{case.process_id}/"}
    # venture grants in the same community: one awaiting the award after its panel closed, one awaiting the next panel
    from cases.services import venture as venture_services
    from tests.workflows.programmes.venture.test_venture import GOOD, score_all
    from workflows.programmes.venture import actions as venture_flow
    from workflows.programmes.venture import simulation as simulation_venture

    Programme.objects.filter(code="venture").update(active=True)  # the reference data has it closed: an administrator opens it
    venture_programme, district = simulation_venture.ensure_setup(year=timezone.localdate().year, cases=2)
    simulation_venture.expert_pool(district, size=8)
    chair = staff.district_reviewer
    round_ = simulation_venture.open_round(venture_programme, by=chair, chair=chair, today=timezone.localdate())
    filed = [simulation_venture.file_venture(rng=rng, round_=round_, community=community) for _ in range(2)]
    venture_cases = [flow_services.case_submit(application=case, by=user) for case, user in filed]
    assert simulation_venture._review(venture_cases[0], "paid", staff, filed[0][1])
    venture_services.panel_draw(round_=round_, by=chair, seed=5)
    assert simulation_venture._review(venture_cases[1], "paid", staff, filed[1][1])  # moves to the next round
    score_all(round_, GOOD)
    venture_flow.venture_panel_close(round_=round_, by=chair)
    for venture_case in venture_cases:
        markers |= {venture_case.number, venture_case.applicant.name, venture_case.applicant.credit_code}
    # a guaranteed loan in the same community, qualified and waiting on its own life (open task `loan`)
    from cases.constants import ApplicantCategory
    from workflows.programmes.loan import simulation as simulation_loans

    loan_programme, _, loan_staff = simulation_loans.ensure_setup(year=timezone.localdate().year, cases=2)
    loan_cases = []
    for _ in range(2):
        loan_case, loan_user = simulation.file_draft(
            rng=rng,
            programme=loan_programme,
            community=community,
            amount=Decimal("100000"),
            category=ApplicantCategory.GRADUATE,
            profile=simulation_loans.LOAN_DRAFT,
        )
        loan_case = advance(flow_services.case_submit(application=loan_case, by=loan_user), staff, through=ReviewLevel.APPROVAL)
        markers |= {loan_case.number, loan_case.applicant.name, loan_case.applicant.id_number}
        loan_cases.append((loan_case, loan_user))
    # the first loan is disbursed, its first period repaid on time and its subsidy claimed; the second case waits for
    # its qualification certificate
    loan = disbursed_with_claim(*loan_cases[0], staff=staff, loan_staff=loan_staff)
    markers |= {loan.certificate_number, loan.contract_number, loan.guarantee_number}
    # an employer of the same community with its administrator and this year's first-quarter claim open
    employer, claim = employer_with_claim(community)
    markers |= {employer.applicant.name, employer.applicant.credit_code, employer.bank_account_number, str(employer.public_id)}
    # a designated training provider of the same community with a class held, its roster, certificates and a claim
    training_class, certificate = provider_with_class(community, staff)
    trainees = list(training_class.trainees.all())
    markers |= {t.id_number for t in trainees} | {t.name for t in trainees} | {str(training_class.public_id)}
    markers.add(training_class.provider.employer.bank_account_number)
    cases_and_ventures = [c.process_id for c in cases] + [
        Application.objects.get(pk=v.pk).process_id for v in (*venture_cases, *(c for c, _ in loan_cases))
    ]
    return Fixture(
        cases=cases,
        tasks=list(SubsidyTask.objects.filter(process_id__in=cases_and_ventures).order_by("id")),
        documents=[],  # issued after commit: see with_documents()
        markers=markers,
        venture_project=venture_cases[0].venture,
        loan_cases=[Application.objects.get(pk=c.pk) for c, _ in loan_cases],
        employer=employer,
        claim=claim,
        training_class=training_class,
        certificate=certificate,
    )


def employer_of(unit, owner_name: str, name: str, credit_code: str, account: str):
    """An employer of `unit` registered online by its administrator (a new portal account): (administrator, employer)."""
    from cases.services.social_insurance.employers import employer_register

    owner = User.objects.create_user(
        username=f"employer-{credit_code}", password="x-" * 8, role=Role.APPLICANT, real_name=owner_name
    )
    employer = employer_register(
        name=name,
        credit_code=credit_code,
        address=f"{unit.name}1号",
        org_unit=unit,
        bank_name="中国工商银行余杭支行",
        bank_account_name=name,
        bank_account_number=account,
        by=owner,
    )
    return owner, employer


def provider_with_class(community, staff):
    """A training provider of `community` (its agent a new portal account), designated by the district, with a class
    filed 40 days ago, held from 30 to 21 days ago, its roster of two, both certified, and their claim filed."""
    from cases.services import training
    from tests.cases.services.training import given

    Programme.objects.filter(code="training").update(active=True)  # closed in the reference data
    programme = Programme.objects.get(code="training")
    provider, agent = given.provider(9, community, staff.approver)
    today = timezone.localdate()
    with given.at(today - dt.timedelta(days=40)):
        training_class = training.class_file(
            provider=provider,
            programme=programme,
            plan="SYB创业培训",
            teacher="周老师",
            starts_on=today - dt.timedelta(days=30),
            ends_on=today - dt.timedelta(days=21),
            place="仓前创业服务中心",
            capacity=10,
            by=agent,
        )
    with given.at(today - dt.timedelta(days=35)):
        training.class_decide(training_class=training_class, by=staff.district_reviewer, approve=True)
    people = [(given.citizen_id(101, "19880808"), "孙走查", 95), (given.citizen_id(103, "19880808"), "李走查", 90)]
    with given.at(today - dt.timedelta(days=20)):
        training.roster_file(training_class=training_class, content=given.roster_csv(people), filename="r.csv", by=agent)
        certificates = training.exam_results_record(training_class=training_class, passed_lines=[2, 3], by=agent)
    with given.at(today - dt.timedelta(days=10)):
        training.claim_file(training_class=training_class, by=agent)
    return training_class, certificates[0]


def employer_with_claim(community):
    from cases.services.social_insurance import social_insurance_claim_open
    from tests.cases.services.social_insurance.given import standards

    programme = Programme.objects.get(code="social-insurance")
    Programme.objects.filter(pk=programme.pk).update(active=True)  # closed in the reference data
    standards(programme, timezone.localdate().year)
    owner, employer = employer_of(community, "赵六", "杭州仓前走查实业有限公司", "91330110MA2H000017", "6222021202009876543")
    claim = social_insurance_claim_open(
        employer=employer.applicant, programme=programme, year=timezone.localdate().year, quarter=1, by=owner
    )
    return employer, claim


def disbursed_with_claim(application, borrower, *, staff, loan_staff):
    from cases.models.loan import RepaymentMethod
    from workflows.programmes.loan import actions as loan_flow

    bank = loan_staff.banks["abc-yh"]
    officer = loan_staff.officers[bank.pk]
    start = timezone.localdate() - dt.timedelta(days=120)
    loan = loan_flow.loan_certificate_issue(application=application, bank=bank, by=staff.approver, today=start)
    loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=start, accepted=True)
    loan = loan_flow.loan_guarantee_issue(loan=loan, by=staff.approver, today=start)
    loan = loan_flow.loan_disburse(
        loan=loan,
        by=officer,
        today=start,
        contract_number=f"HT-{application.number}",
        principal=Decimal("100000"),
        annual_rate=Decimal("0.05"),
        term_months=12,
        repayment_method=RepaymentMethod.ANNUITY,
    )
    first = loan.periods.get(number=1)
    loan = loan_flow.loan_repayment_record(loan=loan, by=officer, period_number=1, repaid_on=first.due_on)
    loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=first.due_on)
    return loan


def with_documents(fixture: Fixture) -> Fixture:
    cases = fixture.cases
    fixture.documents = list(Document.objects.filter(application__in=cases)) + list(
        Document.objects.filter(publicity_batch__entries__application__in=cases).distinct()
    )
    return fixture


def candidate_values(pattern: Pattern, fixture: Fixture) -> list[dict]:
    """Every way to fill the pattern with the identifiers of the fixture's cases."""
    parameters = set(pattern.parameters)
    first = fixture.cases[0]
    if parameters >= {"process_pk", "task_pk"}:
        node = re.search(r"<int:process_pk>/(\w+)/<int:task_pk>", pattern.route).group(1)
        tasks = [t for t in fixture.tasks if t.flow_task.name == node]
        assert tasks, f"{pattern.route}: no task of node {node!r}; drive the fixture cases through it"
        return [{"process_pk": t.process_id, "task_pk": t.pk} for t in tasks]
    if parameters == {"process_pk"}:
        return [{"process_pk": c.process_id} for c in fixture.cases]
    if pattern.name == "training_certificate_verify":
        return [{"token": fixture.certificate.token}]
    if pattern.route.startswith(("training/classes/", "portal/training/classes/")):
        return [{"public_id": fixture.training_class.public_id}]
    if pattern.route.startswith("training/providers/"):  # an organisation not designated yet
        return [{"public_id": fixture.employer.public_id}]
    if parameters == {"token"}:
        return [{"token": d.token} for d in fixture.documents]
    if parameters == {"batch"}:  # a publicity list on the public board, by its number
        numbers = PublicityBatch.objects.filter(entries__application__in=fixture.cases).values_list("number", flat=True)
        assert numbers, "publish the fixture's cases to test the public board"
        return [{"batch": number} for number in numbers.distinct()]
    if pattern.route.startswith("portal/employers/") and parameters <= {"public_id", "year", "quarter"}:
        claim = fixture.claim
        return [{"public_id": fixture.employer.public_id, "year": claim.year, "quarter": claim.quarter}]
    if pattern.route.startswith(("loans/", "portal/loans/")) and parameters <= {"public_id", "period"}:
        return [{"public_id": c.public_id, "period": 1} for c in fixture.loan_cases]
    if parameters == {"public_id"}:
        return [{"public_id": c.public_id} for c in fixture.cases]
    if parameters == {"year"} and pattern.route.startswith("statistics/"):  # the towns' targets of the cases' year
        return [{"year": timezone.localtime(first.submitted_at).year}]
    if parameters == {"public_id", "pk"} and "/attachments/" in pattern.route:
        values = [{"public_id": c.public_id, "pk": a.pk} for c in fixture.cases for a in c.attachments.order_by("id")]
        assert values, f"{pattern.route}: the fixture's cases need attachments"
        return values
    if parameters == {"public_id", "step"}:
        return [{"public_id": c.public_id, "step": step} for c in fixture.cases for step in ("basics", "documents")]
    if parameters == {"object_id"}:
        return [{"object_id": first.pk}]
    if parameters == {"id"}:
        return [{"id": first.applicant.user_id}]
    if parameters == {"content_type_id", "object_id"}:
        return [{"content_type_id": ContentType.objects.get_for_model(Application).pk, "object_id": first.pk}]
    if parameters == {"pk"} and pattern.route.startswith("venture/rounds/"):
        return [{"pk": fixture.venture_project.round_id}]
    if parameters == {"pk", "project_pk"}:
        return [{"pk": fixture.venture_project.round_id, "project_pk": fixture.venture_project.pk}]
    if parameters == {"uidb64", "token"}:
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        return [{"uidb64": urlsafe_base64_encode(force_bytes(first.applicant.user_id)), "token": "set-password"}]
    if parameters >= {"number"}:
        from cases.models import PaymentBatch

        numbers = PaymentBatch.objects.filter(lines__application__in=fixture.cases).values_list("number", flat=True)
        return [{"number": number, "fmt": "csv"} for number in numbers]
    if parameters == {"pk"} and "otp_totp/totpdevice" in pattern.route:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=first.applicant.user, name="app")
        return [{"pk": device.pk}]
    if parameters <= NEUTRAL_PARAMETERS:
        return [{"app_label": "", "url": "cases/application/", "code": first.programme.code}]
    raise AssertionError(f"{pattern.route}: add values for the parameters {sorted(parameters)} to this test")


def response_text(pattern: Pattern, response) -> str:
    """The page's text; a PDF served to anyone (the public publicity list) is read like a page."""
    if not getattr(response, "streaming", False):
        return response.content.decode("utf-8", errors="replace")
    if pattern.name in PUBLIC and response.get("Content-Type") == "application/pdf":
        # Reading the stream to its end closes the response through the test client's wrapper; calling close() here
        # would send request_finished, which closes the database connection inside the test's transaction.
        return pdf_flat_text(b"".join(response.streaming_content))
    return ""


def verdict(pattern: Pattern, url: str, response, markers: set[str]) -> str | None:
    """None when the answer is allowed, else why not. Echoing the requested URL back (a login link's ?next=) is no leak."""
    markers = {m for m in markers if m not in url}
    body = response_text(pattern, response)
    location = response.get("Location", "")
    leaked = sorted(m for m in markers if m and (m in body or m in location))
    if leaked:
        return f"shows case data {leaked}"
    if response.status_code in REFUSED:
        return None
    if response.status_code in (301, 302, 303, 307, 308):
        if location.startswith(LOGIN_PREFIXES) or pattern.name in PUBLIC:
            return None
        if not set(pattern.parameters) - NEUTRAL_PARAMETERS:
            return None  # a page that names no case, redirecting to another such page (tested on its own)
        return f"redirects to {location}"
    if response.status_code == 400 and (pattern.name in PUBLIC or not set(pattern.parameters) - NEUTRAL_PARAMETERS):
        return None  # a refused form on a page that names no case: checked above, none of the cases' data
    if response.status_code == 409 and pattern.name in PUBLIC:
        return None  # a public form refused in the list's state (the publicity period ended): checked above
    if response.status_code == 200:
        if pattern.name in PUBLIC or not set(pattern.parameters) - NEUTRAL_PARAMETERS:
            return None  # checked above: none of the cases' data
        return "answers 200 to a URL that names a case"
    return f"answers {response.status_code}"


def check_every_url(users, fixture: Fixture, patterns: list[Pattern]) -> tuple[list[str], int]:
    failures, requests = [], 0
    for user in users:
        client = Client()
        for pattern in patterns:
            for values in candidate_values(pattern, fixture):
                url = build_url(pattern, values)
                for method in ("get", "post"):
                    if "_auth_user_id" not in client.session:  # first request, or a logout pattern ended the session
                        sign_in(client, user)
                    response = getattr(client, method)(url)
                    requests += 1
                    problem = verdict(pattern, url, response, fixture.markers)
                    if problem:
                        failures.append(f"{user.username} {method.upper()} {url} ({pattern.name or pattern.route}): {problem}")
    return failures, requests


def loan_snapshot():
    from cases.models import Loan, LoanPeriod, SubsidyClaim

    return (
        list(Loan.objects.order_by("id").values_list("id", "state", "updated_at")),
        list(LoanPeriod.objects.order_by("id").values_list("id", "repaid_on", "due_on")),
        list(SubsidyClaim.objects.order_by("id").values_list("id", "status")),
        list(PaymentBatch.objects.values_list("id")),
    )


@pytest.fixture
def outsiders(other_town_reviewer, programme, other_town_community, rng, staff):
    """(a) a town reviewer of 余杭街道; (b) an applicant with a case of their own in 凤凰山社区; (c) the administrator
    of another employer (an organisation role), in 凤凰山社区, which is also a designated training provider (its
    agent: the provider agent role)."""
    from cases.services.training import provider_designate

    _, other_applicant = submitted(programme=programme, community=other_town_community, rng=rng)
    assert other_applicant.role == Role.APPLICANT
    other_owner, other_employer = employer_of(
        other_town_community, "钱七", "杭州余杭另一实业有限公司", "91330110MA2H00002A", "6228481202001112223"
    )
    provider_designate(employer=other_employer, by=staff.approver)
    return [other_town_reviewer, other_applicant, other_owner]


def test_every_url_refuses_another_town_and_another_applicant(
    programme, community, staff, rng, outsiders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fixture = drive_cases(programme, community, staff, rng)
    fixture = with_documents(fixture)
    assert len(fixture.documents) > 5, "documents must exist to test their URLs"
    patterns = enumerate_patterns()
    assert len(patterns) > 100  # ours, viewflow's generated ones, the admin
    assert {"case_attachment", "portal:attachment"} <= {p.name for p in patterns}  # evidence files, for every attachment
    before = [(c.status, c.updated_at) for c in Application.objects.filter(pk__in=[c.pk for c in fixture.cases])]
    tasks_before = list(SubsidyTask.objects.order_by("id").values_list("id", "status", "owner_id"))
    loans_before = loan_snapshot()

    failures, requests = check_every_url(outsiders, fixture, patterns)

    assert failures == [], "\n".join(failures)
    assert requests > 4 * len(patterns)
    # and the POSTs changed nothing
    assert [(c.status, c.updated_at) for c in Application.objects.filter(pk__in=[c.pk for c in fixture.cases])] == before
    assert list(SubsidyTask.objects.order_by("id").values_list("id", "status", "owner_id")) == tasks_before
    assert loan_snapshot() == loans_before


def test_loan_urls_refuse_an_officer_of_another_bank(programme, community, staff, rng, django_capture_on_commit_callbacks):
    """The fixture's loan is routed to abc-yh: an officer of yhrcb gets nothing from any page, documents included.
    (Bank officers belong to the district: unit scoping alone would let them in.)"""
    from workflows.programmes.loan import simulation as simulation_loans

    with django_capture_on_commit_callbacks(execute=True):
        fixture = drive_cases(programme, community, staff, rng)
    loan_staff = simulation_loans.ensure_setup(year=timezone.localdate().year, cases=2)[2]
    other_bank_officer = loan_staff.officers[loan_staff.banks["yhrcb"].pk]
    patterns = enumerate_patterns()
    assert len(patterns) > 150
    before = loan_snapshot()

    failures, requests = check_every_url([other_bank_officer], fixture, patterns)

    assert failures == [], "\n".join(failures)
    assert requests >= 2 * len(patterns)
    assert loan_snapshot() == before


def test_the_walk_catches_an_unscoped_url(programme, community, staff, rng, outsiders, settings):
    """Adding a view that forgets the *_for_user selector makes the walk fail."""
    settings.ROOT_URLCONF = "tests.workflows.unscoped_urls"
    fixture = drive_cases(programme, community, staff, rng)
    leaky = [p for p in enumerate_patterns() if p.name == "leaky_case"]
    assert len(leaky) == 1
    failures, _ = check_every_url(outsiders, fixture, leaky)
    assert len(failures) == len(outsiders) * 2 * len(fixture.cases)  # each outsider, GET and POST, each case
    assert all("shows case data" in f for f in failures)
