"""Loan pages for bank officers, district staff and finance, through the Django test client: scoping (404 outside
the user's bank or unit), each action's exact state change and audit row, and each refusal changing nothing."""

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from cases.bank_file_layouts import standard_layout
from cases.constants import Role
from cases.models import AuditEntry, BudgetEnvelope, Loan, LoanPeriod, LoanRecovery, PaymentBatch, SubsidyClaim
from cases.models.loan import LoanState, SubsidyClaimStatus
from documents.models import Document
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import task_names
from tests.workflows.programmes.loan.test_loan_lifecycle import (  # noqa: F401 - fixtures
    DISBURSED_ON,
    disbursed_loan,
    loan_programme,
    loan_setup,
    ls,
    qualified_case,
    repay,
)
from workflows.engine import simulation
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan import simulation as simulation_loans
from workflows.programmes.loan import tasks as loans_tasks

pytestmark = pytest.mark.django_db
D = Decimal


def client_for(user, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return sign_in(client, user)


def url(loan_or_case, action=""):
    application = getattr(loan_or_case, "application", loan_or_case)
    return f"/loans/book/{application.public_id}/" + (f"{action}/" if action else "")


def text(response) -> str:
    return response.content.decode()


def snapshot(loan):
    loan = Loan.objects.get(pk=loan.pk)
    return (
        loan.state,
        loan.updated_at,
        list(loan.periods.order_by("number").values_list("repaid_on", "due_on", "overdue", "extended")),
        SubsidyClaim.objects.filter(loan=loan).count(),
        AuditEntry.objects.count(),
    )


def last_audit(loan) -> AuditEntry:
    return AuditEntry.objects.filter(application_id=loan.application_id).order_by("-id").first()


@pytest.fixture
def certified(loan_programme, ls, community):  # noqa: F811
    """A qualified loan routed to abc-yh: the bank's due diligence is next."""
    application, borrower = qualified_case(programme=loan_programme, ls=ls, community=community, seed=81)
    bank = ls.banks["abc-yh"]
    loan = loan_flow.loan_certificate_issue(
        application=application, bank=bank, by=ls.staff.approver, today=DISBURSED_ON - dt.timedelta(days=10)
    )
    return loan, ls.officers[bank.pk]


# --- scoping --------------------------------------------------------------------------------------------------


def test_each_user_sees_only_the_loans_in_their_scope(loan_programme, ls, community, other_town_community, other_town_reviewer):  # noqa: F811
    loan_a, borrower_a, officer_a = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=21)
    loan_b, _, officer_b = disbursed_loan(
        programme=loan_programme, ls=ls, community=other_town_community, bank_code="yhrcb", seed=22
    )
    number_a, number_b = loan_a.application.number, loan_b.application.number

    # the bank officer: their bank's loans only
    page = text(client_for(officer_a).get("/loans/book/"))
    assert number_a in page and number_b not in page
    assert client_for(officer_a).get(url(loan_a)).status_code == 200
    assert client_for(officer_a).get(url(loan_b)).status_code == 404
    assert client_for(officer_b).get(url(loan_a)).status_code == 404

    # staff: their unit and below (the town reviewer of 仓前街道 sees loan A; the one of 余杭街道 sees loan B)
    town_a = ls.staff.town[community.parent_id]
    page = text(client_for(town_a).get("/loans/book/"))
    assert number_a in page and number_b not in page
    assert client_for(other_town_reviewer).get(url(loan_a)).status_code == 404
    assert client_for(other_town_reviewer).get(url(loan_b)).status_code == 200
    page = text(client_for(ls.staff.district_reviewer).get("/loans/book/"))
    assert number_a in page and number_b in page

    # a borrower never uses the staff pages, not even for their own loan
    assert client_for(borrower_a).get(url(loan_a)).status_code == 404
    assert client_for(borrower_a).get("/loans/book/").status_code == 404

    # a bank officer without a bank link sees nothing; the state filter narrows the list
    stranger = make_user("bank-no-link", Role.BANK_OFFICER, ls.staff.approver.org_unit)
    assert number_a not in text(client_for(stranger).get("/loans/book/"))
    assert client_for(stranger).get(url(loan_a)).status_code == 404
    assert number_a not in text(client_for(officer_a).get("/loans/book/?state=settled"))
    assert number_a in text(client_for(officer_a).get("/loans/book/?state=disbursed"))


