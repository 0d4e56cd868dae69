"""Evidence files open from the case pages: for the applicant who owns the case and for staff who may read it, with
headers that keep a hostile file harmless; for anyone else a 404; a damaged file is never served."""

import hashlib
import io
import re

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from cases import services as case_services
from cases.constants import AttachmentKind, Role
from cases.models import Attachment, AuditEntry, Bank, BankOfficer
from cases.selectors import application_attachments
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import filed
from workflows.engine.simulation import SAMPLE_PDF
from workflows.evidence import content_disposition

pytestmark = pytest.mark.django_db

SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
DAMAGED = "文件已损坏"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def draft(programme, community, rng):
    """A draft in 仓前社区 with its PDFs (from the filing) and a photo of the business licence named in Chinese."""
    application, owner = filed(programme=programme, community=community, rng=rng)
    photo = case_services.attachment_add(
        application=application, by=owner, kind=AttachmentKind.BUSINESS_LICENCE, content=png_bytes(), name="营业执照 照片.png"
    )
    return application, owner, photo


def client_for(user) -> Client:
    return sign_in(Client(), user)


def staff_url(attachment: Attachment) -> str:
    return f"/cases/{attachment.application.public_id}/attachments/{attachment.pk}/"


def portal_url(attachment: Attachment) -> str:
    return f"/portal/cases/{attachment.application.public_id}/attachments/{attachment.pk}/"


def stored(attachment: Attachment) -> bytes:
    with attachment.file.storage.open(attachment.file.name, "rb") as handle:
        return handle.read()


def test_the_owner_sees_the_file_inline_with_the_exact_headers_and_bytes(draft):
    application, owner, photo = draft

    response = client_for(owner).get(portal_url(photo))

    assert response.status_code == 200
    served = {name: response[name] for name in SERVED_HEADERS}
    assert served == {
        "Content-Type": "image/png",
        "Content-Disposition": "inline; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%E7%85%A7%E7%89%87.png",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
    }
    assert response.content == stored(photo)
    assert hashlib.sha256(response.content).hexdigest() == photo.sha256
    assert len(response.content) == photo.size


SERVED_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "Cache-Control",
    "Referrer-Policy",
)


def test_a_reviewer_of_the_case_town_sees_the_file(draft, staff, community):
    application, _, _ = draft
    lease = application.attachments.get(kind=AttachmentKind.LEASE)

    response = client_for(staff.town[community.parent_id]).get(staff_url(lease))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline; filename*=UTF-8''lease.pdf"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == stored(lease)
    assert response.content.startswith(b"%PDF-")


def test_anyone_else_gets_404(draft, programme, other_town_community, other_town_reviewer, district, rng):
    application, owner, photo = draft
    _, other_applicant = filed(programme=programme, community=other_town_community, rng=rng)
    expert = make_user("expert-evidence", Role.EXPERT, district)
    bank_officer = make_user("bank-evidence", Role.BANK_OFFICER, district)
    BankOfficer.objects.create(user=bank_officer, bank=Bank.objects.create(code="evidence-bank", name="证据银行"))
    other_case_file = Attachment.objects.exclude(application=application).first()
    crossed = f"/portal/cases/{application.public_id}/attachments/{other_case_file.pk}/"  # a file of another case

    answers = {
        user.username: [client_for(user).get(url).status_code for url in (staff_url(photo), portal_url(photo))]
        for user in (other_town_reviewer, other_applicant, expert, bank_officer)
    }

    assert answers == {name: [404, 404] for name in answers}
    assert len(answers) == 4
    assert client_for(owner).get(staff_url(photo)).status_code == 404  # applicants open theirs in the portal
    assert client_for(owner).get(crossed).status_code == 404
    assert client_for(other_applicant).get(portal_url(other_case_file)).status_code == 200  # their own, for contrast


def test_anonymous_is_sent_to_the_login(draft):
    _, _, photo = draft
    client = Client()

    staff_answer = client.get(staff_url(photo))
    portal_answer = client.get(portal_url(photo))

    assert (staff_answer.status_code, staff_answer["Location"]) == (302, f"{settings.LOGIN_URL}?next={staff_url(photo)}")
    assert (portal_answer.status_code, portal_answer["Location"]) == (302, f"/portal/login/?next={portal_url(photo)}")
    assert photo.sha256 not in staff_answer.content.decode() + portal_answer.content.decode()


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_damaged_or_missing_file_is_not_served(draft, staff, community, damage):
    application, owner, photo = draft
    genuine = stored(photo)
    if damage == "changed":
        with photo.file.storage.open(photo.file.name, "wb") as handle:
            handle.write(genuine[:-1] + bytes([genuine[-1] ^ 1]))
    else:
        photo.file.storage.delete(photo.file.name)
    audit_before = AuditEntry.objects.count()
    row_before = Attachment.objects.filter(pk=photo.pk).values().get()

    answers = [
        client_for(owner).get(portal_url(photo)),
        client_for(staff.town[community.parent_id]).get(staff_url(photo)),
    ]

    for response in answers:
        assert response.status_code == 410
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert "Content-Disposition" not in response
        assert response["Cache-Control"] == "private, no-store"
        body = response.content.decode()
        assert DAMAGED in body
        assert genuine[:64] not in response.content
        assert "%PDF" not in body and "PNG" not in body
    assert AuditEntry.objects.count() == audit_before
    assert Attachment.objects.filter(pk=photo.pk).values().get() == row_before


