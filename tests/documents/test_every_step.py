"""Every step of the start-up subsidy flow issues its document, readable and with a glyph for every character."""

import pytest

from cases.constants import Decision, ReviewLevel
from cases.identifiers import mask_citizen_id, mask_name
from cases.money import format_yuan, yuan_in_capitals
from documents.models import Document
from tests.documents.pdf import characters_without_glyph, pdf_flat_text, pdf_text
from tests.lifecycle import advance, submitted
from workflows.engine import simulation

pytestmark = pytest.mark.django_db


def read(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def test_every_step_of_a_paid_case_issues_its_document(paid_case):
    # given a case driven from filing to payment through the flow services
    application, _ = paid_case
    amount = format_yuan(application.approved_amount)

    # when its documents are read back
    case_documents = list(Document.objects.filter(application=application).order_by("id"))
    batch_documents = list(Document.objects.filter(application__isnull=True).order_by("id"))

    # then there is one document per step, in order
    assert [d.kind for d in case_documents] == [
        "submission_receipt",
        "acceptance_notice",
        "review_opinion",
        "review_opinion",
        "approval_decision",
        "payment_notice",
    ]
    assert [d.kind for d in batch_documents] == ["publicity_list", "payment_list"]
    for document in case_documents + batch_documents:
        pdf = read(document)
        text = pdf_flat_text(pdf)
        assert document.number in text
        if document.kind == "publicity_list":  # the public copy: masked name and ID number, the unit, no case number
            assert mask_name(application.applicant.name) in text
            assert mask_citizen_id(application.applicant.id_number) in text
            assert application.org_unit.name in text
            assert application.number not in text and application.applicant.name not in text
            assert application.applicant.id_number not in text
        else:
            assert application.number in text
            assert application.applicant.name in text
        assert amount in text  # every document of a paid case prints the amount
        assert characters_without_glyph(pdf) == set()
    approval = case_documents[4]
    assert "审批决定书" in pdf_flat_text(read(approval))
    assert "（5个工作日）" in pdf_flat_text(read(batch_documents[0]))  # the batch's own publicity period
    assert yuan_in_capitals(application.approved_amount) in pdf_flat_text(read(approval))


def test_correction_and_refusal_steps_issue_their_notices(programme, staff, community, rng, run_on_commit):
    # given a submitted case that the community returns and the town then refuses
    application, applicant = submitted(programme=programme, community=community, rng=rng)
    application = run_on_commit(
        simulation.return_and_correct, application, staff.community[community.pk], ReviewLevel.COMMUNITY, applicant
    )
    application = run_on_commit(
        simulation.decide, application, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS
    )
    run_on_commit(simulation.decide, application, staff.town[community.parent_id], ReviewLevel.TOWN, Decision.REJECT)

    # then the correction notice lists every item and the refusal notice gives the reason and the appeal route
    documents = {d.kind: d for d in Document.objects.filter(application=application)}
    assert sorted(documents) == ["acceptance_notice", "correction_notice", "refusal_notice"]
    correction = pdf_flat_text(read(documents["correction_notice"]))
    assert "租赁合同已过期，请提供有效合同。" in correction and "租赁合同" in correction and application.number in correction
    refusal = pdf_flat_text(read(documents["refusal_notice"]))
    assert "不符合申请条件。" in refusal and "行政复议" in refusal and application.applicant.name in refusal
    for document in documents.values():
        assert characters_without_glyph(read(document)) == set()


def test_english_variant_for_a_programme_that_asks_for_it(programme, staff, community, rng, run_on_commit, settings):
    # given the programme is configured for English documents
    settings.DOCUMENTS_ENGLISH_PROGRAMMES = [programme.code]
    application, _ = submitted(programme=programme, community=community, rng=rng)

    # when the case passes to approval
    application = run_on_commit(advance, application, staff, through=ReviewLevel.APPROVAL)

    # then the approval decision is in English, with the amount and the case number
    decision = Document.objects.get(application=application, kind="approval_decision")
    text = " ".join(pdf_text(read(decision)).split())
    assert decision.language == "en"
    assert "Approval Decision" in text and "One-off start-up subsidy" in text
    assert application.number in text and format_yuan(application.approved_amount) in text
    assert characters_without_glyph(read(decision)) == set()
