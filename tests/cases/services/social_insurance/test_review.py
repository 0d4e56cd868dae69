"""The town's and the district's decisions per roster row, in bulk, their refusals, and the claim's documents with
counts, totals and the annex of approved rows. The standard: a person-month pays at most 1,160.12 (given.py)."""

import datetime as dt
import time
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string

from cases.constants import Status
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Application, BudgetEnvelope
from cases.models.social_insurance import PersonMonthEntitlement, RowDecision, SocialInsuranceClaim
from cases.services.social_insurance import CONTRIBUTION_COLUMNS, contribution_file_import, roster_submit
from cases.services.social_insurance import social_insurance_claim_open as claim_open
from cases.services.social_insurance.review import BankAccount, level_counts
from documents.contexts import case_document_context
from documents.models import Document
from tests.cases.services.social_insurance.given import AT_MINIMUM, citizen_id, employer, roster, table_csv
from tests.documents.pdf import pdf_flat_text
from workflows.engine import steps as flow_services
from workflows.programmes.social_insurance import actions

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _budget(si_programme):
    BudgetEnvelope.objects.create(programme=si_programme, year=2026, org_unit=None, amount=Decimal("1000000"))


def people(n: int) -> list[str]:
    """n men born on distinct days of 1985-1986 (odd sequence numbers)."""
    first = dt.date(1985, 1, 1)
    return [citizen_id(f"{first + dt.timedelta(days=i):%Y%m%d}", "011") for i in range(n)]


def claim_of(programme, payer, persons, *, bureau_user, community) -> SocialInsuranceClaim:
    """Each person paid for at the minimum base in January to March (3 x 1,160.12 = 3,480.36 each), one roster."""
    agency = [[p, payer.credit_code, m, *AT_MINIMUM, "0"] for p in persons for m in ("202601", "202602", "202603")]
    contribution_file_import(content=table_csv(CONTRIBUTION_COLUMNS, agency), filename="agency.csv", by=bureau_user)
    rows = [
        [p, f"职工{i:03d}", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""]
        for i, p in enumerate(persons)
    ]
    claim = claim_open(employer=payer, programme=programme, year=2026, quarter=1, by=payer.user)
    bank = BankAccount("中国工商银行余杭支行", payer.name, "6222021202001234567")
    roster_submit(claim=claim, content=roster(rows), filename="r.csv", by=payer.user, org_unit=community, bank=bank)
    return SocialInsuranceClaim.objects.get(pk=claim.pk)


def task(claim, name) -> int:
    return flow_services.open_task(application=Application.objects.get(pk=claim.application_id), name=name).pk


def test_all_remaining_rows_refused_at_the_town_with_one_reason_rejects_the_claim(
    si_programme, bureau_user, staff, community, run_on_commit
):
    payer = employer(1)
    claim = run_on_commit(claim_of, si_programme, payer, people(3), bureau_user=bureau_user, community=community)
    town = staff.town[community.parent_id]
    # a line that is not on the roster, a row both approved and refused: refused, nothing changed
    with pytest.raises(DomainError) as refusal:
        actions.task_rows_decide(task_id=task(claim, "town_review"), by=town, approve=[9])
    assert str(refusal.value.message) == "第9行不属于本环节审核的行。"
    with pytest.raises(DomainError):
        actions.task_rows_decide(task_id=task(claim, "town_review"), by=town, approve=[2], refuse={2: "x"})
    assert set(claim.roster_rows.values_list("town_decision", flat=True)) == {RowDecision.PENDING}
    # the district may not decide while the town has the claim
    with pytest.raises(PermissionDenied):
        actions.task_rows_decide(task_id=task(claim, "town_review"), by=staff.district_reviewer, approve=[2])

    count = actions.task_rows_decide_remaining(
        task_id=task(claim, "town_review"), by=town, decision=RowDecision.REFUSED, reason="未在本单位实际就业"
    )
    assert count == 3
    counts = level_counts(claim=claim, level="town")
    assert (counts.rows, counts.approved, counts.refused, counts.pending, counts.approved_amount) == (3, 0, 3, 0, Decimal("0"))
    application = run_on_commit(actions.task_level_complete, task_id=task(claim, "town_review"), by=town, opinion="")
    assert application.status == Status.REJECTED
    assert PersonMonthEntitlement.objects.count() == 0  # 9 person-months given back to the ledger
    assert list(Document.objects.filter(application=application).order_by("kind").values_list("kind", flat=True)) == [
        "acceptance_notice",
        "refusal_notice",
    ]
    opinion = application.opinions.get()
    assert opinion.opinion == "3行中同意0行（0人月，0.00元），不同意3行。"


def test_the_approval_decision_lists_every_approved_row_in_its_annex_tables(
    si_programme, bureau_user, staff, community, run_on_commit
):
    payer = employer(1)
    persons = people(120)
    claim = run_on_commit(claim_of, si_programme, payer, persons, bureau_user=bureau_user, community=community)
    town = staff.town[community.parent_id]
    actions.task_rows_decide(task_id=task(claim, "town_review"), by=town, refuse={5: "劳动合同未备案"})
    actions.task_rows_decide_remaining(task_id=task(claim, "town_review"), by=town, decision=RowDecision.APPROVED)
    run_on_commit(actions.task_level_complete, task_id=task(claim, "town_review"), by=town, opinion="同意")
    reviewer = staff.district_reviewer
    actions.task_rows_decide_remaining(task_id=task(claim, "district_review"), by=reviewer, decision=RowDecision.APPROVED)
    run_on_commit(actions.task_level_complete, task_id=task(claim, "district_review"), by=reviewer, opinion="同意")
    application = run_on_commit(actions.task_claim_approve, task_id=task(claim, "approve"), by=staff.approver, opinion="同意")
    # 119 rows approved x 3,480.36 = 414,162.84 (357 person-months x 1,160.12)
    assert application.approved_amount == Decimal("414162.84")

    context = case_document_context(kind="approval_decision", application=application)
    assert (context["annex_people"], context["annex_months"]) == (119, 357)
    assert context["annex"][0] == {
        "seq": 1,
        "line": 2,
        "name": "职工000",
        "masked_id": persons[0][:6] + "********" + persons[0][14:],
        "category": "就业困难人员（如4050人员）",
        "months": "2026-01~2026-03",
        "count": 3,
        "amount": "¥3,480.36",
    }
    # the annex in fixed-layout tables of 40 rows (40 + 40 + 39), each with its header row; no styling per row
    assert [len(part) for part in context["annex_parts"]] == [40, 40, 39]
    html = render_to_string("documents/social_insurance/approval_decision.html", {**context, "language": "zh-hans"})
    assert html.count('<table class="list annex">') == 3 and html.count("<tr>") == 119 + 3 + 4 and "style=" not in html
    assert "table-layout: fixed" in html

    documents = Document.objects.filter(application=application)
    assert sorted(documents.values_list("kind", flat=True)) == [
        "acceptance_notice",
        "approval_decision",
        "review_opinion",
        "review_opinion",
    ]
    text = pdf_flat_text(documents.get(kind="approval_decision").file.read())
    assert "附表所列119人、357人月予以批准" in text and "职工119" in text and "职工003" not in text
    opinion = pdf_flat_text(documents.filter(kind="review_opinion").order_by("-id").first().file.read())
    assert "区级审核" in opinion and "¥414,162.84" in opinion
    started = time.perf_counter()
    case_document_context(kind="approval_decision", application=application)
    assert time.perf_counter() - started < 2  # the annex is two queries, whatever the number of rows
