"""The role x object matrix (docs/access-matrix.md), enforced over every URL pattern for every role.

The cases of test_url_access (filed in 仓前社区, driven through every node; venture grants scored by a panel; a
disbursed loan at abc-yh) are built once for the module. Each role then walks every pattern, each filled with the
identifiers of those cases, their tasks, documents, batches, the panel's round and project:
- a URL naming only objects the matrix lets the role read may answer anything but a server error, and never shows
  the data of a case outside the role's matrix;
- a URL naming an object outside it answers 403, 404, 405 or a login redirect, and shows none of its data;
- no HTML page shows a citizen ID or bank account number in full (masked by default, for every role);
- a read-only role (the manager / auditor) has every POST refused with 403, except signing out, the language
  switch, its own second factor and the case search, and changes nothing.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import resolve
from django.utils import timezone

from cases import calendar
from cases.constants import Role
from cases.demo import org_units_load, programmes_load
from cases.models import Application, Employer, Expert, OrgUnit, PaymentBatch, Programme, User
from cases.models.training import TrainingClass
from cases.models.venture import SeatStatus, VentureProject
from documents.models import Document
from tests.auth import sign_in as sign_in_once
from tests.workflows.test_url_access import (
    PUBLIC,
    REFUSED,
    Pattern,
    build_url,
    candidate_values,
    drive_cases,
    enumerate_patterns,
    loan_snapshot,
    response_text,
    verdict,
    with_documents,
)
from workflows import readonly
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.selectors import task_visible_to
from workflows.models import SubsidyTask

pytestmark = pytest.mark.django_db

SERVER_ERROR = 500


@dataclass
class World:
    fixture: object
    cases: dict[int, Application]
    markers: dict[int, set[str]]  # per case: what identifies it or its applicant
    clear_numbers: set[str]  # full citizen IDs and account numbers: masked on every page, for every role
    users: dict[str, User]
    round_id: int
    project_ids: set[int] = field(default_factory=set)


def sign_in(client, user):
    """tests.auth.sign_in, again and again: a walk signs in anew after its logout patterns, within the same 30
    seconds, and django-otp refuses a code used once (and waits after wrong ones posted by the walk)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None)
    return sign_in_once(client, user)


def case_markers(application: Application) -> set[str]:
    applicant = application.applicant
    markers = {application.number, applicant.name, str(application.public_id), application.bank_account_number}
    markers |= {applicant.id_number or "", applicant.credit_code or ""}
    if application.process_id:
        markers.add(f"/{application.programme.code}/{application.process_id}/")
    loan = getattr(application, "loan", None)
    if loan is not None:
        markers |= {loan.certificate_number, loan.contract_number, loan.guarantee_number}
    return {m for m in markers if m}


def _staff_user(username: str, role: str, unit: OrgUnit) -> User:
    return User.objects.create_user(username=username, password="correct-horse-battery", role=role, org_unit=unit)


def _other_provider_agent(town: OrgUnit, staff) -> User:
    """The agent of a designated training provider of another town (an organisation role)."""
    from tests.cases.services.training import given

    community = OrgUnit.objects.filter(parent=town).order_by("code").first()
    _provider, agent = given.provider(8, community, staff.approver)
    return agent


def household_grant_at_federation(fixture, community, rng) -> Application:
    """A disabled entrepreneur's household grant filed in the same community by a family member (confirmed by the
    applicant's code), waiting for the disabled persons' federation: added to the fixture's cases, tasks and markers.
    Returns the case, with the federation's reviewer as `federation_reviewer`."""
    from workflows.programmes.disabled import simulation as disabled_simulation

    programme, district = disabled_simulation.ensure_setup(year=timezone.localdate().year, cases=2)
    staff = disabled_simulation.federation_staff(district)
    case, _, by = disabled_simulation.file_disabled_draft(
        rng=rng, programme=programme, community=community, filer="family", staff=staff
    )
    disabled_simulation.confirm_by_sms(case, by)
    case = flow_services.case_submit(application=case, by=by)
    case = simulation.decide(case, staff.community[community.pk], "community", "pass")
    case = simulation.decide(case, staff.town[community.parent_id], "town", "pass")
    fixture.cases.append(Application.objects.select_related("applicant").get(pk=case.pk))
    fixture.tasks += list(SubsidyTask.objects.filter(process_id=case.process_id).order_by("id"))
    fixture.markers |= {case.number, case.applicant.name, case.applicant.id_number, str(case.public_id), case.bank_account_number}
    case.federation_reviewer = staff.district_reviewer
    return case