def test_an_officer_of_another_bank_cannot_act_and_nothing_changes(loan_programme, ls, community):  # noqa: F811
    loan, _, _ = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=23)
    other = ls.officers[ls.banks["yhrcb"].pk]
    before = snapshot(loan)
    response = client_for(other).post(url(loan, "repayment"), {"period": 1, "repaid_on": "2026-04-15"})
    assert response.status_code == 404
    # staff of the loan's own unit may see the loan but not act for the bank: 403
    response = client_for(ls.staff.district_reviewer).post(url(loan, "repayment"), {"period": 1, "repaid_on": "2026-04-15"})
    assert response.status_code == 403
    assert snapshot(loan) == before


# --- the bank: due diligence, disbursement, repayments, extension, default ------------------------------------------


def test_the_bank_declines_only_with_a_reason(certified):
    loan, officer = certified
    client = client_for(officer)
    before = snapshot(loan)
    response = client.post(url(loan, "bank-decision"), {"decision": "decline", "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for declining the loan." in text(response)
    assert snapshot(loan) == before

    response = client.post(url(loan, "bank-decision"), {"decision": "decline", "reason": "征信不良"})
    assert response.status_code == 302 and response["Location"] == url(loan)
    loan.refresh_from_db()
    assert (loan.state, loan.decline_reason) == (LoanState.BANK_DECLINED, "征信不良")
    entry = last_audit(loan)
    assert (entry.action, entry.actor_id, entry.comment) == (
        "loan:bank_declined",
        officer.pk,
        "loan qualified -> bank_declined: 征信不良",
    )
    assert task_names(loan.application) == []  # a final state ends the flow
    assert f"Loan {loan.certificate_number} declined." in text(client.get(url(loan)))


def test_accept_guarantee_and_disburse_through_the_pages(certified, ls):  # noqa: F811
    loan, officer = certified
    bank = client_for(officer)
    response = bank.post(url(loan, "bank-decision"), {"decision": "accept"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert (loan.state, last_audit(loan).action) == (LoanState.BANK_ACCEPTED, "loan:bank_accepted")

    # the guarantee is the district approver's (signed in with the second factor); the bank cannot issue it
    assert bank.post(url(loan, "guarantee")).status_code == 403
    approver = client_for(ls.staff.approver)
    assert "Issue the guarantee" in text(approver.get(url(loan)))
    assert approver.post(url(loan, "guarantee")).status_code == 302
    loan.refresh_from_db()
    assert loan.state == LoanState.GUARANTEED and loan.guarantee_number.startswith("YH-DB-")
    assert last_audit(loan).action == "loan:guaranteed"

    good = {
        "contract_number": "HT-PAGE-1",
        "principal": "120000",
        "annual_rate_percent": "6",
        "term_months": "12",
        "period_months": "3",
        "repayment_method": "annuity",
    }
    before = snapshot(loan)
    refusals = [
        ({"principal": "120000.01"}, "must be above zero and at most the qualified amount 120000"),
        ({"term_months": "48"}, "The term must be between 1 and 36 months."),
        ({"term_months": "10"}, "The term must be a whole number of repayment periods."),
        ({"principal": "-5"}, "Ensure this value is greater than or equal to 0.01."),
        ({"annual_rate_percent": "abc"}, "Enter a number."),
        ({"contract_number": ""}, "This field is required."),
    ]
    for change, message in refusals:
        response = bank.post(url(loan, "disburse"), {**good, **change})
        assert response.status_code == 400, change
        assert message in text(response), change
        assert snapshot(loan) == before, change
        assert not LoanPeriod.objects.filter(loan=loan).exists()

    response = bank.post(url(loan, "disburse"), good)
    assert response.status_code == 302
    loan.refresh_from_db()
    assert (loan.state, loan.contract_number, loan.principal, loan.annual_rate, loan.term_months) == (
        LoanState.DISBURSED,
        "HT-PAGE-1",
        D("120000.00"),
        D("0.060000"),
        12,
    )
    assert [(p.principal, p.interest) for p in loan.periods.order_by("number")] == [
        (D("29333.37"), D("1800.00")),
        (D("29773.37"), D("1360.00")),
        (D("30219.97"), D("913.40")),
        (D("30673.29"), D("460.10")),
    ]
    assert last_audit(loan).action == "loan:disbursed"
    page = text(bank.get(url(loan)))
    assert "Loan disbursed under contract HT-PAGE-1" in page and "29,333.37" in page


def test_repayment_extension_and_refusals(loan_programme, ls, community):  # noqa: F811
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=24)
    bank = client_for(officer)
    response = bank.post(url(loan, "repayment"), {"period": "1", "repaid_on": "2026-04-15"})
    assert response.status_code == 302
    period = LoanPeriod.objects.get(loan=loan, number=1)
    assert (period.repaid_on, period.overdue) == (dt.date(2026, 4, 15), False)
    loan.refresh_from_db()
    assert (loan.state, last_audit(loan).action, last_audit(loan).comment) == (
        LoanState.REPAYING,
        "loan:repaid",
        "loan disbursed -> repaying: #1 2026-04-15",
    )

    before = snapshot(loan)
    for data, message in [
        ({"period": "1", "repaid_on": "2026-04-15"}, "Select a valid choice."),  # already repaid
        ({"period": "2", "repaid_on": "2025-12-01"}, "A repayment cannot predate the disbursement."),
        ({"period": "2", "repaid_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"period": "2"}, "This field is required."),
    ]:
        response = bank.post(url(loan, "repayment"), data)
        assert response.status_code == 400 and message in text(response), data
        assert snapshot(loan) == before, data
    for months, message in [("0", "Ensure this value is greater than or equal to 1."), ("13", "less than or equal to 12")]:
        response = bank.post(url(loan, "extend"), {"months": months})
        assert response.status_code == 400 and message in text(response)
        assert snapshot(loan) == before

    response = bank.post(url(loan, "extend"), {"months": "6"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert (loan.state, loan.extended_months, last_audit(loan).action) == (LoanState.EXTENDED, 6, "loan:extended")
    assert list(loan.periods.filter(extended=True).values_list("number", flat=True)) == [2, 3, 4]
    # the loan is not overdue: declaring default is refused with the service's message
    before = snapshot(loan)
    response = bank.post(url(loan, "default"))
    assert response.status_code == 400
    assert "This action is not possible in the loan&#x27;s current state." in text(response)
    assert snapshot(loan) == before


def test_default_compensation_recovery_and_closing(loan_programme, ls, community):  # noqa: F811
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=25, method="interest_only")
    loans_tasks.loan_overdue_flag("2026-12-31")
    bank = client_for(officer)
    assert "Declare default" in text(bank.get(url(loan)))
    assert bank.post(url(loan, "default")).status_code == 302
    loan.refresh_from_db()
    assert (loan.state, loan.outstanding_at_default, last_audit(loan).action) == (
        LoanState.DEFAULTED,
        D("120000.00"),
        "loan:defaulted",
    )

    approver = client_for(ls.staff.approver)
    assert approver.post(url(loan, "compensate")).status_code == 302
    loan.refresh_from_db()
    # the programme's tiers: 100 % of the first 100,000 and 80 % above
    assert (loan.state, loan.compensation_amount, last_audit(loan).action) == (
        LoanState.COMPENSATED,
        D("116000.00"),
        "loan:compensated",
    )

    before = snapshot(loan)
    response = approver.post(url(loan, "recovery"), {"amount": "116000.01", "recovered_on": "2026-06-01"})
    assert response.status_code == 400
    assert "never more than the compensation paid" in text(response)
    assert snapshot(loan) == before and not LoanRecovery.objects.exists()
    assert (
        approver.post(url(loan, "recovery"), {"amount": "10000", "recovered_on": "2026-06-01", "note": "法院执行"}).status_code
        == 302
    )
    recovery = LoanRecovery.objects.get()
    assert (recovery.amount, recovery.recovered_on, recovery.note, recovery.recorded_by_id) == (
        D("10000.00"),
        dt.date(2026, 6, 1),
        "法院执行",
        ls.staff.approver.pk,
    )
    assert last_audit(loan).action == "loan:recovery"

    assert approver.post(url(loan, "close"), {"outcome": "bogus"}).status_code == 400
    assert approver.post(url(loan, "close"), {"outcome": "written_off"}).status_code == 302
    loan.refresh_from_db()
    assert (loan.state, last_audit(loan).action) == (LoanState.WRITTEN_OFF, "loan:written_off")
    assert task_names(loan.application) == []


# --- staff: qualification certificate ---------------------------------------------------------------------------


def test_the_approver_issues_the_certificate_and_routes_the_loan(loan_programme, ls, community, other_town_reviewer):  # noqa: F811
    application, _ = qualified_case(programme=loan_programme, ls=ls, community=community, seed=82)
    approver = client_for(ls.staff.approver)
    assert application.number in text(approver.get("/loans/qualify/"))
    qualify_url = f"/loans/qualify/{application.public_id}/"
    # staff without the approval permission are refused; staff of another town get 404
    assert client_for(ls.staff.district_reviewer).get(qualify_url).status_code == 403
    other_approver = make_user("other-approver", Role.DISTRICT_APPROVER, other_town_reviewer.org_unit)
    assert client_for(other_approver).get(qualify_url).status_code == 404

    audit_before = AuditEntry.objects.count()
    response = approver.post(qualify_url, {"bank": ls.banks["yhrcb"].pk, "borrower_kind": "nonsense"})
    assert response.status_code == 400 and "Select a valid choice." in text(response)
    assert not Loan.objects.exists() and AuditEntry.objects.count() == audit_before

    response = approver.post(qualify_url, {"bank": ls.banks["yhrcb"].pk, "borrower_kind": "individual"})
    assert response.status_code == 302 and response["Location"] == url(application)
    loan = Loan.objects.get(application=application)
    assert (loan.state, loan.bank, loan.qualified_amount) == (LoanState.QUALIFIED, ls.banks["yhrcb"], D("120000.00"))
    assert last_audit(loan).action == "loan:qualified"
    # issued once: the case leaves the list and its page answers 404
    assert application.number not in text(approver.get("/loans/qualify/"))
    assert approver.post(qualify_url, {"bank": ls.banks["yhrcb"].pk, "borrower_kind": "individual"}).status_code == 404
    assert Loan.objects.count() == 1


def test_a_certificate_above_the_cap_is_refused_with_the_reason(loan_programme, ls, community):  # noqa: F811
    application, _ = qualified_case(programme=loan_programme, ls=ls, community=community, amount=D("600000"), seed=83)
    audit_before = AuditEntry.objects.count()
    response = client_for(ls.staff.approver).post(
        f"/loans/qualify/{application.public_id}/", {"bank": ls.banks["abc-yh"].pk, "borrower_kind": "individual"}
    )
    assert response.status_code == 400
    assert "The loan cannot be qualified." in text(response) and "exceeds the cap 500000" in text(response)
    assert not Loan.objects.exists() and AuditEntry.objects.count() == audit_before


# --- the bank's interest file -----------------------------------------------------------------------------------

HEADER = "contract_number,period,repaid_on,principal,interest"


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_interest_file_page_imports_a_good_file(loan_programme, ls, community):  # noqa: F811
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=26)
    content = f"{HEADER}\r\n{loan.contract_number},1,2026-04-15,29333.37,1800.00\r\n".encode()
    client = client_for(officer)
    response = client.post("/loans/interest-file/", {"file": upload("2026Q2.csv", content)})
    assert response.status_code == 302
    assert (
        "Interest file imported: 1 rows, 1 repayments recorded, 1 subsidy claims opened, 0 periods already claimed, "
        "0 periods without subsidy." in text(client.get(response["Location"]))
    )
    claim = SubsidyClaim.objects.get()
    assert (claim.period.number, claim.amount, claim.source, claim.status) == (1, D("750.00"), "bank_file", "open")
    # the same file again: recognised, nothing new
    response = client.post("/loans/interest-file/", {"file": upload("2026Q2.csv", content)})
    assert "1 periods already claimed" in text(client.get(response["Location"]))
    assert SubsidyClaim.objects.count() == 1


def test_the_interest_file_page_lists_every_bad_row_and_imports_nothing(loan_programme, ls, community):  # noqa: F811
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=27)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([loan.contract_number, 1, dt.datetime(2026, 4, 15), 29333.37, 1800])  # line 2: good
    sheet.append(["HT-NO-SUCH", 1, dt.datetime(2026, 4, 15), 1, 1])  # line 3
    sheet.append([loan.contract_number, 2, dt.datetime(2026, 7, 15), 29773.37, "abc"])  # line 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = snapshot(loan)
    response = client_for(officer).post("/loans/interest-file/", {"file": upload("2026Q2.xlsx", buffer.getvalue())})
    assert response.status_code == 400
    page = text(response)
    assert "The file was not imported: it contains errors." in page
    assert "Line 3: unknown contract number HT-NO-SUCH." in page
    assert "Line 4: an amount is not a number." in page
    assert "Line 2" not in page
    assert snapshot(loan) == before

    # a file of another kind, or a GBK-encoded one: refused with a reason, nothing imported
    response = client_for(officer).post("/loans/interest-file/", {"file": upload("q2.pdf", b"%PDF-1.4")})
    assert response.status_code == 400 and "Upload a .csv or .xlsx file." in text(response)
    gbk = f"{HEADER}\r\n{loan.contract_number},1,2026-04-15,29333.37,1800.00,备注\r\n".encode("gbk")
    response = client_for(officer).post("/loans/interest-file/", {"file": upload("q2.csv", gbk)})
    assert response.status_code == 400 and "save it as UTF-8" in text(response)
    assert snapshot(loan) == before


def test_only_a_bank_officer_opens_the_interest_file_page(ls, other_town_reviewer):  # noqa: F811
    assert client_for(ls.staff.district_reviewer).get("/loans/interest-file/").status_code == 403
    stranger = make_user("bank-no-link", Role.BANK_OFFICER, ls.staff.approver.org_unit)
    assert client_for(stranger).get("/loans/interest-file/").status_code == 403
    assert client_for(next(iter(ls.officers.values()))).get("/loans/interest-file/").status_code == 200


# --- subsidy claims: review queue -------------------------------------------------------------------------------


@pytest.fixture
def open_claim(loan_programme, ls, community):  # noqa: F811
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=28)
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 16))
    return loan, claim


def review_url(loan, period=1):
    return url(loan, f"periods/{period}/review")


def test_the_reviewer_refuses_only_with_a_reason_and_approves_within_the_envelope(open_claim, ls, other_town_reviewer):  # noqa: F811
    loan, claim = open_claim
    reviewer = client_for(ls.staff.district_reviewer)
    page = text(reviewer.get("/loans/claims/"))
    assert loan.application.number in page and "750.00" in page
    # another town's staff: the claim is not theirs to see
    assert loan.application.number not in text(client_for(other_town_reviewer).get("/loans/claims/"))
    assert client_for(other_town_reviewer).post(review_url(loan), {"decision": "approve"}).status_code == 404
    # bank officers and town reviewers have no review queue
    assert client_for(ls.officers[loan.bank_id]).get("/loans/claims/").status_code == 403

    envelope = BudgetEnvelope.objects.get(programme=loan.application.programme, year=timezone.localdate().year)
    before = (snapshot(loan), envelope.committed)
    response = reviewer.post(review_url(loan), {"decision": "refuse", "note": ""}, follow=True)
    assert "nothing was changed. Give the reason for refusing the subsidy." in text(response)
    claim.refresh_from_db()
    assert claim.status == SubsidyClaimStatus.OPEN

    # the year's envelope cannot carry the claim: BudgetExceeded's message, nothing changed
    envelope.amount = envelope.committed + envelope.paid + D("749.99")
    envelope.save(update_fields=["amount"])
    response = reviewer.post(review_url(loan), {"decision": "approve", "note": "ok"}, follow=True)
    assert "750.00 would exceed the remaining budget 749.99" in text(response)
    envelope.refresh_from_db()
    claim.refresh_from_db()
    assert (snapshot(loan), envelope.committed) == before and claim.status == SubsidyClaimStatus.OPEN

    envelope.amount += D("0.01")
    envelope.save(update_fields=["amount"])
    response = reviewer.post(review_url(loan), {"decision": "approve", "note": "ok"}, follow=True)
    assert f"Subsidy for period 1 of {loan.application.number} approved." in text(response)
    claim.refresh_from_db()
    envelope.refresh_from_db()
    assert (claim.status, claim.reviewed_by, claim.envelope, envelope.committed) == (
        SubsidyClaimStatus.APPROVED,
        ls.staff.district_reviewer,
        envelope,
        before[1] + D("750.00"),
    )
    assert last_audit(loan).action == "loan:subsidy_approved"
    # reviewed once: a second review finds no open claim
    assert reviewer.post(review_url(loan), {"decision": "refuse", "note": "x"}).status_code == 404


def test_a_refusal_is_recorded_with_its_reason_from_the_loan_page(open_claim, ls):  # noqa: F811
    loan, claim = open_claim
    reviewer = client_for(ls.staff.district_reviewer)
    assert "Record the review" in text(reviewer.get(url(loan)))
    response = reviewer.post(review_url(loan), {"decision": "refuse", "note": "还款凭证不符", "next": url(loan)})
    assert response.status_code == 302 and response["Location"] == url(loan)
    claim.refresh_from_db()
    assert (claim.status, claim.review_note) == (SubsidyClaimStatus.REFUSED, "还款凭证不符")
    assert last_audit(loan).action == "loan:subsidy_refused"
    # an outside `next` is not followed
    response = reviewer.post(review_url(loan), {"decision": "refuse", "note": "x", "next": "https://evil.example/"})
    assert response.status_code == 404


# --- finance: a payment batch of approved subsidies ----------------------------------------------------------------


def test_finance_prepares_a_subsidy_batch_and_another_officer_approves_it(open_claim, ls, django_capture_on_commit_callbacks):  # noqa: F811
    loan, claim = open_claim
    loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="ok")
    maker = client_for(ls.staff.finance_maker)
    page = text(maker.get("/finance/batches/prepare-subsidies/"))
    assert f"{loan.application.number}" in page and "period 1 ¥750.00" in page

    # nothing chosen: refused, no batch
    response = maker.post("/finance/batches/prepare-subsidies/", {})
    assert response.status_code == 200 and "This field is required." in text(response)
    assert not PaymentBatch.objects.exists()
    # no bank file layout chosen: refused, no batch
    response = maker.post("/finance/batches/prepare-subsidies/", {"claims": [claim.pk]})
    assert response.status_code == 200 and "Choose the bank file layout of the paying bank." in text(response)
    assert not PaymentBatch.objects.exists()

    response = maker.post("/finance/batches/prepare-subsidies/", {"claims": [claim.pk], "layout": standard_layout().pk})
    batch = PaymentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/finance/batches/{batch.number}/"
    claim.refresh_from_db()
    assert (claim.status, claim.payment_line.amount, claim.payment_line.instalment) == (
        SubsidyClaimStatus.PAYMENT_PENDING,
        D("750.00"),
        1,
    )
    assert (batch.total, batch.line_count, batch.prepared_by) == (D("750.00"), 1, ls.staff.finance_maker)
    # the claim has left the list of approved claims
    assert "period 1 ¥750.00" not in text(maker.get("/finance/batches/prepare-subsidies/"))

    # maker-checker: the maker cannot approve; the other officer does, on the normal batch page
    maker.post(f"/finance/batches/{batch.number}/approve/")
    batch.refresh_from_db()
    assert batch.status == "draft"
    checker = client_for(ls.staff.finance_checker)
    with django_capture_on_commit_callbacks(execute=True):
        assert checker.post(f"/finance/batches/{batch.number}/approve/").status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by) == ("approved", ls.staff.finance_checker)
    # the payment list (清册) PDF is issued for the subsidy batch like for any other
    assert list(Document.objects.filter(payment_batch=batch).values_list("kind", flat=True)) == ["payment_list"]
    export = maker.post(f"/finance/batches/{batch.number}/export/csv/")
    assert export.status_code == 200 and b"750.00" in export.content

    # the bank's return file goes through the normal import page: the line is paid, the claim with it, from the
    # envelope that committed it, and that period's statement is issued
    returned = simulation.bank_return_file(export.content, set())
    with django_capture_on_commit_callbacks(execute=True):
        response = maker.post(f"/finance/batches/{batch.number}/import/", {"file": upload("return.csv", returned)})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.payment_line.status, claim.paid_on) == (SubsidyClaimStatus.PAID, "paid", timezone.localdate())
    envelope = claim.envelope
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid) == (D("0.00"), D("750.00"))
    statement = Document.objects.get(kind="loan_subsidy_statement")
    assert (statement.application_id, statement.subject) == (loan.application_id, {"period": 1})
    # the same file again changes nothing
    maker.post(f"/finance/batches/{batch.number}/import/", {"file": upload("return.csv", returned)})
    envelope.refresh_from_db()
    assert envelope.paid == D("750.00") and Document.objects.filter(kind="loan_subsidy_statement").count() == 1


