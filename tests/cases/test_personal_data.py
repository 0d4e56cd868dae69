"""Citizen ID and bank account numbers at rest: encrypted, found through their keyed hash, masked on every page, read
in full only by a role that may, with an audit row; keys rotate without losing a value."""

import base64
import datetime as dt
import importlib
import os
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import crypto
from cases import services as case_services
from cases.constants import ReviewLevel, Role, Status
from cases.crypto import lookup_digest
from cases.exceptions import DomainError
from cases.identifiers import mask_account_number, mask_citizen_id
from cases.models import Applicant, Application, AuditEntry, PaymentLine, User
from cases.services.personal_data import personal_data_reencrypt
from cases.synthetic import citizen_id_build
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import advance
from tests.test_security_settings import example_environment, manage
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db

KNOWN_ID = citizen_id_build(region="330110", born=dt.date(1991, 3, 7), sequence=427)
KNOWN_ACCOUNT = "6222029876543210987"


def new_key() -> bytes:
    return os.urandom(32)


# --- the raw scan ------------------------------------------------------------------------


def _columns() -> list[tuple[str, str, bool]]:
    """(table, column, is binary) of every column of every table of the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT table_name, column_name, data_type = 'bytea' FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            )
            return [tuple(row) for row in cursor.fetchall()]
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        found = []
        for (table,) in cursor.fetchall():
            cursor.execute(f"PRAGMA table_info({connection.ops.quote_name(table)})")
            found += [(table, row[1], False) for row in cursor.fetchall()]
        return found


def rows_holding(needle: str) -> list[tuple[str, str]]:
    """Every (table, column) where some row's value contains `needle`, read with raw SQL: text, JSON (as its
    text), numbers and dates as text, and on PostgreSQL byte strings too."""
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column, binary in _columns():
            if connection.vendor == "postgresql" and binary:
                condition, param = f"position(convert_to(%s, 'UTF8') in {quote(column)}) > 0", needle
            elif connection.vendor == "postgresql":
                condition, param = f"{quote(column)}::text LIKE %s", f"%{needle}%"
            else:
                condition, param = f"CAST({quote(column)} AS TEXT) LIKE %s", f"%{needle}%"
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)} WHERE {condition}", [param])  # noqa: S608
            if cursor.fetchone()[0]:
                hits.append((table, column))
    return hits


@pytest.fixture
def known_case(programme, staff, community, envelope, rng, monkeypatch, run_on_commit):
    """A case filed, reviewed, published, paid and closed through the services, with a known citizen ID and
    account number; every owed document and notification dispatched."""
    monkeypatch.setattr(simulation.identities, "citizen_id", lambda rng, **kwargs: KNOWN_ID)
    monkeypatch.setattr(simulation, "bank_account", lambda rng: KNOWN_ACCOUNT)
    application, applicant_user = run_on_commit(simulation.file_draft, rng=rng, programme=programme, community=community)
    run_on_commit(flow_services.case_submit, application=application, by=applicant_user)
    application = run_on_commit(advance, application, staff, through=ReviewLevel.APPROVAL)

    def publish_and_pass():
        batch = flow_services.publicity_publish(
            programme=programme, applications=[application], by=staff.approver, starts_on=timezone.localdate()
        )
        flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))

    run_on_commit(publish_and_pass)
    run_on_commit(simulation.pay, programme, [application], staff, set(), rng)
    application = Application.objects.get(pk=application.pk)
    assert application.status == Status.CLOSED
    return application


def test_a_raw_scan_of_every_column_finds_no_plain_number_and_the_full_number_still_finds_the_case(known_case, staff):
    # given a case carried to payment with a known citizen ID and account number, and the ORM reading them back
    assert known_case.applicant.id_number == KNOWN_ID
    assert known_case.bank_account_number == KNOWN_ACCOUNT
    assert PaymentLine.objects.get(application=known_case).account_number == KNOWN_ACCOUNT

    # when a district reviewer reveals both numbers once and searches by each
    client = sign_in(Client(), staff.district_reviewer)
    for what in ("citizen_id", "bank_account"):
        response = client.post(reverse("case_reveal", args=[known_case.public_id]), {"reveal": what})
        assert response.status_code == 200
    by_id = client.post(reverse("case_list"), {"q": KNOWN_ID}).content.decode()
    by_account = client.post(reverse("case_list"), {"q": KNOWN_ACCOUNT}).content.decode()
    by_spaced_lower_id = client.post(reverse("case_list"), {"q": f" {KNOWN_ID[:6]} {KNOWN_ID[6:].lower()} "})

    # then the search finds the case by either full number
    assert known_case.number in by_id and known_case.number in by_account
    assert known_case.number in by_spaced_lower_id.content.decode()
    # the list shows neither number: it is only echoed in the search box
    assert by_id.count(KNOWN_ID) == by_id.count(f'value="{KNOWN_ID}"') == 1
    assert by_account.count(KNOWN_ACCOUNT) == by_account.count(f'value="{KNOWN_ACCOUNT}"') == 1
    # and a raw SQL scan of every column of every table finds neither number, nor any 12-digit piece of them
    assert rows_holding(KNOWN_ID) == []
    assert rows_holding(KNOWN_ACCOUNT) == []
    assert rows_holding(KNOWN_ID[2:14]) == []
    assert rows_holding(KNOWN_ACCOUNT[4:16]) == []
    # while the same scan does find what is stored in the clear (it would see a number that were there)
    assert ("cases_application", "number") in rows_holding(known_case.number)
    assert ("cases_application", "id_number_digest") not in rows_holding(lookup_digest(KNOWN_ID))
    assert ("cases_applicant", "id_number_digest") in rows_holding(lookup_digest(KNOWN_ID))


def test_an_equality_lookup_on_an_encrypted_column_is_refused(db):
    # a ciphertext never equals another: a lookup by the number itself would silently find nothing
    with pytest.raises(FieldError, match="digest"):
        list(Applicant.objects.filter(id_number=KNOWN_ID))
    assert list(Applicant.objects.filter(id_number="")) == []  # the empty value is stored empty


def test_the_digest_keeps_one_account_per_citizen_id(db):
    # given an account bound to the known number
    first = case_services.applicant_user_register(login="13500000001", password="correct horse battery")
    case_services.user_real_name_bind(user=first, name="张三", id_number=KNOWN_ID)
    # when another account binds the same number written in lower case with spaces
    second = case_services.applicant_user_register(login="13500000002", password="correct horse battery")
    with pytest.raises(DomainError, match="已绑定其他账户"):
        case_services.user_real_name_bind(user=second, name="张三", id_number=KNOWN_ID.lower())
    # then the number stays with the first account and the one applicant record
    assert User.objects.get(id_number_digest=lookup_digest(KNOWN_ID)).pk == first.pk
    assert Applicant.objects.get(id_number_digest=lookup_digest(f"{KNOWN_ID[:9]} {KNOWN_ID[9:]}")).user_id == first.pk


# --- reveal ------------------------------------------------------------------------------


@pytest.fixture
def filed_case(programme, community, rng, monkeypatch, run_on_commit):
    monkeypatch.setattr(simulation.identities, "citizen_id", lambda rng, **kwargs: KNOWN_ID)
    monkeypatch.setattr(simulation, "bank_account", lambda rng: KNOWN_ACCOUNT)
    application, applicant_user = run_on_commit(simulation.file_draft, rng=rng, programme=programme, community=community)
    return run_on_commit(flow_services.case_submit, application=application, by=applicant_user)


def reveals(application) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(application=application, action="personal_number_revealed"))


def test_the_case_page_masks_both_numbers_and_offers_reveal_to_a_district_reviewer(filed_case, staff):
    page = sign_in(Client(), staff.district_reviewer).get(reverse("case_detail", args=[filed_case.public_id]))
    body = page.content.decode()
    assert KNOWN_ID not in body and KNOWN_ACCOUNT not in body
    assert mask_citizen_id(KNOWN_ID) in body and mask_account_number(KNOWN_ACCOUNT) in body
    assert body.count('name="reveal"') == 2
    assert reveals(filed_case) == []  # reading the page reveals nothing


@pytest.mark.parametrize("role", [Role.DISTRICT_REVIEWER, Role.DISTRICT_APPROVER, Role.FINANCE_OFFICER])
def test_reveal_shows_the_number_once_uncached_and_writes_exactly_one_audit_row(filed_case, district, role):
    # given a user of a role that checks numbers against paper and bank
    user = make_user(f"reveal-{role}", role, district)
    status = Status.SUBMITTED
    if role == Role.FINANCE_OFFICER:  # docs/access-matrix.md: a finance officer reads a case once it reached payment
        status = Status.PUBLICITY_PASSED
        Application.objects.filter(pk=filed_case.pk).update(status=status)
    client = sign_in(Client(), user)
    before = AuditEntry.objects.filter(application=filed_case).count()

    # when they reveal the citizen ID
    response = client.post(reverse("case_reveal", args=[filed_case.public_id]), {"reveal": "citizen_id"})

    # then the page shows it in full, is kept by no cache, and the account number stays masked
    assert response.status_code == 200
    body = response.content.decode()
    assert KNOWN_ID in body and KNOWN_ACCOUNT not in body
    assert "no-store" in response["Cache-Control"]
    # and exactly one audit row names who read which number, without the number
    assert AuditEntry.objects.filter(application=filed_case).count() == before + 1
    (entry,) = reveals(filed_case)
    assert (entry.actor_id, entry.comment, entry.from_status, entry.to_status) == (
        user.pk,
        "公民身份号码",
        status,
        status,
    )
    assert KNOWN_ID not in entry.comment
    assert case_services.audit_chain_verify().intact  # the chain takes the row like any other

    # and the next plain page view is masked again
    again = client.get(reverse("case_detail", args=[filed_case.public_id])).content.decode()
    assert KNOWN_ID not in again


@pytest.mark.parametrize("role", [Role.COMMUNITY_OFFICER, Role.TOWN_REVIEWER, Role.MANAGER])
def test_reveal_by_a_role_without_the_permission_is_refused_with_403_and_no_row(filed_case, community, role):
    user = make_user(f"no-reveal-{role}", role, community.parent if role != Role.COMMUNITY_OFFICER else community)
    client = sign_in(Client(), user)
    page = client.get(reverse("case_detail", args=[filed_case.public_id])).content.decode()
    assert 'name="reveal"' not in page

    response = client.post(reverse("case_reveal", args=[filed_case.public_id]), {"reveal": "citizen_id"})

    assert response.status_code == 403
    assert KNOWN_ID not in response.content.decode()
    assert reveals(filed_case) == []


def test_a_finance_officer_reveals_nothing_of_a_case_still_under_review(filed_case, district):
    """docs/access-matrix.md: the case is not the finance office's until it passed publicity: 404, no row."""
    client = sign_in(Client(), make_user("reveal-finance-early", Role.FINANCE_OFFICER, district))
    assert client.get(reverse("case_detail", args=[filed_case.public_id])).status_code == 404
    response = client.post(reverse("case_reveal", args=[filed_case.public_id]), {"reveal": "citizen_id"})
    assert response.status_code == 404 and KNOWN_ID not in response.content.decode()
    assert reveals(filed_case) == []