def build_world() -> World:
    district = org_units_load()
    programmes_load(year=timezone.localdate().year, startup_budget=Decimal("1000000"))
    programme = Programme.objects.get(code="startup")
    community = OrgUnit.objects.get(code="330110001001")  # 仓前社区, 仓前街道
    staff = simulation.staff_for(district)
    with TestCase.captureOnCommitCallbacks(execute=True):
        fixture = drive_cases(programme, community, staff, random.Random(7))
    grant_case = household_grant_at_federation(fixture, community, random.Random(11))
    fixture = with_documents(fixture)
    from workflows.programmes.loan import simulation as simulation_loans

    loan_staff = simulation_loans.ensure_setup(year=timezone.localdate().year, cases=2)[2]
    cases = {a.pk: a for a in Application.objects.filter(org_unit=community).select_related("applicant", "programme", "loan")}
    round_id = fixture.venture_project.round_id
    seated = fixture.venture_project.round.seats.filter(status=SeatStatus.SEATED).select_related("expert__user").first()
    unseated = Expert.objects.exclude(seats__round_id=round_id).select_related("user").first()
    sibling = OrgUnit.objects.filter(parent_id=community.parent_id).exclude(pk=community.pk).first()
    other_town = OrgUnit.objects.get(code="330110002")  # 余杭街道
    users = {
        "expert on the panel": seated.expert.user,
        "expert of no panel": unseated.user,
        "auditor": _staff_user("matrix-auditor", Role.MANAGER, district),
        "auditor of another town": _staff_user("matrix-auditor-town", Role.MANAGER, other_town),
        "bank officer": loan_staff.officers[loan_staff.banks["abc-yh"].pk],
        "finance officer": staff.finance_checker,
        "community officer of another community": staff.community[sibling.pk],
        "district reviewer": staff.district_reviewer,
        "administrator": _staff_user("matrix-admin", Role.ADMINISTRATOR, district),
        "department checker": _staff_user("matrix-checker", Role.DEPARTMENT_CHECKER, district),
        "provider agent": fixture.training_class.filed_by,
        "provider agent of another provider": _other_provider_agent(other_town, staff),
        "federation reviewer": grant_case.federation_reviewer,
    }
    return World(
        fixture=fixture,
        cases=cases,
        markers={pk: case_markers(a) for pk, a in cases.items()},
        clear_numbers={n for a in cases.values() for n in (a.applicant.id_number, a.bank_account_number) if n},
        users=users,
        round_id=round_id,
        project_ids=set(VentureProject.objects.filter(round_id=round_id).values_list("pk", flat=True)),
    )


@pytest.fixture(scope="module")
def storage_location(tmp_path_factory):
    return tmp_path_factory.mktemp("private")


def _storages(location):
    from django.conf import settings

    return {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }


@pytest.fixture(autouse=True)
def _private_storage(storage_location, settings):
    """One private storage for the module: the documents built once are served from it in every test."""
    settings.STORAGES = _storages(storage_location)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, storage_location):
    """The cases, built once for the module inside a transaction rolled back at its end."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with django_db_blocker.unblock(), override_settings(STORAGES=_storages(storage_location)):
        calendar.clear_cache()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            calendar.clear_cache()
            app.conf.task_always_eager = eager


# --- what a URL names ----------------------------------------------------------------------------------------------


def named_objects(pattern: Pattern, values: dict) -> set[tuple]:
    """The objects a filled pattern names: ("case", pk), ("employer", pk), ("batch", pk), ("round", pk), ("project", pk),
    ("admin", 0)."""
    if pattern.name in PUBLIC:
        return set()
    if pattern.route.startswith("admin/"):
        return {("admin", 0)} if set(pattern.parameters) - {"app_label", "url"} else set()
    named = set()
    if pattern.route.startswith(("portal/employers/", "training/providers/")) and "public_id" in values:
        named.add(("employer", Employer.objects.get(public_id=values["public_id"]).pk))
    elif pattern.route.startswith(("training/classes/", "portal/training/classes/")) and "public_id" in values:
        named.add(("training_class", TrainingClass.objects.get(public_id=values["public_id"]).pk))
    elif "public_id" in values:
        named.add(("case", Application.objects.get(public_id=values["public_id"]).pk))
    if "process_pk" in values:
        named.add(("case", Application.objects.get(process_id=values["process_pk"]).pk))
    if "token" in values and "uidb64" not in values:
        document = Document.objects.get(token=values["token"])
        if document.application_id:
            named.add(("case", document.application_id))
        batch = document.publicity_batch or document.payment_batch
        if batch is not None:
            named.add(("batch", batch.pk))
    if "number" in values:
        batch = PaymentBatch.objects.get(number=values["number"])
        named.add(("batch", batch.pk))
    if "project_pk" in values:
        named.add(("project", values["project_pk"]))
    if pattern.route.startswith("venture/rounds/") and "pk" in values:
        named.add(("round", values["pk"]))
    return named


def allowed_objects(role: str, world: World) -> set[tuple]:
    """What the matrix lets the role read among the module's objects (docs/access-matrix.md)."""
    every_case = {("case", pk) for pk in world.cases}
    payment_batches = {("batch", pk) for pk in PaymentBatch.objects.values_list("pk", flat=True)}
    publicity_batches = {
        ("batch", pk) for pk in Document.objects.filter(publicity_batch__isnull=False).values_list("publicity_batch", flat=True)
    }
    if role == "expert on the panel":
        return {("round", world.round_id)} | {("project", pk) for pk in world.project_ids}
    training_class = ("training_class", world.fixture.training_class.pk)
    if role in ("auditor", "district reviewer", "administrator", "department checker"):
        return every_case | payment_batches | publicity_batches | {("round", world.round_id), training_class}
    if role == "bank officer":
        return {("case", pk) for pk, a in world.cases.items() if hasattr(a, "loan") and a.loan.bank.code == "abc-yh"}
    if role == "federation reviewer":  # the district's household grants only
        return {("case", pk) for pk, a in world.cases.items() if a.programme.kind == "disabled"}
    if role == "finance officer":
        paid = Application.objects.filter(pk__in=world.cases, payment_lines__isnull=False).values_list("pk", flat=True)
        return {("case", pk) for pk in paid} | payment_batches | publicity_batches
    if role == "community officer of another community":  # the window acts for the employers of the officer's town
        return {("employer", world.fixture.employer.pk), training_class}
    if role == "provider agent":  # its own provider's class
        return {training_class}
    return set()


def hidden_markers(allowed: set[tuple], world: World) -> set[str]:
    return {m for pk, markers in world.markers.items() if ("case", pk) not in allowed for m in markers}


def fillings(patterns: list[Pattern], world: World) -> list[tuple[Pattern, str, set[tuple]]]:
    """Every pattern with every filling (URL, objects named), computed once for all the roles."""
    return [
        (pattern, build_url(pattern, values), named_objects(pattern, values))
        for pattern in patterns
        for values in candidate_values(pattern, world.fixture)
    ]


def sample(filled: list[tuple[Pattern, str, set[tuple]]], world: World, allowed: set[tuple]):
    """Per pattern, one filling per kind of answer the matrix expects: each kind of object named, inside and outside
    the role's matrix (one case of each status outside it). test_url_access walks every filling for the outsiders."""
    chosen: dict[tuple, tuple[Pattern, str, set[tuple]]] = {}
    for pattern, url, named in filled:
        statuses = frozenset(world.cases[pk].status for kind, pk in named if kind == "case" and (kind, pk) not in allowed)
        key = (pattern.route, pattern.name, named <= allowed, frozenset(kind for kind, _ in named), statuses)
        chosen.setdefault(key, (pattern, url, named))
    return list(chosen.values())