# --- language ---------------------------------------------------------------------------------------------------


def test_loan_pages_are_chinese_by_default(loan_programme, ls, community):  # noqa: F811
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=29)
    client = sign_in(Client(), officer)
    page = text(client.get("/loans/book/"))
    assert "本行承办的贷款" in page
    page = text(client.get(url(loan)))
    assert "还款计划" in page and "登记还款" in page


# --- statistics -------------------------------------------------------------------------------------------------


def test_managers_read_the_loan_figures_of_their_unit(loan_programme, ls, community, other_town_community, district):  # noqa: F811
    from workflows.programmes.loan.selectors import loan_statistics_for_user

    # given a loan in each of two towns, period 1 of each repaid on time
    mine, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=301)
    theirs, other_borrower, _ = disbursed_loan(
        programme=loan_programme, ls=ls, community=other_town_community, amount=D("100000"), seed=302
    )
    for loan in (mine, theirs):
        repay(loan, officer, 1, dt.date(2026, 4, 15))
    # the first period's subsidy is paid for mine (750.00), approved and unpaid for theirs:
    # 100000 x (6 % - 3.5 %) / 4 = 625.00
    for loan, who in ((mine, borrower), (theirs, other_borrower)):
        claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=who, today=dt.date(2026, 4, 16))
        loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="ok")
        if loan == mine:
            simulation_loans.pay_claims(loan_programme, ls, dt.date(2026, 4, 30), random.Random(4))
    assert SubsidyClaim.objects.get(loan=mine).status == SubsidyClaimStatus.PAID

    # then the district manager sees both: outstanding = 120000 - 29333.37 + 100000 - 24444.48 (the annuity of
    # 100000 over four quarters is 25944.48, period 1 interest 1500.00)
    district_manager = make_user("loan-stats-district", Role.MANAGER, district)
    stats = loan_statistics_for_user(user=district_manager)
    assert (stats.loans, stats.lent, stats.outstanding) == (2, D("220000.00"), D("166222.15"))
    assert (stats.subsidies_paid, stats.subsidies_awaiting_payment) == (D("750.00"), D("625.00"))
    assert (stats.compensation, stats.recovered) == (D("0"), D("0"))
    assert stats.by_state == [(str(LoanState.REPAYING.label), 2, D("220000.00"))]
    year = mine.disbursed_on.year
    page = text(client_for(district_manager).get(f"/statistics/?year={year}"))
    assert "¥166,222.15" in page and "¥625.00" in page and "¥750.00" in page

    # a town's manager sees the town's loan only; a bank officer and a reviewer read no statistics
    town_manager = make_user("loan-stats-town", Role.MANAGER, community.parent)
    stats = loan_statistics_for_user(user=town_manager)
    assert (stats.loans, stats.lent, stats.outstanding, stats.subsidies_paid, stats.subsidies_awaiting_payment) == (
        1,
        D("120000.00"),
        D("90666.63"),
        D("750.00"),
        D("0"),
    )
    assert loan_statistics_for_user(user=officer) is None
    assert loan_statistics_for_user(user=ls.staff.district_reviewer) is None
