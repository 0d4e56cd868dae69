"""The applicant's loop: what happens after submission, upload slots (replace, delete before submission, a wrong
file refused), a correction notice with the reviewer's reasons, a deadline in working days and a slot for every item,
and messages that keep the text they were sent with."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.constants import Decision, ReviewLevel, Status
from cases.models import Application, Attachment, AuditEntry, CalendarDay, Notification
from cases.selectors import application_attachments
from documents.models import Document
from tests.documents.pdf import pdf_flat_text
from tests.workflows.portal.conftest import SAMPLE_PDF, business_data, draft_data, zh
from workflows.engine import simulation
from workflows.engine.forms import DecisionForm

pytestmark = pytest.mark.django_db

LEASE_REASON = "租赁合同缺少出租方签章"
STAMP_REASON = "银行账户证明须加盖开户银行公章"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _upload(client, application, kind, content=SAMPLE_PDF, name=None, slot=""):
    upload = SimpleUploadedFile(name or f"{kind}.pdf", content, content_type="application/pdf")
    data = {"kind": kind, "file": upload, **({"slot": slot} if slot else {})}
    return client.post(reverse("portal:upload", args=[application.public_id]), data, follow=True)


def _draft(client, programme, community, rng) -> Application:
    client.post(reverse("portal:apply", args=[programme.code]), draft_data(community))
    application = Application.objects.get()
    client.post(reverse("portal:step", args=[application.public_id, "business"]), business_data(rng))
    for kind in programme.required_documents:
        _upload(client, application, kind)
    return application


def _submit(client, application, run_on_commit):
    url = reverse("portal:submit", args=[application.public_id])
    return run_on_commit(client.post, url, {"declaration": "on"}, follow=True)


def _state(application) -> list[tuple]:
    """Everything an upload may change: the files, and which of them count."""
    return [(a.pk, a.kind, a.slot, a.sha256, a.superseded) for a in application_attachments(application=application)]


# --- after submission: receipt, what happens next, what was submitted -----------------------------------


def test_case_page_says_what_happens_next_and_shows_what_was_submitted(
    portal_client, programme, community, rng, run_on_commit, settings
):
    settings.SERVICE_PHONE = "0571-86100000"
    application = _draft(portal_client, programme, community, rng)
    _submit(portal_client, application, run_on_commit)
    application.refresh_from_db()
    page = portal_client.get(reverse("portal:case", args=[application.public_id])).content.decode()
    receipt = Document.objects.get(application=application, kind="submission_receipt")
    expected = simulation_expected(application)
    assert zh("What happens next") in page
    assert f'<strong id="decision-expected-on"><time datetime="{expected}">{expected}</time></strong>' in page
    assert reverse("document_download", args=[receipt.token]) in page and receipt.number in page
    assert "0571-86100000" in page
    # the data as submitted (the account number masked) and every file
    assert zh("What you submitted") in page
    assert "张三工作室" in page and "中国农业银行余杭支行" in page and "6228480012345678901" not in page
    for attachment in application.attachments.all():
        assert reverse("portal:attachment", args=[application.public_id, attachment.pk]) in page


def simulation_expected(application) -> str:
    from cases import calendar

    return calendar.add_working_days(timezone.localdate(application.submitted_at), 30).isoformat()


# --- slots --------------------------------------------------------------------------------------------------


def test_replacing_a_file_keeps_the_old_one_superseded(portal_client, programme, community, rng, run_on_commit):
    # given a draft with a lease
    application = _draft(portal_client, programme, community, rng)
    old = Attachment.objects.get(application=application, kind="lease")
    # when the applicant uploads another lease into the same slot
    response = _upload(portal_client, application, "lease", content=SAMPLE_PDF, name="lease-signed.pdf")
    # then it replaces the old one, which stays on record marked superseded
    assert _messages(response)[-1] == zh("%(kind)s replaced; the earlier file stays on record.", kind=zh("Premises lease"))
    leases = [(a.pk, a.superseded) for a in application_attachments(application=application) if a.kind == "lease"]
    new = Attachment.objects.get(application=application, kind="lease", original_name="lease-signed.pdf")
    assert leases == [(old.pk, True), (new.pk, False)]
    # the documents step shows one file per slot: the new one
    page = portal_client.get(reverse("portal:step", args=[application.public_id, "documents"])).content.decode()
    assert "lease-signed.pdf" in page and old.original_name not in page
    # and after submission the case history lists both, the old one marked replaced; the receipt names the new one
    _submit(portal_client, application, run_on_commit)
    page = portal_client.get(reverse("portal:case", args=[application.public_id])).content.decode()
    assert page.count(zh("Replaced by a newer file")) == 1
    receipt = Document.objects.get(application=application, kind="submission_receipt")
    text = pdf_flat_text(receipt.file.open("rb").read())
    assert "lease-signed.pdf" in text and text.count("经营场所租赁合同") == 1


def test_a_replacement_of_the_wrong_kind_is_refused_and_changes_nothing(portal_client, programme, community, rng):
    application = _draft(portal_client, programme, community, rng)
    before = _state(application)
    # when the applicant replaces the lease with a text file dressed as a PDF
    response = _upload(portal_client, application, "lease", content=b"just some words, not a PDF\n", name="lease.pdf")
    # then a clear message says why, and that the current file stays; nothing changed
    message = _messages(response)[-1]
    assert message.startswith(zh("Premises lease") + ": ")
    assert message.endswith(zh("%(kind)s: %(reason)s Nothing was replaced: the current file stays.").split("%(reason)s")[-1])
    assert _state(application) == before


def test_delete_before_submission_only(portal_client, programme, community, rng, run_on_commit, settings):
    from pathlib import Path

    application = _draft(portal_client, programme, community, rng)
    _upload(portal_client, application, "lease", name="lease-2.pdf")  # the slot now holds two versions
    lease = Attachment.objects.get(application=application, kind="lease", original_name="lease-2.pdf")
    stored = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    files = {a.file.name for a in Attachment.objects.filter(application=application, kind="lease")}
    # when the applicant deletes the lease of the draft
    url = reverse("portal:attachment_delete", args=[application.public_id, lease.pk])
    response = run_on_commit(portal_client.post, url, follow=True)
    # then the slot is empty again (both versions and their files gone), and the deletion is audited
    assert _messages(response)[-1] == zh("%(kind)s deleted.", kind=zh("Premises lease"))
    assert not Attachment.objects.filter(application=application, kind="lease").exists()
    assert not any((stored / name).exists() for name in files)
    assert AuditEntry.objects.filter(application=application, action="attachment_delete").count() == 1
    # after submission a file can no longer be deleted: a clear message, nothing changed
    _upload(portal_client, application, "lease")
    _submit(portal_client, application, run_on_commit)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    licence = Attachment.objects.get(application=application, kind="business_licence")
    before, audit = _state(application), AuditEntry.objects.filter(application=application).count()
    url = reverse("portal:attachment_delete", args=[application.public_id, licence.pk])
    response = run_on_commit(portal_client.post, url, follow=True)
    assert _messages(response)[-1] == zh("Files can be deleted only before the application is submitted; replace it instead.")
    assert _state(application) == before
    assert AuditEntry.objects.filter(application=application).count() == audit


def test_another_applicants_file_cannot_be_deleted(portal_client, programme, community, rng):
    other, _user = simulation.file_draft(rng=rng, programme=programme, community=community)
    attachment = other.attachments.first()
    url = reverse("portal:attachment_delete", args=[other.public_id, attachment.pk])
    assert portal_client.post(url).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


# --- corrections -------------------------------------------------------------------------------------------


@pytest.fixture
def returned(portal_client, programme, community, staff, rng, run_on_commit):
    """A case returned by the community on Wednesday 30 September 2026 (Shanghai), before the National Day holiday,
    with a document item and a free-text item, each with the reviewer's reason."""
    for day in range(1, 8):
        CalendarDay.objects.create(date=dt.date(2026, 10, day), is_working_day=False, name="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), is_working_day=True, name="国庆节调休上班")
    from cases import calendar

    calendar.clear_cache()
    with time_machine.travel(dt.datetime(2026, 9, 29, 2, 0, tzinfo=dt.UTC), tick=False):
        application = _draft(portal_client, programme, community, rng)
        _submit(portal_client, application, run_on_commit)
    with time_machine.travel(dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC), tick=False):
        items = [{"kind": "lease", "message": LEASE_REASON}, {"kind": "", "message": STAMP_REASON}]
        officer = staff.community[community.pk]
        application.refresh_from_db()
        application = run_on_commit(simulation.decide, application, officer, ReviewLevel.COMMUNITY, Decision.RETURN, items=items)
    yield application
    calendar.clear_cache()