def refused_by_scope_guard(user: User, url: str) -> bool:
    match = resolve(url)
    if not getattr(match.func, "scope_guarded", False) or "process_pk" not in match.kwargs:
        return False
    return not task_visible_to(user=user, process_id=match.kwargs["process_pk"], task_id=match.kwargs.get("task_pk"))


@dataclass
class Walk:
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    inside: int = 0  # requests for objects the role may read


def walk(role: str, world: World, filled, methods=("get", "post")) -> Walk:
    user = world.users[role]
    allowed = allowed_objects(role, world)
    hidden = hidden_markers(allowed, world)
    result = Walk()
    client = Client()
    for pattern, url, named in sample(filled, world, allowed):
        # the admin answers every non-staff user alike (its login page): a GET says it
        for method in ("get",) if pattern.route.startswith("admin/") else methods:
            if "_auth_user_id" not in client.session:  # first request, or a logout pattern ended the session
                sign_in(client, user)
            response = getattr(client, method)(url)
            result.requests += 1
            problem = None
            body = None
            if named and named <= allowed:
                result.inside += 1
                body = response_text(pattern, response)
                leaked = sorted(m for m in hidden if m not in url and m in body)
                if leaked:
                    problem = f"shows data outside the matrix {leaked}"
                elif response.status_code >= SERVER_ERROR:
                    problem = f"answers {response.status_code}"
            else:
                problem = verdict(pattern, url, response, hidden)
            if problem is None and method == "get" and "text/html" in response.get("Content-Type", ""):
                body = response_text(pattern, response) if body is None else body
                shown = sorted(n for n in world.clear_numbers if n not in url and n in body)
                if shown:
                    problem = f"shows full personal numbers {shown}"
            if problem is None and method == "post" and readonly.is_read_only(user):
                exempt = (response.resolver_match and response.resolver_match.view_name) in readonly.READ_ONLY_EXEMPT
                if not exempt and response.status_code not in (403, 405):
                    problem = f"a read-only role's POST answers {response.status_code}"
            if problem:
                result.failures.append(f"{role} {method.upper()} {url} ({pattern.name or pattern.route}): {problem}")
            if method == "get" and response.status_code == 404 and refused_by_scope_guard(user, url):
                break  # viewflow's URLs: the scope guard answers 404 before the view, whatever the method
    return result


def state_snapshot(world: World):
    return (
        list(Application.objects.filter(pk__in=world.cases).order_by("id").values_list("id", "status", "updated_at")),
        list(SubsidyTask.objects.order_by("id").values_list("id", "status", "owner_id")),
        loan_snapshot(),
        list(PaymentBatch.objects.order_by("id").values_list("id", "status")),
    )


@pytest.fixture(scope="module")
def patterns():
    found = enumerate_patterns()
    assert {"case_attachment", "portal:attachment", "venture_score", "document_download"} <= {p.name for p in found}
    return found


@pytest.fixture(scope="module")
def filled(world, patterns, django_db_blocker):
    with django_db_blocker.unblock():
        return fillings(patterns, world)


# Roles that may act on some of the module's objects walk GET and POST only where they name nothing they may act on
# (POSTs as a district reviewer or administrator would move the cases they are meant to move): GET everywhere.
WALKS = {
    "expert on the panel": ("get", "post"),
    "expert of no panel": ("get", "post"),
    "auditor": ("get", "post"),
    "auditor of another town": ("get", "post"),
    "bank officer": ("get", "post"),
    "finance officer": ("get", "post"),
    "community officer of another community": ("get", "post"),
    "district reviewer": ("get",),
    "administrator": ("get",),
    "department checker": ("get",),
    "provider agent": ("get",),
    "provider agent of another provider": ("get", "post"),
    "federation reviewer": ("get",),
}


@pytest.mark.parametrize("role", list(WALKS))
def test_every_url_follows_the_matrix(role, world, patterns, filled):
    before = state_snapshot(world)

    result = walk(role, world, filled, WALKS[role])

    assert result.failures == [], "\n".join(result.failures)
    assert result.requests >= len(patterns)
    if role in ("expert of no panel", "auditor of another town"):
        assert result.inside == 0
    if role in ("community officer of another community", "provider agent"):  # the organisations' pages
        assert result.inside > 0
    if role == "provider agent of another provider":
        assert result.inside == 0
    if role in ("expert on the panel", "auditor", "bank officer", "finance officer", "federation reviewer"):
        assert result.inside > 0, "the walk must open pages the role may read, not only refused ones"
    if role not in ("bank officer", "finance officer"):  # the others may not act on anything here (GET-only walks)
        assert state_snapshot(world) == before


