"""Public verification (valid, tampered, superseded, unknown) and the permission-checked download."""

import hashlib
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cases.constants import Role
from cases.identifiers import mask_name
from cases.models import OrgUnit
from documents.models import Document
from documents.services import document_reissue
from tests.auth import sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(paid_case) -> Document:
    application, _ = paid_case
    return Document.objects.get(application=application, kind="approval_decision")


@pytest.fixture
def client(client):
    """The assertions below read the English page (the default language is Simplified Chinese)."""
    client.cookies["django_language"] = "en"
    return client


def read(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def test_verify_a_valid_document_shows_its_facts_and_no_personal_data(client, decision):
    # when anyone opens the verification page
    response = client.get(f"/verify/{decision.token}")

    # then it shows kind, number, unit, date, digest and status, and only a masked name
    body = response.content.decode()
    assert response.status_code == 200
    issued_on = timezone.localdate(decision.issued_at)  # the page shows the Asia/Shanghai date, not the UTC one
    for fact in (decision.number, decision.issuing_unit.name, decision.sha256, issued_on.isoformat(), "Valid"):
        assert fact in body
    name = decision.application.applicant.name
    assert mask_name(name) in body
    assert name not in body
    assert decision.application.applicant.id_number not in body


def test_the_qr_code_points_to_the_verification_page(decision):
    text = "".join(PdfReader(io.BytesIO(read(decision))).pages[0].extract_text().split())
    assert f"/verify/{decision.token}" in text
    assert len(decision.token) == 32  # secrets.token_urlsafe(24): 192 random bits


def test_upload_of_the_issued_pdf_matches(client, decision):
    pdf = read(decision)
    assert hashlib.sha256(pdf).hexdigest() == decision.sha256
    response = client.post(f"/verify/{decision.token}", {"pdf": io.BytesIO(pdf)})
    assert response.status_code == 200
    assert "The uploaded file matches the issued document." in response.content.decode()


def test_upload_of_a_tampered_pdf_does_not_match(client, decision):
    original = read(decision)
    middle = len(original) // 2
    pdf = original[:middle] + bytes([original[middle] ^ 1]) + original[middle + 1 :]  # one bit flipped
    assert len(pdf) == len(original) and pdf != original
    response = client.post(f"/verify/{decision.token}", {"pdf": io.BytesIO(pdf)})
    assert response.status_code == 200
    assert "The uploaded file does NOT match the issued document." in response.content.decode()


def test_a_superseded_document_says_so_and_names_its_replacement(client, decision, staff):
    new = document_reissue(document=decision, by=staff.approver, reason="申请人姓名更正")
    response = client.get(f"/verify/{decision.token}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Superseded" in body and new.number in body
    assert "Valid" in client.get(f"/verify/{new.token}").content.decode()


def test_an_unknown_token_is_not_found(client, decision):
    response = client.get("/verify/not-a-token-we-issued")
    assert response.status_code == 404
    assert "It was not issued by this system." in response.content.decode()


def test_download_is_for_the_owner_and_staff_in_scope_only(client, paid_case, decision, staff, community):
    application, owner = paid_case
    other_town_staff = make_user("other-town-reviewer", Role.TOWN_REVIEWER, OrgUnit.objects.get(code="330110002"))
    other_applicant = make_user("other-applicant", Role.APPLICANT, None)
    url = f"/documents/{decision.token}/download"

    for outsider in (other_town_staff, other_applicant):
        sign_in(client, outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page

    for insider in (owner, staff.community[community.pk], staff.town[community.parent_id], staff.approver):
        sign_in(client, insider)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == read(decision)


def test_stored_documents_have_no_public_url(client, decision, settings):
    assert settings.MEDIA_URL in ("", "/")
    assert client.get(f"/{decision.file.name}").status_code == 404
    assert client.get(f"/media/{decision.file.name}").status_code == 404
    assert client.get(f"/static/{decision.file.name}").status_code == 404


def test_batch_documents_are_for_government_staff_and_payment_lists_for_those_who_pay_or_audit(
    client, paid_case, staff, community, district
):
    from cases.models import Bank, BankOfficer

    publicity = Document.objects.get(kind="publicity_list")
    payment_list = Document.objects.get(kind="payment_list")
    bank_officer = make_user("bank-officer-docs", Role.BANK_OFFICER, district)
    BankOfficer.objects.create(user=bank_officer, bank=Bank.objects.create(code="docs-bank", name="文书银行"))
    expert = make_user("expert-docs", Role.EXPERT, district)
    manager = make_user("manager-docs", Role.MANAGER, district)
    town_reviewer = staff.town[community.parent_id]

    def statuses(user) -> tuple[int, int]:
        """(publicity list, payment list) download status codes, signed in once (a TOTP code is good once)."""
        sign_in(client, user)
        return tuple(client.get(f"/documents/{d.token}/download").status_code for d in (publicity, payment_list))

    # the publicity list (公示) is for staff in scope; the payment list, with account numbers, for finance, the
    # approver and the auditor; never for a bank officer or an expert
    assert statuses(staff.approver) == (200, 200)
    assert statuses(staff.finance_maker) == (200, 200)
    assert statuses(manager) == (200, 200)
    assert statuses(staff.district_reviewer) == (200, 404)
    assert statuses(town_reviewer) == (404, 404)  # the district's batches: outside a town's scope
    assert statuses(bank_officer) == (404, 404)
    assert statuses(expert) == (404, 404)