def test_reveal_outside_ones_unit_is_not_found_and_a_get_is_not_allowed(filed_case, other_town_reviewer, staff):
    response = sign_in(Client(), other_town_reviewer).post(
        reverse("case_reveal", args=[filed_case.public_id]), {"reveal": "citizen_id"}
    )
    assert response.status_code == 404
    client = sign_in(Client(), staff.district_reviewer)
    assert client.get(reverse("case_reveal", args=[filed_case.public_id])).status_code == 405
    assert client.post(reverse("case_reveal", args=[filed_case.public_id]), {"reveal": "mobile"}).status_code == 400
    assert reveals(filed_case) == []


# --- keys --------------------------------------------------------------------------------


def raw(table: str, column: str, pk: int) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_rotation_reads_old_values_under_the_new_list_then_reencrypts_them_so_the_old_key_can_go(db, settings):
    key_a, key_b = new_key(), new_key()
    # given values written under key A
    settings.PERSONAL_DATA_KEYS = [key_a]
    applicant = case_services.applicant_person_get_or_create(name="张三", id_number=KNOWN_ID)
    user = case_services.applicant_user_register(login="13500000003", password="correct horse battery")
    case_services.user_real_name_bind(
        user=user, name="李四", id_number=citizen_id_build(region="330110", born=dt.date(1988, 8, 8), sequence=12)
    )
    token_a = raw("cases_applicant", "id_number", applicant.pk)
    assert crypto.token_key_id(token_a) == crypto.key_id(key_a)

    # when B is put first, A kept
    settings.PERSONAL_DATA_KEYS = [key_b, key_a]
    # then the old value still reads, and a new write is under B
    assert Applicant.objects.get(pk=applicant.pk).id_number == KNOWN_ID
    assert crypto.token_key_id(crypto.encrypt("x")) == crypto.key_id(key_b)

    # when the command runs
    call_command("rotate_personal_data_key", "--batch-size", "1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # then every value is under B, still the same number and still found by its digest
    assert crypto.token_key_id(raw("cases_applicant", "id_number", applicant.pk)) == crypto.key_id(key_b)
    assert crypto.token_key_id(raw("cases_user", "id_number", user.pk)) == crypto.key_id(key_b)
    settings.PERSONAL_DATA_KEYS = [key_b]
    assert Applicant.objects.get(id_number_digest=lookup_digest(KNOWN_ID)).pk == applicant.pk
    assert User.objects.get(pk=user.pk).id_number.startswith("330110198808080")

    # and a second run changes nothing
    before = raw("cases_applicant", "id_number", applicant.pk)
    report = personal_data_reencrypt()
    assert (report.values, report.reencrypted, report.digests_refreshed) == (3, 0, 0)  # two applicants, one account
    assert raw("cases_applicant", "id_number", applicant.pk) == before


def test_dropping_a_key_before_rotating_is_a_clear_error_and_changes_nothing(db, settings):
    key_a, key_b = new_key(), new_key()
    settings.PERSONAL_DATA_KEYS = [key_a]
    applicant = case_services.applicant_person_get_or_create(name="张三", id_number=KNOWN_ID)
    token = raw("cases_applicant", "id_number", applicant.pk)
    settings.PERSONAL_DATA_KEYS = [key_b]
    with pytest.raises(crypto.PersonalDataKeyError, match=crypto.key_id(key_a)):
        Applicant.objects.get(pk=applicant.pk)
    with pytest.raises(CommandError, match="keep the old key"):
        call_command("rotate_personal_data_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert raw("cases_applicant", "id_number", applicant.pk) == token


def test_a_new_lookup_key_is_applied_by_the_same_command(db, settings):
    applicant = case_services.applicant_person_get_or_create(name="张三", id_number=KNOWN_ID)
    settings.PERSONAL_DATA_LOOKUP_KEY = new_key()
    assert not Applicant.objects.filter(id_number_digest=lookup_digest(KNOWN_ID)).exists()
    call_command("rotate_personal_data_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert Applicant.objects.get(id_number_digest=lookup_digest(KNOWN_ID)).pk == applicant.pk


def test_a_tampered_value_fails_authentication():
    token = crypto.encrypt(KNOWN_ID)
    prefix, kid, body = token.split(":")
    raw_bytes = bytearray(base64.b64decode(body))
    raw_bytes[-1] ^= 1
    with pytest.raises(crypto.PersonalDataKeyError, match="authentication"):
        crypto.decrypt(f"{prefix}:{kid}:{base64.b64encode(bytes(raw_bytes)).decode()}")
    assert crypto.decrypt(token) == KNOWN_ID
    assert crypto.encrypt(KNOWN_ID) != token  # a fresh nonce each time


def production_environment(**overrides: str) -> dict[str, str]:
    return example_environment() | overrides


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"PERSONAL_DATA_KEYS": ""}, "PERSONAL_DATA_KEYS must be set when DJANGO_DEBUG is off"),
        ({"PERSONAL_DATA_LOOKUP_KEY": ""}, "PERSONAL_DATA_LOOKUP_KEY must be set when DJANGO_DEBUG is off"),
        ({"PERSONAL_DATA_KEYS": "not base64!"}, "PERSONAL_DATA_KEYS: a key is not valid base64"),
        ({"PERSONAL_DATA_KEYS": base64.b64encode(b"short").decode()}, "a key must decode to 32 bytes, not 5"),
    ],
)
def test_production_refuses_to_start_without_valid_keys(overrides, message):
    result = manage("check", environment=production_environment(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr, result.stderr


def test_production_refuses_the_lookup_key_among_the_encryption_keys():
    environment = production_environment()
    environment["PERSONAL_DATA_LOOKUP_KEY"] = environment["PERSONAL_DATA_KEYS"].split(",")[0]
    result = manage("check", environment=environment)
    assert result.returncode != 0 and "must differ" in result.stderr, result.stderr


def test_production_starts_with_two_keys_in_rotation():
    environment = production_environment()
    environment["PERSONAL_DATA_KEYS"] = ",".join(base64.b64encode(new_key()).decode() for _ in range(2))
    result = manage("check", environment=environment)
    assert result.returncode == 0, result.stderr


@pytest.mark.postgres
def test_on_postgresql_a_venture_and_a_start_up_run_leave_no_plain_number(db):
    """Every number a simulated venture round writes (graduates, legal representatives, shareholders, experts and
    their relatives) and every start-up case's applicant and account, read back through the ORM, is absent from a
    raw scan of the database."""
    from workflows.programmes.startup import simulation as startup_simulation
    from workflows.programmes.venture import simulation as venture_simulation

    venture_simulation.run(cases=6, seed=5)
    startup_simulation.run(cases=6, seed=5)
    from cases.models import Expert, Shareholder, VentureProject

    numbers = set()
    for project in VentureProject.objects.all():
        numbers |= {project.legal_representative_id_number, project.graduate_id_number}
    numbers |= {s.id_number for s in Shareholder.objects.exclude(id_number="")}
    for expert in Expert.objects.all():
        numbers.add(expert.id_number)
        numbers |= {r["id_number"] for r in expert.relatives if r.get("id_number")}
    numbers |= {a.id_number for a in Applicant.objects.exclude(id_number__isnull=True)}
    numbers |= {a.bank_account_number for a in Application.objects.all()}
    numbers |= {line.account_number for line in PaymentLine.objects.all()}
    assert len(numbers) > 20
    assert {n: rows_holding(n) for n in sorted(numbers) if rows_holding(n)} == {}


def test_a_citizen_id_typed_as_a_login_name_is_recorded_as_its_keyed_hash_and_still_counts(db, settings):
    # given a person who types their citizen ID into the login box, wrongly, up to the limit
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for typed in (KNOWN_ID, KNOWN_ID.lower(), f"{KNOWN_ID[:6]} {KNOWN_ID[6:]}"):
        case_services.login_failure_record(username=typed, address="203.0.113.5")
    # then that login name is locked, whichever way it is written
    assert case_services.login_lock_find(username=KNOWN_ID, address="198.51.100.7") is not None
    # and no access event holds the number
    assert rows_holding(KNOWN_ID) == []
    assert rows_holding(KNOWN_ID[:17]) == []
    # while an ordinary login name is kept as typed
    case_services.login_failure_record(username="13500000001", address="203.0.113.5")
    assert ("cases_accessevent", "username") in rows_holding("13500000001")


def test_a_changed_number_is_found_by_its_new_digest_only(programme, community, rng, run_on_commit):
    # given a draft, and then its account number changed by a save that names the number alone
    application, applicant_user = run_on_commit(simulation.file_draft, rng=rng, programme=programme, community=community)
    old = application.bank_account_number
    case_services.application_draft_update(application=application, by=applicant_user, bank_account_number=KNOWN_ACCOUNT)
    # then the digest followed: the new number finds the case, the old one no longer does
    assert list(Application.objects.filter(bank_account_number_digest=lookup_digest(KNOWN_ACCOUNT))) == [application]
    assert not Application.objects.filter(bank_account_number_digest=lookup_digest(old)).exists()
    assert Application.objects.get(pk=application.pk).bank_account_number == KNOWN_ACCOUNT


def personal_data_migration():
    """The migration that encrypted the plain columns, whatever number it carries."""
    (path,) = (settings.BASE_DIR / "cases" / "migrations").glob("*_personal_data_encrypted.py")
    return importlib.import_module(f"cases.migrations.{path.stem}")


def test_the_migration_encrypts_plain_rows_and_its_reverse_restores_them(programme, community, rng, run_on_commit):
    # given a case whose numbers are stored as they were before encryption: plain, without digests
    application, _user = run_on_commit(simulation.file_draft, rng=rng, programme=programme, community=community)
    applicant = application.applicant
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_applicant SET id_number = %s, id_number_digest = NULL WHERE id = %s", [KNOWN_ID, applicant.pk]
        )
        cursor.execute(
            "UPDATE cases_application SET bank_account_number = %s, bank_account_number_digest = NULL WHERE id = %s",
            [KNOWN_ACCOUNT, application.pk],
        )
    assert ("cases_applicant", "id_number") in rows_holding(KNOWN_ID)
    migration = personal_data_migration()
    editor = SimpleNamespace(connection=connection)  # the data step reads only the connection

    # when the migration's data step runs, twice (a second run finds nothing plain)
    migration.encrypt(apps, editor)
    once = raw("cases_applicant", "id_number", applicant.pk)
    migration.encrypt(apps, editor)

    # then the numbers are ciphertext, read back through the ORM and found by their digests
    assert raw("cases_applicant", "id_number", applicant.pk) == once and crypto.is_ciphertext(once)
    assert rows_holding(KNOWN_ID) == [] and rows_holding(KNOWN_ACCOUNT) == []
    assert Applicant.objects.get(id_number_digest=lookup_digest(KNOWN_ID)).pk == applicant.pk
    assert Application.objects.get(bank_account_number_digest=lookup_digest(KNOWN_ACCOUNT)).pk == application.pk

    # and the reverse step puts the plain numbers back
    migration.decrypt(apps, editor)
    assert raw("cases_applicant", "id_number", applicant.pk) == KNOWN_ID
    assert raw("cases_application", "bank_account_number", application.pk) == KNOWN_ACCOUNT