def test_correction_page_shows_each_reason_and_the_working_day_deadline(portal_client, returned, settings):
    assert settings.CORRECTION_WORKING_DAYS == 10
    with time_machine.travel(dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.UTC), tick=False):
        page = portal_client.get(reverse("portal:case", args=[returned.public_id])).content.decode()
    # each item with the reviewer's reason
    assert LEASE_REASON in page and STAMP_REASON in page
    # 10 working days from Wednesday 30 September: 1-7 October are holidays, then Thu 8 (1), Fri 9 (2),
    # Sat 10 make-up day (3), 12-16 (4-8), Mon 19 (9), Tue 20 October (10)
    assert zh("Answer within %(days)s working days, by", days=10) in page
    assert '<time datetime="2026-10-20">2026-10-20</time>' in page
    # every item has an upload slot: the lease its kind, the free-text item its own slot
    request = returned.corrections.get()
    assert 'name="kind" value="lease"' in page
    assert f'name="slot" value="correction-{request.pk}-2"' in page


def test_the_one_time_notice_lists_each_reason_and_the_deadline(returned):
    notice = Document.objects.get(application=returned, kind="correction_notice")
    text = pdf_flat_text(notice.file.open("rb").read())
    assert LEASE_REASON in text and STAMP_REASON in text
    assert "请于2026年10月20日前（10个工作日内）补正后重新提交" in text