def test_a_file_of_another_type_is_downloaded_not_shown():
    unknown = Attachment(original_name="说明.html", content_type="text/html")
    pdf = Attachment(original_name='a"b;c\r\n.pdf', content_type="application/pdf")

    assert content_disposition(unknown) == "attachment; filename*=UTF-8''%E8%AF%B4%E6%98%8E.html"
    assert content_disposition(pdf) == "inline; filename*=UTF-8''a%22b%3Bc%0D%0A.pdf"


def list_items(html: str, heading: str) -> list[str]:
    """The text of each item of the attachment list, tags stripped and blanks squeezed."""
    section = html.split(heading, 1)[1].split('<ul class="attachments">', 1)[1].split("</ul>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in section.split("</li>")[:-1]]


def test_older_files_of_a_kind_are_marked_superseded_on_the_case_pages(draft, staff, community):
    application, owner, photo = draft
    newest = case_services.attachment_add(
        application=application, by=owner, kind=AttachmentKind.LEASE, content=SAMPLE_PDF, name="租赁合同-续签.pdf"
    )
    first_lease = application.attachments.get(kind=AttachmentKind.LEASE, original_name="lease.pdf")

    flags = {a.pk: a.superseded for a in application_attachments(application=application)}
    portal_page = client_for(owner).get(f"/portal/cases/{application.public_id}/").content.decode()
    staff_page = client_for(staff.town[community.parent_id]).get(f"/cases/{application.public_id}/").content.decode()

    superseded = {application.attachments.get(kind=AttachmentKind.BUSINESS_LICENCE, original_name="business_licence.pdf").pk}
    superseded.add(first_lease.pk)
    assert {pk for pk, flag in flags.items() if flag} == superseded
    assert len(flags) == application.attachments.count() == len(application.programme.required_documents) + 2
    for page in (portal_page, staff_page):
        items = list_items(page, "已提交材料")
        assert len(items) == len(flags)
        leases = [item for item in items if item.startswith("经营场所租赁合同")]
        assert leases[0].startswith("经营场所租赁合同: lease.pdf (PDF,") and leases[0].endswith("已被替换")
        assert leases[1].startswith("经营场所租赁合同: 租赁合同-续签.pdf (PDF,") and "已被替换" not in leases[1]
        assert sum("已被替换" in item for item in items) == 2
        assert f"/attachments/{newest.pk}/" in page and f"/attachments/{photo.pk}/" in page
    assert f'href="/portal/cases/{application.public_id}/attachments/{newest.pk}/" target="_blank"' in portal_page
    assert f'href="/cases/{application.public_id}/attachments/{newest.pk}/" target="_blank"' in staff_page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_shows_the_pdf_and_the_photo_under_the_sandbox_policy(live_server, draft):
    """The sandboxing policy still lets Chromium show a PDF (its viewer loads, toolbar and all) and a photo."""
    from tests.workflows.portal.browser import chromium_page, require_browser

    require_browser()
    application, owner, photo = draft
    lease = application.attachments.get(kind=AttachmentKind.LEASE)
    client = Client()
    client.force_login(owner)
    with chromium_page(width=1024, height=768) as page:
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page.goto(live_server.url + portal_url(photo))
        size = page.evaluate("(() => { const i = document.querySelector('img'); return [i.naturalWidth, i.naturalHeight] })()")
        page.goto(live_server.url + portal_url(lease))
        viewer = _pdf_viewer(page)
        assert viewer is not None, "Chromium's PDF viewer did not load"
        viewer.wait_for_function("() => document.querySelector('pdf-viewer')?.shadowRoot?.querySelector('viewer-toolbar')")

    assert size == [8, 6]
    assert viewer.url.startswith("chrome-extension://")


def _pdf_viewer(page):
    """The frame of Chromium's PDF viewer (an extension page) inside the tab, once it is there (10 s at most)."""
    for _ in range(100):
        frame = next((f for f in page.frames if f.url.startswith("chrome-extension://")), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(100)
    return None