def test_the_attachment_view_for_every_role(world):
    """/cases/<uuid>/attachments/<pk>/ and /portal/cases/<uuid>/attachments/<pk>/ as an expert, a bank officer, an
    auditor of another town, a community officer of another community and a finance officer (the cases' files are of
    cases outside their matrix): 404 and not a byte of the file."""
    attachments = [(a, c) for c in world.cases.values() for a in c.attachments.order_by("id")]
    assert len(attachments) >= 3
    finance_cases = {pk for kind, pk in allowed_objects("finance officer", world) if kind == "case"}
    bank_cases = {pk for kind, pk in allowed_objects("bank officer", world) if kind == "case"}
    for role in (
        "expert on the panel",
        "expert of no panel",
        "bank officer",
        "auditor of another town",
        "community officer of another community",
        "finance officer",
    ):
        client = sign_in(Client(), world.users[role])
        for attachment, case in attachments:
            if (role == "finance officer" and case.pk in finance_cases) or (role == "bank officer" and case.pk in bank_cases):
                continue
            for url in (
                f"/cases/{case.public_id}/attachments/{attachment.pk}/",
                f"/portal/cases/{case.public_id}/attachments/{attachment.pk}/",
            ):
                response = client.get(url)
                assert response.status_code in REFUSED, (role, url, response.status_code)
                assert not getattr(response, "streaming", False)


def test_a_read_only_role_may_still_sign_out_switch_language_and_search(world):
    client = sign_in(Client(), world.users["auditor"])
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"}).status_code == 302
    search = client.post("/cases/", {"q": next(iter(world.cases.values())).number})
    assert search.status_code == 200
    refused = client.post("/publicity/", {"action": "publish"})
    assert refused.status_code == 403 and "workflows/http_error.html" in [t.name for t in refused.templates]
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def test_viewflow_process_and_task_panels_show_no_case_fields(world):
    """viewflow's own process and task pages list the process's fields; ours show the case number only."""
    from django.template.loader import select_template

    from workflows.engine.registry import registry

    for programme in registry.all():
        flow = programme.flow.instance
        chosen = select_template([f"{flow.app_label}/{flow.flow_label}/process_data.html", "viewflow/workflow/process_data.html"])
        assert chosen.origin.template_name == f"{flow.app_label}/{flow.flow_label}/process_data.html"
        chosen = select_template([f"{flow.app_label}/{flow.flow_label}/task_data.html", "viewflow/workflow/task_data.html"])
        assert chosen.origin.template_name == f"{flow.app_label}/{flow.flow_label}/task_data.html"
    client = sign_in(Client(), world.users["district reviewer"])
    case = next(c for c in world.cases.values() if c.programme.code == "startup" and c.process_id)
    task = SubsidyTask.objects.filter(process_id=case.process_id).order_by("id").first()
    for url in (f"/startup/{case.process_id}/", f"/startup/{case.process_id}/{task.flow_task.name}/{task.pk}/detail/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert case.number in body or "detail" in url
        assert case.applicant.id_number not in body and case.bank_account_number not in body
        assert case.applicant.name not in body


def test_an_expert_has_no_case_pages(world):
    client = sign_in(Client(), world.users["expert on the panel"])
    assert client.get("/", follow=False)["Location"] == "/venture/rounds/"
    assert client.get("/cases/").status_code == 403
    case = next(iter(world.cases.values()))
    assert client.get(f"/cases/{case.public_id}/").status_code == 403
    project = VentureProject.objects.filter(round_id=world.round_id).select_related("application__applicant").first()
    page = client.get(f"/venture/rounds/{world.round_id}/projects/{project.pk}/score/").content.decode()
    assert f"P{project.pk}" in page
    assert project.application.number not in page and project.application.applicant.name not in page