def test_a_free_text_item_is_answered_in_its_slot_and_resubmission_restarts_the_clock(portal_client, returned, run_on_commit):
    request = returned.corrections.get()
    kept = returned.working_days_left
    assert returned.deadline is None and kept is not None
    with time_machine.travel(dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC), tick=False):
        # a file for the free-text item, in its own slot
        response = _upload(portal_client, returned, "other", name="stamp.pdf", slot=f"correction-{request.pk}-2")
        assert _messages(response)[-1] == zh("%(kind)s uploaded.", kind=zh("Other document"))
        stamp = Attachment.objects.get(application=returned, kind="other")
        assert stamp.slot == f"correction-{request.pk}-2"
        # a slot that is not on the notice is refused
        before = _state(returned)
        response = _upload(portal_client, returned, "other", name="x.pdf", slot=f"correction-{request.pk}-9")
        assert _messages(response)[-1] == zh("Unknown upload slot.")
        assert _state(returned) == before
        # the lease replaced, then resubmitted
        _upload(portal_client, returned, "lease", name="lease-stamped.pdf")
        url = reverse("portal:resubmit", args=[returned.public_id])
        run_on_commit(portal_client.post, url, {"answer": "已补正"})
    returned.refresh_from_db()
    assert returned.status == Status.SUBMITTED
    # the paused clock restarts from the day of resubmission with the working days that were left
    from cases import calendar

    assert returned.deadline == calendar.add_working_days(dt.date(2026, 10, 12), kept)
    assert returned.working_days_left is None


def test_reviewer_must_give_a_reason_for_each_document_asked_again(db):
    form = DecisionForm(data={"decision": "return", "opinion": "材料不全", "missing_kinds": ["lease"]})
    assert not form.is_valid()
    assert "reason_lease" in form.errors
    form = DecisionForm(
        data={
            "decision": "return",
            "opinion": "材料不全",
            "missing_kinds": ["lease"],
            "reason_lease": LEASE_REASON,
            "other_items": STAMP_REASON,
        }
    )
    assert form.is_valid(), form.errors
    assert form.items() == [{"kind": "lease", "message": LEASE_REASON}, {"kind": "", "message": STAMP_REASON}]


# --- notifications keep the text they were sent with --------------------------------------------------------


def test_a_message_keeps_the_text_valid_when_it_was_sent(portal_client, programme, community, rng, run_on_commit):
    application = _draft(portal_client, programme, community, rng)
    _submit(portal_client, application, run_on_commit)
    sent = {n.channel: n.message for n in Notification.objects.filter(application=application)}
    assert set(sent) == {"portal", "email", "sms"}
    assert all(programme.name in message for message in sent.values())
    # when the programme is renamed later
    programme.name = "一次性创业补贴（新）"
    programme.save(update_fields=["name"])
    # then every channel's record, and the portal pages, still carry the text as sent
    assert {n.channel: n.message for n in Notification.objects.filter(application=application)} == sent
    page = portal_client.get(reverse("portal:case", args=[application.public_id])).content.decode()
    assert sent["portal"] in page
