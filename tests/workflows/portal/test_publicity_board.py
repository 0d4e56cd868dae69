"""The public publicity board (公示栏): lists without sign-in, masked fields only, the list PDF, objections filed
online with a receipt number that reach the staff's investigation task; refused input changes nothing."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from cases.constants import ObjectionIdentity, ObjectionStatus, ReviewLevel, Status
from cases.exceptions import DomainError, TransitionForbidden
from cases.identifiers import mask_citizen_id, mask_name
from cases.models import AccessEvent, Application, AuditEntry, Objection, PublicityBatch
from documents.models import Document
from tests.auth import sign_in
from tests.documents.pdf import pdf_flat_text
from tests.lifecycle import advance, submitted
from tests.workflows.portal.conftest import zh
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db

# A Tuesday: the list runs Tuesday 1 to Monday 7 December 2026 (five working days).
OPENED = dt.datetime(2026, 12, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
LAST_DAY = dt.datetime(2026, 12, 7, 23, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
AFTER = dt.datetime(2026, 12, 8, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
NAMED = {"line": "1", "name": "李四", "contact": "13700001111", "reason": "此人未实际经营，店面长期关闭。"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(OPENED, tick=False):
        yield


@pytest.fixture
def published(programme, community, staff, rng, run_on_commit):
    """Two approved cases of 仓前社区 on one list, published today; its PDF issued after commit."""
    cases = [advance(submitted(programme=programme, community=community, rng=rng)[0], staff, through=ReviewLevel.APPROVAL)]
    cases.append(advance(submitted(programme=programme, community=community, rng=rng)[0], staff, through=ReviewLevel.APPROVAL))
    batch = run_on_commit(
        flow_services.publicity_publish, programme=programme, applications=cases, by=staff.approver, starts_on=OPENED.date()
    )
    assert (batch.starts_on, batch.ends_on) == (dt.date(2026, 12, 1), dt.date(2026, 12, 7))
    return batch, [Application.objects.select_related("applicant").get(pk=c.pk) for c in cases]


def personal_data(cases: list[Application]) -> set[str]:
    found = set()
    for case in cases:
        applicant = case.applicant
        found |= {applicant.name, applicant.id_number, applicant.mobile, case.bank_account_number, case.number}
        found |= {str(case.public_id)}
    return {value for value in found if value}


def snapshot(cases):
    return (
        list(Objection.objects.values_list("id", "status")),
        [Application.objects.get(pk=c.pk).status for c in cases],
        AuditEntry.objects.count(),
        AccessEvent.objects.count(),
        [flow_services.open_task(application=c).flow_task.name for c in cases],
    )


def investigation_page(user, application) -> str:
    """The investigation task as the staff member who takes it sees it."""
    task = flow_services.open_task(application=application)
    assert task.flow_task.name == "investigate_objection"
    client = sign_in(Client(), user)
    url = f"/startup/{task.process_id}/{task.flow_task.name}/{task.pk}/"
    assert client.post(url + "assign/", {"_continue": "1"}).status_code == 302
    response = client.get(url, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def page_of(batch: PublicityBatch) -> str:
    return f"/portal/publicity/{batch.number}/"


def test_board_and_list_show_masked_fields_only_to_anyone(published, community):
    batch, cases = published
    board = Client().get("/portal/publicity/")
    assert board.status_code == 200
    body = board.content.decode()
    assert f'href="{page_of(batch)}"' in body and zh("Current lists") in body
    assert 'href="/portal/publicity/"' in Client().get("/portal/").content.decode()  # linked from the portal home

    response = Client().get(page_of(batch))
    body = response.content.decode()
    assert response.status_code == 200
    for case in cases:
        applicant = case.applicant
        assert f"<td>{mask_name(applicant.name)}</td><td>{mask_citizen_id(applicant.id_number)}</td>" in body
        assert f"<td>{community.name}</td><td>{case.approved_amount}</td><td>2026-12-07</td>" in body
    assert [value for value in personal_data(cases) if value in body] == []
    document = Document.objects.get(publicity_batch=batch, kind="publicity_list")
    assert f'href="/portal/publicity/lists/{document.token}.pdf"' in body


def test_the_list_pdf_is_served_to_anyone_and_no_other_document(published):
    batch, cases = published
    document = Document.objects.get(publicity_batch=batch, kind="publicity_list")
    response = Client().get(f"/portal/publicity/lists/{document.token}.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text = pdf_flat_text(b"".join(response.streaming_content))
    assert mask_name(cases[0].applicant.name) in text and mask_citizen_id(cases[0].applicant.id_number) in text
    assert [value for value in personal_data(cases) if value in text] == []
    for other in Document.objects.exclude(kind="publicity_list"):
        assert Client().get(f"/portal/publicity/lists/{other.token}.pdf").status_code == 404
    assert Client().get("/portal/publicity/lists/no-such-token.pdf").status_code == 404


def test_an_objection_gets_its_number_an_audit_row_and_reaches_the_investigation_task(published, staff):
    batch, cases = published
    client = Client()
    response = client.post(page_of(batch), NAMED, follow=True)

    objection = Objection.objects.get()
    year = timezone.localdate().year
    assert objection.number == f"YY-{year}-000001"
    assert (objection.application, objection.batch, objection.recorded_by) == (cases[0], batch, None)
    assert (objection.objector_name, objection.objector_contact, objection.reason) == ("李四", "13700001111", NAMED["reason"])
    assert (
        zh(
            "Your objection was filed. Receipt number: %(number)s. Keep it: the investigators will reach you "
            "through the contact you gave.",
            html=True,
            number=objection.number,
        )
        in response.content.decode()
    )
    assert Application.objects.get(pk=cases[0].pk).status == Status.OBJECTION_RAISED
    assert Application.objects.get(pk=cases[1].pk).status == Status.IN_PUBLICITY
    audit = AuditEntry.objects.filter(application=cases[0]).order_by("-seq").first()
    assert (audit.action, audit.actor, audit.from_status, audit.to_status) == (
        "objection_online",
        None,
        Status.IN_PUBLICITY,
        Status.OBJECTION_RAISED,
    )
    assert audit.comment == f"{objection.number} {NAMED['reason']}"
    event = AccessEvent.objects.get()
    assert (event.kind, event.address, event.note) == (AccessEvent.Kind.OBJECTION_FILED, "127.0.0.1", objection.number)
    # the staff's investigation task shows it, with the contact only they see
    page = investigation_page(staff.approver, cases[0])
    assert objection.number in page and "13700001111" in page and NAMED["reason"] in page
    # and the public page does not
    public = Client().get(page_of(batch)).content.decode()
    assert "13700001111" not in public and "李四" not in public


def test_a_second_objection_joins_the_investigation_and_one_decision_closes_both(published, staff):
    batch, cases = published
    client = Client()
    client.post(page_of(batch), NAMED)
    client.post(page_of(batch), {**NAMED, "name": "王五", "contact": "wang@example.cn", "reason": "重复申领。"})

    first, second = Objection.objects.order_by("id")
    assert (first.number, second.number) == ("YY-2026-000001", "YY-2026-000002")
    assert [o.status for o in (first, second)] == [ObjectionStatus.OPEN, ObjectionStatus.OPEN]
    assert list(
        AuditEntry.objects.filter(application=cases[0], action="objection_online").values_list("to_status", flat=True)
    ) == [
        Status.OBJECTION_RAISED,
        Status.OBJECTION_RAISED,
    ]
    task = flow_services.open_task(application=cases[0])
    flow_services.task_objection_decide(task_id=task.pk, by=staff.approver, upheld=False, reason="经核查，经营正常。")
    assert list(Objection.objects.order_by("id").values_list("status", "decision_reason")) == [
        (ObjectionStatus.DISMISSED, "经核查，经营正常。"),
        (ObjectionStatus.DISMISSED, "经核查，经营正常。"),
    ]
    assert Application.objects.get(pk=cases[0].pk).status == Status.PUBLICITY_PASSED


@pytest.mark.parametrize(
    ("change", "field", "message", "params"),
    [
        ({"reason": "   "}, "reason", "Write what your objection is about.", {}),
        ({"reason": "长" * 10_000}, "reason", None, {}),
        ({"name": ""}, "name", "Give your name: this programme does not accept anonymous objections.", {}),
        ({"contact": ""}, "contact", "Give a telephone number or an e-mail address so that the investigators can reach you.", {}),
        ({"contact": "<b>call me</b>"}, "contact", "The contact is neither a telephone number nor an e-mail address.", {}),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(published, change, field, message, params):
    batch, cases = published
    before = snapshot(cases)
    response = Client().post(page_of(batch), {**NAMED, **change})
    body = response.content.decode()
    assert response.status_code == 400
    if message is None:  # 10,000 characters: the limit and the count
        expected = "异议内容最多2000个字（您填写了10000个字）。"
    else:
        expected = zh(message, html=True, **params)
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{expected}</li></ul>' in body
    assert snapshot(cases) == before


def test_markup_is_stored_as_typed_and_shown_as_text(published, staff):
    batch, cases = published
    reason = '<script>alert("x")</script><b>未经营</b>'
    Client().post(page_of(batch), {**NAMED, "reason": reason})

    objection = Objection.objects.get()
    assert objection.reason == reason
    body = investigation_page(staff.approver, cases[0])
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;未经营&lt;/b&gt;" in body
    assert "<script>alert" not in body and "<b>未经营" not in body


def test_anonymous_objections_as_the_programme_or_the_settings_allow(published, programme, settings, staff):
    batch, cases = published
    anonymous = {**NAMED, "name": ""}
    assert Client().post(page_of(batch), anonymous).status_code == 400  # default: name required
    settings.PUBLIC_OBJECTIONS_ANONYMOUS = True
    assert Client().post(page_of(batch), anonymous).status_code == 302
    settings.PUBLIC_OBJECTIONS_ANONYMOUS = False
    programme.objection_identity = ObjectionIdentity.ANONYMOUS
    programme.save(update_fields=["objection_identity"])
    assert Client().post(page_of(batch), {**anonymous, "line": "2"}).status_code == 302
    assert list(Objection.objects.order_by("id").values_list("objector_name", "application_id")) == [
        ("", cases[0].pk),
        ("", cases[1].pk),
    ]
    programme.objection_identity = ObjectionIdentity.NAMED
    programme.save(update_fields=["objection_identity"])
    settings.PUBLIC_OBJECTIONS_ANONYMOUS = True
    assert Client().post(page_of(batch), anonymous).status_code == 400  # the programme's choice wins
    assert f"<td>{zh('Anonymous')}</td>" in investigation_page(staff.approver, cases[0])


def test_one_address_may_file_five_objections_an_hour(published):
    batch, cases = published
    flood = Client()
    for number in range(5):
        assert flood.post(page_of(batch), {**NAMED, "reason": f"第{number + 1}条"}).status_code == 302
    before = snapshot(cases)
    refused = flood.post(page_of(batch), {**NAMED, "reason": "第6条"})
    assert refused.status_code == 429
    expected = zh(
        "Too many objections from your address: at most %(count)d in %(minutes)d minutes. Try again later.",
        html=True,
        count=5,
        minutes=60,
    )
    assert expected in refused.content.decode()
    assert snapshot(cases) == before
    # another address is not held back; the same one is again an hour later
    assert Client(REMOTE_ADDR="10.1.2.3").post(page_of(batch), NAMED).status_code == 302
    with time_machine.travel(OPENED + dt.timedelta(seconds=3601), tick=False):
        assert flood.post(page_of(batch), {**NAMED, "reason": "第7条"}).status_code == 302
    assert Objection.objects.count() == 7


def test_an_objection_after_the_period_is_refused(published):
    batch, cases = published
    with time_machine.travel(LAST_DAY, tick=False):  # the last day still counts
        assert Client().post(page_of(batch), NAMED).status_code == 302
    with time_machine.travel(AFTER, tick=False):  # the next morning, before the closing job ran
        before = snapshot(cases)
        response = Client().post(page_of(batch), {**NAMED, "line": "2"})
        assert response.status_code == 409
        body = response.content.decode()
        assert zh("The publicity period of this list has ended: objections are no longer accepted.") in body
        assert snapshot(cases) == before
        assert zh("File the objection") not in body
        # the board now shows it among the past lists
        board = Client().get("/portal/publicity/").content.decode()
        assert board.index(zh("Past lists")) < board.index(f'href="{page_of(batch)}"')
        # the service refuses it too, whatever the page shows
        with pytest.raises(TransitionForbidden):
            flow_services.objection_file_online(
                application=cases[1], name="李四", contact="13700001111", reason="迟到的异议", address="10.0.0.9"
            )
        assert snapshot(cases) == before


def test_unknown_and_future_lists_are_not_found(published, programme, staff):
    batch, _ = published
    assert Client().get("/portal/publicity/GS-XX-2026-9999/").status_code == 404
    PublicityBatch.objects.filter(pk=batch.pk).update(starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 8))
    assert Client().get(page_of(batch)).status_code == 404
    assert page_of(batch) not in Client().get("/portal/publicity/").content.decode()


def test_the_service_refuses_what_the_form_would(published):
    """Whatever page or script calls it, the record's rules hold: every problem listed, nothing written."""
    batch, cases = published
    before = snapshot(cases)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        flow_services.objection_file_online(application=cases[0], name="", contact="call me", reason=" ", address="10.0.0.1")
    assert refused.value.message == zh("The objection was not filed.")
    assert refused.value.details == [
        zh("Write what your objection is about."),
        zh("Give your name: this programme does not accept anonymous objections."),
        zh("The contact is neither a telephone number nor an e-mail address."),
    ]
    assert snapshot(cases) == before


def test_the_board_and_the_pdf_answer_reads_only(published):
    batch, _ = published
    document = Document.objects.get(publicity_batch=batch, kind="publicity_list")
    assert Client().post("/portal/publicity/").status_code == 405
    assert Client().post(f"/portal/publicity/lists/{document.token}.pdf").status_code == 405
