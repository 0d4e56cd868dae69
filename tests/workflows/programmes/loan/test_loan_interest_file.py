"""The bank's quarterly interest file (CSV or XLSX): all or nothing, every bad row reported with its line number."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from cases.exceptions import InvalidImport, PermissionDenied
from cases.models import AuditEntry, Loan, LoanPeriod, SubsidyClaim
from cases.models.loan import LoanState
from cases.services import loans as loan_services
from tests.workflows.programmes.loan.test_loan_lifecycle import disbursed_loan, english, loan_programme, loan_setup, ls  # noqa: F401 - fixtures
from workflows.programmes.loan import actions as loan_flow

pytestmark = pytest.mark.django_db
HEADER = "contract_number,period,repaid_on,principal,interest"


@pytest.fixture
def two_loans(loan_programme, ls, community):  # noqa: F811
    first, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, bank_code="abc-yh", seed=41)
    second, _, _ = disbursed_loan(programme=loan_programme, ls=ls, community=community, bank_code="abc-yh", seed=42)
    return first, second, officer


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def snapshot():
    return (
        SubsidyClaim.objects.count(),
        LoanPeriod.objects.filter(repaid_on__isnull=False).count(),
        AuditEntry.objects.count(),
        sorted(Loan.objects.values_list("state", flat=True)),
    )


def test_a_good_file_records_repayments_and_claims_on_time_periods(two_loans):
    first, second, officer = two_loans
    content = csv_bytes(
        f"{first.contract_number},1,2026-04-15,29333.37,1800.00",
        f"{second.contract_number},1,2026-04-20,29333.37,1800.00",  # five days late: recorded, no subsidy
    )
    counts = loan_flow.interest_file_import(content=content, filename="2026Q2.csv", by=officer, today=dt.date(2026, 4, 30))
    assert counts == {"rows": 2, "repayments": 2, "claims": 1, "already_claimed": 0, "not_eligible": 1}
    claim = SubsidyClaim.objects.get()
    assert (claim.loan_id, claim.period.number, str(claim.amount), claim.source) == (first.pk, 1, "750.00", "bank_file")
    assert LoanPeriod.objects.get(loan=second, number=1).overdue
    assert set(Loan.objects.values_list("state", flat=True)) == {LoanState.REPAYING}


def test_an_xlsx_file_is_read_the_same_way(two_loans):
    first, _, officer = two_loans
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([first.contract_number, 1, dt.datetime(2026, 4, 15), 29333.37, 1800])
    buffer = io.BytesIO()
    workbook.save(buffer)
    counts = loan_flow.interest_file_import(
        content=buffer.getvalue(), filename="2026Q2.xlsx", by=officer, today=dt.date(2026, 4, 30)
    )
    assert counts["claims"] == 1


def test_a_file_with_bad_rows_reports_each_with_its_line_and_imports_nothing(two_loans):
    first, second, officer = two_loans
    content = csv_bytes(
        f"{first.contract_number},1,2026-04-15,29333.37,1800.00",  # line 2: good
        "HT-NO-SUCH-CONTRACT,1,2026-04-15,29333.37,1800.00",  # line 3: unknown contract
        f"{first.contract_number},1,2026-04-15,29333.37,1800.00",  # line 4: duplicate of line 2
        f"{second.contract_number},1,2026-04-15,29333.37,-1800.00",  # line 5: negative
        f"{second.contract_number},2,2026-07-15,29773.37,abc",  # line 6: not a number
        f"{second.contract_number},3,2028-01-15,30219.97,913.40",  # line 7: after the loan's term (ends 2027-01-15)
        f"{second.contract_number},4,2025-12-31,30673.29,460.10",  # line 8: before the disbursement
    )
    before = snapshot()
    with pytest.raises(InvalidImport) as error:
        loan_flow.interest_file_import(content=content, filename="bad.csv", by=officer, today=dt.date(2026, 4, 30))
    details = error.value.details
    assert details == [
        "Line 3: unknown contract number HT-NO-SUCH-CONTRACT.",
        f"Line 4: contract {first.contract_number} period 1 already appears on line 2.",
        "Line 5: an amount is negative.",
        "Line 6: an amount is not a number.",
        "Line 7: the date 2028-01-15 is outside the loan term 2026-01-15 to 2027-01-15.",
        "Line 8: the date 2025-12-31 is outside the loan term 2026-01-15 to 2027-01-15.",
    ]
    assert str(error.value.message) == "The file was not imported: it contains errors."
    assert snapshot() == before


def test_a_gbk_file_is_refused_with_a_clear_message(two_loans):
    first, _, officer = two_loans
    content = csv_bytes(f"{first.contract_number},1,2026-04-15,29333.37,1800.00,按期还款", encoding="gbk")
    before = snapshot()
    with pytest.raises(InvalidImport) as error:
        loan_flow.interest_file_import(content=content, filename="gbk.csv", by=officer, today=dt.date(2026, 4, 30))
    assert error.value.details == [
        "The file is encoded in GBK (or another legacy encoding); save it as UTF-8 and import it again."
    ]
    assert snapshot() == before


def test_amounts_that_differ_from_the_schedule_are_refused(two_loans):
    first, _, officer = two_loans
    before = snapshot()
    with pytest.raises(InvalidImport) as error:
        loan_flow.interest_file_import(
            content=csv_bytes(f"{first.contract_number},1,2026-04-15,29333.37,1800.01"),
            filename="x.csv",
            by=officer,
            today=dt.date(2026, 4, 30),
        )
    assert error.value.details == [
        "Line 2: principal 29333.37 and interest 1800.01 differ from the schedule (29333.37, 1800.00)."
    ]
    assert snapshot() == before


def test_the_same_file_imported_again_changes_nothing(two_loans):
    first, _, officer = two_loans
    content = csv_bytes(f"{first.contract_number},1,2026-04-15,29333.37,1800.00")
    counts = loan_flow.interest_file_import(content=content, filename="q.csv", by=officer, today=dt.date(2026, 4, 30))
    assert counts == {"rows": 1, "repayments": 1, "claims": 1, "already_claimed": 0, "not_eligible": 0}
    before = snapshot()
    again = loan_flow.interest_file_import(content=content, filename="q.csv", by=officer, today=dt.date(2026, 5, 1))
    assert again == {"rows": 1, "repayments": 0, "claims": 0, "already_claimed": 1, "not_eligible": 0}
    assert snapshot() == before


def test_a_file_overlapping_the_borrowers_own_claim_imports_the_rest(two_loans):
    first, second, officer = two_loans
    # the borrower repaid period 1 on time and claimed it in the portal before the bank's file arrived
    loan_flow.loan_repayment_record(loan=first, by=officer, period_number=1, repaid_on=dt.date(2026, 4, 15))
    borrower = first.application.applicant.user
    loan_flow.subsidy_claim_open(loan=first, period_number=1, by=borrower, today=dt.date(2026, 4, 16))
    content = csv_bytes(
        f"{first.contract_number},1,2026-04-15,29333.37,1800.00",
        f"{second.contract_number},1,2026-04-15,29333.37,1800.00",
    )
    counts = loan_flow.interest_file_import(content=content, filename="q.csv", by=officer, today=dt.date(2026, 4, 30))
    assert counts == {"rows": 2, "repayments": 1, "claims": 1, "already_claimed": 1, "not_eligible": 0}
    sources = dict(SubsidyClaim.objects.values_list("loan__contract_number", "source"))
    assert sources == {first.contract_number: "borrower", second.contract_number: "bank_file"}

    # but a different repayment date for a recorded period is an error, and nothing is imported
    before = snapshot()
    conflicting = csv_bytes(f"{first.contract_number},1,2026-04-14,29333.37,1800.00")
    with pytest.raises(InvalidImport) as error:
        loan_flow.interest_file_import(content=conflicting, filename="q.csv", by=officer, today=dt.date(2026, 5, 1))
    assert error.value.details == ["Line 2: period 1 was recorded as repaid on 2026-04-15."]
    assert snapshot() == before


def test_a_period_repaid_on_another_date_after_the_check_refuses_the_whole_file_under_the_lock(two_loans):
    # given a file checked while both periods were unpaid
    first, second, officer = two_loans
    content = csv_bytes(
        f"{first.contract_number},1,2026-04-15,29333.37,1800.00",
        f"{second.contract_number},1,2026-04-15,29333.37,1800.00",
    )
    rows = loan_services.interest_file_check(content=content, filename="q.csv", by=officer)
    # and the second loan's period 1 recorded as repaid a day earlier before the file is applied
    loan_flow.loan_repayment_record(loan=second, by=officer, period_number=1, repaid_on=dt.date(2026, 4, 14))
    before = snapshot()

    # when the checked rows are applied, the re-check under the lock refuses the file and nothing is imported
    with pytest.raises(InvalidImport) as error:
        loan_services.interest_file_apply(rows=rows, by=officer, today=dt.date(2026, 4, 30))
    assert error.value.details == ["Line 3: period 1 was recorded as repaid on 2026-04-14."]
    assert snapshot() == before


def test_another_banks_contracts_are_unknown_to_its_officer(two_loans, ls):  # noqa: F811
    first, _, _ = two_loans
    other = ls.officers[ls.banks["yhrcb"].pk]
    with pytest.raises(InvalidImport) as error:
        loan_flow.interest_file_import(
            content=csv_bytes(f"{first.contract_number},1,2026-04-15,29333.37,1800.00"),
            filename="x.csv",
            by=other,
            today=dt.date(2026, 4, 30),
        )
    assert error.value.details == [f"Line 2: unknown contract number {first.contract_number}."]
    with pytest.raises(PermissionDenied):
        loan_flow.interest_file_import(content=b"", filename="x.csv", by=ls.staff.district_reviewer, today=dt.date(2026, 4, 30))
