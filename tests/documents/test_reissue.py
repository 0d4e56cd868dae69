"""Re-issue: a new version with a new number supersedes the old one; both on record; audited; refusals change nothing."""

import hashlib

import pytest
from django.utils import timezone

from cases.constants import Role
from cases.models import AuditEntry, OrgUnit
from documents.exceptions import DocumentAlreadySuperseded, ReissueNotAllowed, ReissueReasonMissing
from documents.models import Document
from documents.services import document_reissue
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(paid_case) -> Document:
    application, _ = paid_case
    return Document.objects.get(application=application, kind="approval_decision")


def snapshot() -> tuple:
    return (
        list(Document.objects.order_by("id").values_list("id", "number", "status", "sha256")),
        AuditEntry.objects.count(),
    )


def test_reissue_supersedes_with_a_new_number_and_keeps_both(decision, staff):
    # given an issued approval decision
    old_bytes = decision.file.open("rb").read()

    # when the approver re-issues it
    new = document_reissue(document=decision, by=staff.approver, reason="申请人姓名更正")

    # then a new version with the next number supersedes the old one; both are on record and audited
    decision = Document.objects.get(pk=decision.pk)
    year = timezone.localdate(decision.issued_at).year  # the year of the Asia/Shanghai date, as the number counts
    assert decision.number == f"余人社创决〔{year}〕00001号"
    assert new.number == decision.number.replace("00001号", "00002号")
    assert (decision.status, new.status) == ("superseded", "valid")
    assert new.supersedes_id == decision.pk and decision.superseded_by == new
    assert (new.issued_by, new.reason, new.kind, new.application_id) == (
        staff.approver,
        "申请人姓名更正",
        "approval_decision",
        decision.application_id,
    )
    assert new.token != decision.token and new.sha256 != decision.sha256
    assert hashlib.sha256(decision.file.open("rb").read()).hexdigest() == decision.sha256  # old file untouched
    assert decision.file.open("rb").read() == old_bytes
    entry = AuditEntry.objects.filter(application=decision.application).order_by("-id").first()
    assert (entry.action, entry.actor, entry.comment) == (
        "document_reissued",
        staff.approver,
        f"{decision.number} -> {new.number}: 申请人姓名更正",
    )


def test_reissue_without_reason_is_refused_and_changes_nothing(decision, staff):
    before = snapshot()
    with pytest.raises(ReissueReasonMissing):
        document_reissue(document=decision, by=staff.approver, reason="  ")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["other_town", "applicant", "manager"])
def test_reissue_by_someone_out_of_scope_is_refused_and_changes_nothing(who, decision, paid_case):
    _, owner = paid_case
    user = {
        "other_town": lambda: make_user("other-town", Role.TOWN_REVIEWER, OrgUnit.objects.get(code="330110002")),
        "applicant": lambda: owner,
        "manager": lambda: make_user("manager", Role.MANAGER, decision.issuing_unit),
    }[who]()
    before = snapshot()
    with pytest.raises(ReissueNotAllowed):
        document_reissue(document=decision, by=user, reason="想改")
    assert snapshot() == before


def test_reissuing_a_superseded_document_is_refused_and_changes_nothing(decision, staff):
    document_reissue(document=decision, by=staff.approver, reason="第一次更正")
    before = snapshot()
    with pytest.raises(DocumentAlreadySuperseded):
        document_reissue(document=decision, by=staff.approver, reason="第二次更正")
    assert snapshot() == before


def test_an_issued_document_is_immutable(decision):
    decision.reason = "改写"
    with pytest.raises(ValueError, match="immutable"):
        decision.save()
    with pytest.raises(ValueError, match="stays on record"):
        decision.delete()
    assert Document.objects.get(pk=decision.pk).reason == ""
