"""Finance: co-funded envelopes, payment batches, bank files, returns, re-issue, clawback, idempotency.

Cases move only through the services (tests/lifecycle.py, workflows.engine.simulation, workflows.engine.steps)."""

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cases import services as case_services
from cases.bank_file_layouts import standard_layout
from cases.constants import ReviewLevel, Status
from cases.exceptions import DomainError, InvalidImport, PermissionDenied, SameMakerChecker, TransitionForbidden
from cases.models import (
    Application,
    AuditEntry,
    BankFileLayout,
    BudgetEntry,
    BudgetEntrySplit,
    BudgetEnvelope,
    Clawback,
    FundingSource,
    PaymentBatch,
    PaymentLine,
    PaymentReturnFile,
)
from cases.services.budget import split_by_weights
from tests.lifecycle import advance, submitted
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all, check_budgets, check_payments
from workflows.programmes.startup import simulation as startup_simulation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The assertions below compare the English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


D = Decimal


def assert_consistent():
    assert {k: v for k, v in check_all().items() if v} == {}


def approved(programme, staff, community, rng, amount: Decimal | None = None) -> Application:
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.DISTRICT)
    extra = {"amount": amount} if amount is not None else {}
    return simulation.decide(application, staff.approver, ReviewLevel.APPROVAL, "pass", **extra)


def through_publicity(programme, staff, applications):
    batch = flow_services.publicity_publish(
        programme=programme, applications=applications, by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    return [Application.objects.get(pk=a.pk) for a in applications]


def payable(programme, staff, community, rng, n=1, amount=None) -> list[Application]:
    return through_publicity(programme, staff, [approved(programme, staff, community, rng, amount) for _ in range(n)])


def exported(programme, staff, applications, fmt="csv", layout=None):
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=layout or standard_layout()
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    return batch, case_services.payment_batch_export(batch=batch, by=staff.finance_maker, fmt=fmt)


def state() -> tuple:
    """Everything finance touches, to assert that a refusal changed nothing."""
    return (
        list(Application.objects.order_by("pk").values_list("pk", "status", "bank_account_number")),
        list(PaymentBatch.objects.order_by("pk").values_list("pk", "status", "approved_by_id", "bank_file_sha256")),
        list(PaymentLine.objects.order_by("pk").values_list("pk", "status", "key", "bank_reference")),
        list(BudgetEnvelope.objects.order_by("pk").values_list("pk", "committed", "paid")),
        list(FundingSource.objects.order_by("pk").values_list("pk", "committed", "paid")),
        BudgetEntry.objects.count(),
        AuditEntry.objects.count(),
        PaymentReturnFile.objects.count(),
        list(Clawback.objects.order_by("pk").values_list("pk", "status", "recovered")),
    )


# --- the split rule -------------------------------------------------------------------------------------------


def test_split_by_largest_remainder_is_exact_and_deterministic():
    assert split_by_weights(D("100.01"), [("city", D("0.6")), ("district", D("0.4"))]) == [
        ("city", D("60.01")),
        ("district", D("40.00")),
    ]
    thirds = [("a", D("0.3333")), ("b", D("0.3333")), ("c", D("0.3334"))]
    assert split_by_weights(D("0.01"), thirds) == [("a", D("0.00")), ("b", D("0.00")), ("c", D("0.01"))]
    assert split_by_weights(D("10000.00"), thirds) == [("a", D("3333.00")), ("b", D("3333.00")), ("c", D("3334.00"))]
    # equal remainders: the earlier part (lower priority number, then id) gets the cent first
    assert split_by_weights(D("0.02"), [("a", D(1)), ("b", D(1)), ("c", D(1))]) == [
        ("a", D("0.01")),
        ("b", D("0.01")),
        ("c", D("0.00")),
    ]
    for amount in (D("0.01"), D("7.77"), D("12345.67"), D("99999.99")):
        assert sum(p for _, p in split_by_weights(amount, thirds)) == amount


# --- co-funding through the whole money path -------------------------------------------------------------------


def test_co_funded_commit_pay_and_partial_clawback_split_to_the_cent(programme, staff, community, rng, envelope):
    city, district = case_services.funding_sources_set(
        envelope=envelope, shares=[("city", "市级", D("0.6")), ("district", "区级", D("0.4"))], by=staff.finance_maker
    )
    # commit at approval: 10000.01 splits 6000.01 / 4000.00
    [application] = payable(programme, staff, community, rng, amount=D("10000.01"))
    city.refresh_from_db(), district.refresh_from_db()
    assert (city.committed, district.committed) == (D("6000.01"), D("4000.00"))

    simulation.pay(programme, [application], staff, set(), rng)
    city.refresh_from_db(), district.refresh_from_db(), envelope.refresh_from_db()
    assert (city.committed, city.paid, district.committed, district.paid) == (D("0"), D("6000.01"), D("0"), D("4000.00"))
    assert (envelope.committed, envelope.paid) == (D("0"), D("10000.01"))

    # clawback recovered in two parts: each part goes back in proportion to what each source paid
    application = Application.objects.get(pk=application.pk)
    clawback = case_services.clawback_open(
        application=application, by=staff.approver, amount=D("10000.01"), reason="虚报经营场所"
    )
    clawback = case_services.clawback_recovered(clawback=clawback, by=staff.finance_maker, amount=D("0.03"))
    assert (clawback.status, clawback.recovered) == ("open", D("0.03"))
    recover = BudgetEntry.objects.filter(kind="recover").get()
    assert sorted(recover.splits.values_list("source__code", "amount")) == [("city", D("0.02")), ("district", D("0.01"))]
    assert_consistent()
    with pytest.raises(DomainError):
        case_services.clawback_recovered(clawback=clawback, by=staff.finance_maker, amount=D("10000.00"))
    clawback = case_services.clawback_recovered(clawback=clawback, by=staff.finance_maker)
    assert (clawback.status, clawback.recovered) == ("recovered", D("10000.01"))
    city.refresh_from_db(), district.refresh_from_db(), envelope.refresh_from_db()
    assert (city.paid, district.paid, envelope.paid, envelope.committed) == (D("0"), D("0"), D("0"), D("0"))
    assert envelope.remaining == envelope.amount
    assert_consistent()


def test_rejection_by_objection_releases_each_source(programme, staff, community, rng, envelope):
    case_services.funding_sources_set(
        envelope=envelope, shares=[("city", "市级", D("0.3333")), ("district", "区级", D("0.6667"))], by=staff.finance_maker
    )
    application = approved(programme, staff, community, rng, amount=D("3000.00"))
    assert sorted(FundingSource.objects.values_list("code", "committed")) == [("city", D("999.90")), ("district", D("2000.10"))]
    flow_services.publicity_publish(
        programme=programme, applications=[application], by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.objection_record(
        application=application, by=staff.approver, objector_name="群众", objector_contact="12333", reason="未经营"
    )
    task = flow_services.open_task(application=application, name="investigate_objection")
    flow_services.task_objection_decide(task_id=task.pk, by=staff.approver, upheld=True, reason="属实")
    assert sorted(FundingSource.objects.values_list("code", "committed", "paid")) == [("city", 0, 0), ("district", 0, 0)]
    assert_consistent()


def test_consistency_check_sees_corrupted_funding_and_double_payment(programme, staff, community, rng, envelope):
    case_services.funding_sources_set(
        envelope=envelope, shares=[("city", "市级", D("0.5")), ("district", "区级", D("0.5"))], by=staff.finance_maker
    )
    [application] = payable(programme, staff, community, rng)
    simulation.pay(programme, [application], staff, set(), rng)
    assert_consistent()

    # a source's counter drifts from its ledger
    FundingSource.objects.filter(code="city").update(paid=F("paid") + 1)
    problems = check_budgets()
    assert any("source city: counters" in p for p in problems)
    assert any("sources hold" in p for p in problems)
    FundingSource.objects.filter(code="city").update(paid=F("paid") - 1)
    # a ledger split no longer adds up to its entry
    BudgetEntrySplit.objects.filter(entry__kind="pay", source__code="district").update(amount=F("amount") - 1)
    assert any("is split into" in p for p in check_budgets())
    BudgetEntrySplit.objects.filter(entry__kind="pay", source__code="district").update(amount=F("amount") + 1)
    assert check_budgets() == []
    # the same case paid twice (a second paid line slipped in past the services)
    line = PaymentLine.objects.get(application=application)
    PaymentLine.objects.filter(pk=line.pk).update(instalment=2)
    assert check_payments() == []
    PaymentLine.objects.filter(pk=line.pk).update(instalment=1)
    second = PaymentLine.objects.create(
        batch=line.batch,
        application=application,
        instalment=2,
        attempt=1,
        key="X/2/1",
        amount=line.amount,
        status="paid",
        payee_name="x",
        bank_name="x",
        account_number="123456789012",
    )
    assert check_payments() == [f"{application.number}: status closed with 2 paid payment lines"]
    second.delete()


def test_funding_shares_must_add_up_and_cannot_change_after_commitment(programme, staff, community, rng, envelope):
    before = list(FundingSource.objects.values_list("pk"))
    with pytest.raises(DomainError):
        case_services.funding_sources_set(
            envelope=envelope, shares=[("city", "市级", D("0.6")), ("district", "区级", D("0.3"))], by=staff.finance_maker
        )
    assert list(FundingSource.objects.values_list("pk")) == before
    approved(programme, staff, community, rng)
    with pytest.raises(DomainError):
        case_services.funding_sources_set(envelope=envelope, shares=[("city", "市级", D("1"))], by=staff.finance_maker)
    assert FundingSource.objects.count() == 0


# --- maker / checker and selection ----------------------------------------------------------------------------


def test_maker_cannot_approve_own_batch_and_nothing_changes(programme, staff, community, rng):
    applications = payable(programme, staff, community, rng)
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    before = state()
    with pytest.raises(SameMakerChecker):
        flow_services.payment_batch_approve(batch=batch, by=staff.finance_maker)
    assert state() == before
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    before = state()
    with pytest.raises(TransitionForbidden):  # approving twice
        flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    assert state() == before


def test_case_not_through_publicity_cannot_join_a_batch(programme, staff, community, rng):
    ready = payable(programme, staff, community, rng)
    waiting = approved(programme, staff, community, rng)
    before = state()
    # docs/access-matrix.md: a case not through publicity is not the finance office's to read, let alone to pay
    with pytest.raises(PermissionDenied):
        flow_services.payment_batch_prepare(
            programme=programme, applications=[*ready, waiting], by=staff.finance_maker, layout=standard_layout()
        )
    assert state() == before
    assert PaymentBatch.objects.count() == 0


def test_bank_account_format_check():
    for good in ("622202123456", "6222 0212 3456 7890 123", "1" * 30):
        case_services.validate_bank_account(good)
    for bad in ("62220212345", "1" * 31, "62220212345A", "６２２２０２１２３４５６", "6222-0212-3456", ""):
        with pytest.raises(DomainError):
            case_services.validate_bank_account(bad)


def test_correcting_to_a_malformed_account_is_refused_and_changes_nothing(programme, staff, community, rng):
    [application] = payable(programme, staff, community, rng)
    batch, content = exported(programme, staff, [application])
    flow_services.payment_return_import(
        batch=batch, by=staff.finance_maker, content=simulation.bank_return_file(content, {application.pk})
    )
    applicant_user = application.applicant.user
    before = state()
    with pytest.raises(DomainError):
        case_services.bank_account_correct(
            application=application, by=applicant_user, bank_name="建设银行", account_name="某", account_number="6217ABCD11112222"
        )
    assert state() == before


# --- bank files -------------------------------------------------------------------------------------------------


def test_bank_file_csv_and_xlsx_with_a_gbk_fen_layout(programme, staff, community, rng):
    layout = BankFileLayout.objects.create(
        code="icbc",
        bank_name="工商银行",
        columns=[
            {"field": "reference", "header": "业务参考号"},
            {"field": "account_number", "header": "收款账号"},
            {"field": "payee_name", "header": "收款人"},
            {"field": "amount", "header": "金额(分)"},
            {"field": "key", "header": "幂等键"},
        ],
        encoding="gbk",
        amount_format="fen",
    )
    applications = payable(programme, staff, community, rng, n=2, amount=D("12345.67"))
    batch, content = exported(programme, staff, applications, layout=layout)
    rows = list(csv.reader(io.StringIO(content.decode("gbk"))))
    lines = list(batch.lines.order_by("id"))
    assert rows[0] == ["业务参考号", "收款账号", "收款人", "金额(分)", "幂等键"]
    assert rows[1] == [
        f"PL{lines[0].pk:010d}",
        lines[0].account_number,
        lines[0].payee_name,
        "1234567",
        f"{applications[0].number}/1/1",
    ]
    assert rows[3] == ["TOTAL", "", "", "2469134", "2"]
    assert set(batch.lines.values_list("status", flat=True)) == {"sent"}
    assert default_storage.open(f"payments/bank-files/{batch.number}.csv").read() == content


def test_xlsx_amounts_are_exact_decimals_with_a_two_place_format(programme, staff, community, rng):
    applications = payable(programme, staff, community, rng, n=2, amount=D("10000.10"))
    batch, content = exported(programme, staff, applications, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == ["reference", "payee_name", "bank_name", "account_number", "amount", "case_number"]
    assert sheet.max_row == 4
    assert [sheet.cell(row=r, column=5).number_format for r in (2, 3, 4)] == ["0.00"] * 3
    assert sheet.cell(row=4, column=1).value == "TOTAL" and sheet.cell(row=4, column=6).value == "2"
    assert sheet.cell(row=2, column=4).data_type == "s"  # account numbers stay text
    # the stored XML holds the decimal text of each amount (openpyxl writes the shortest repr, exact for <= 15
    # significant digits, and amounts have at most 14): parsed as Decimal it is the amount to the cent
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    amounts = [Decimal(v) for v in re.findall(r'<c r="E\d+"[^>]*t="n"><v>([^<]+)</v>', xml)]
    assert amounts == [D("10000.10"), D("10000.10"), D("20000.20")]
    assert Decimal(str(sheet.cell(row=4, column=5).value)).quantize(D("0.01")) == D("20000.20")
    # exporting again gives the same bytes and changes nothing
    before = state()
    # a minute later (openpyxl stamps the save time, to the second, into docProps/core.xml: it must not leak through)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert case_services.payment_batch_export(batch=batch, by=staff.finance_maker, fmt="xlsx") == content
    assert state() == before


def test_crash_between_writing_the_file_and_marking_lines_leaves_no_duplicate(programme, staff, community, rng, monkeypatch):
    applications = payable(programme, staff, community, rng, n=2)
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    before = state()

    def crash(**kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(case_services.payments.batches, "_lines_mark_sent", crash)
    with pytest.raises(RuntimeError):
        case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    left_behind = default_storage.open(f"payments/bank-files/{batch.number}.csv").read()
    assert state() == before  # lines still pending, batch still approved, no digest
    assert PaymentLine.objects.count() == 2

    monkeypatch.undo()
    content = case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    assert content == left_behind
    batch.refresh_from_db()
    assert batch.status == "exported" and batch.bank_file_sha256 == hashlib.sha256(content).hexdigest()
    assert sorted(PaymentLine.objects.values_list("status", flat=True)) == ["sent", "sent"]
    # re-preparing the same cases is refused: they already have a live line
    with pytest.raises(TransitionForbidden):
        flow_services.payment_batch_prepare(
            programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
        )
    assert PaymentLine.objects.count() == 2
    assert_consistent()


# --- bank returns -----------------------------------------------------------------------------------------------


def _return_rows(content: bytes, returned: set[int]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(simulation.bank_return_file(content, returned).decode())))


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (
            lambda rows: [*rows, ["PL9999999999", "622202123456", "1.00", "paid", "", "X"]],
            "Line 4: unknown payment reference PL9999999999.",
        ),
        (
            lambda rows: [rows[0], [rows[1][0], rows[1][1], "1.00", *rows[1][3:]], rows[2]],
            "Line 2: amount or account differs from the batch.",
        ),
        (lambda rows: [*rows, rows[1]], "appears twice"),
        (lambda rows: [*rows, ["TOTAL", "", "1.00"]], "Line 4: the total 1.00 is not the sum of the lines"),
        (
            lambda rows: [rows[0], [*rows[1][:3], "returned", "", "X"], rows[2]],
            "Line 2: a returned line needs the bank's reason.",
        ),
    ],
    ids=["unknown-line", "changed-amount", "duplicate-line", "wrong-total", "return-without-reason"],
)
def test_bad_return_file_imports_nothing(corrupt, message, programme, staff, community, rng):
    applications = payable(programme, staff, community, rng, n=2)
    batch, content = exported(programme, staff, applications)
    bad = _csv(corrupt(_return_rows(content, set())))
    before = state()
    with pytest.raises(InvalidImport) as error:
        flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=bad)
    assert any(message in str(d) for d in error.value.details), error.value.details
    assert state() == before


def test_xlsx_return_with_a_correct_total_pays_and_returns(programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng, n=2)
    batch, content = exported(programme, staff, applications)
    rows = _return_rows(content, {applications[1].pk})
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([row[0], row[1], float(row[2]), *row[3:]])  # a bank writes numbers
    sheet.append(["TOTAL", "", float(sum(Decimal(r[2]) for r in rows[1:]))])
    raw = io.BytesIO()
    workbook.save(raw)
    counts = flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=raw.getvalue())
    assert counts == {"paid": 1, "returned": 1, "unchanged": 0}
    assert [Application.objects.get(pk=a.pk).status for a in applications] == [Status.CLOSED, Status.PAYMENT_RETURNED]
    assert PaymentLine.objects.get(application=applications[1]).return_reason == "账户已销户"
    assert_consistent()


def test_same_return_file_twice_changes_nothing_and_is_recorded_once(programme, staff, community, rng):
    applications = payable(programme, staff, community, rng, n=2)
    batch, content = exported(programme, staff, applications)
    returns = simulation.bank_return_file(content, {applications[0].pk})
    assert flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=returns) == {
        "paid": 1,
        "returned": 1,
        "unchanged": 0,
    }
    before = state()
    assert flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=returns) == {
        "paid": 0,
        "returned": 0,
        "unchanged": 2,
    }
    assert state() == before
    record = PaymentReturnFile.objects.get()
    assert (record.sha256, record.paid, record.returned) == (hashlib.sha256(returns).hexdigest(), 1, 1)


def test_return_then_correct_then_reissue_in_a_later_batch(programme, staff, community, rng, envelope):
    [application] = payable(programme, staff, community, rng)
    batch, content = exported(programme, staff, [application])
    flow_services.payment_return_import(
        batch=batch, by=staff.finance_maker, content=simulation.bank_return_file(content, {application.pk})
    )
    application = Application.objects.get(pk=application.pk)
    assert application.status == Status.PAYMENT_RETURNED
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid) == (application.approved_amount, D("0"))  # still committed, not paid
    case_services.bank_account_correct(
        application=application,
        by=application.applicant.user,
        bank_name="建设银行",
        account_name="某某",
        account_number="6217000011112222333",
    )
    second, content = exported(programme, staff, [application])
    assert list(PaymentLine.objects.filter(application=application).order_by("id").values_list("key", "status")) == [
        (f"{application.number}/1/1", "returned"),
        (f"{application.number}/1/2", "sent"),
    ]
    flow_services.payment_return_import(batch=second, by=staff.finance_maker, content=simulation.bank_return_file(content, set()))
    assert Application.objects.get(pk=application.pk).status == Status.CLOSED
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid) == (D("0"), application.approved_amount)
    assert PaymentBatch.objects.get(pk=batch.pk).status == "reconciled"
    assert_consistent()


def test_other_unit_officer_cannot_export_or_import(programme, staff, community, rng, other_town_reviewer):
    from cases.constants import Role
    from tests.conftest import make_user

    [application] = payable(programme, staff, community, rng)
    batch, content = exported(programme, staff, [application])
    outsider = make_user("finance-other-town", Role.FINANCE_OFFICER, other_town_reviewer.org_unit)
    before = state()
    with pytest.raises(PermissionDenied):
        case_services.payment_batch_export(batch=batch, by=outsider)
    with pytest.raises(PermissionDenied):
        flow_services.payment_return_import(batch=batch, by=outsider, content=simulation.bank_return_file(content, set()))
    assert state() == before


def test_simulation_pays_through_batches_with_co_funding_and_stays_consistent(programme, envelope, staff):
    # a co-funded envelope (city 55 %, district 45 %) that the simulation tops up as it needs
    case_services.funding_sources_set(
        envelope=envelope, shares=[("city", "市级", D("0.55")), ("district", "区级", D("0.45"))], by=staff.finance_maker
    )
    report = startup_simulation.run(cases=40, seed=11, batch_size=20)
    assert report.paid_total > 0
    assert report.outcomes["payment_returned_reissued"] + report.outcomes["clawback"] > 0
    assert_consistent()
    envelope.refresh_from_db()
    city, district = FundingSource.objects.filter(envelope=envelope).order_by("priority")
    assert city.paid + district.paid == envelope.paid
    assert city.committed + district.committed == envelope.committed
    # each paid line is one transfer of one case: never two paid lines for a case
    assert (
        PaymentLine.objects.filter(status="paid").values("application").distinct().count()
        == PaymentLine.objects.filter(status="paid").count()
    )


def test_case_with_a_malformed_account_cannot_join_a_batch(programme, staff, community, rng, monkeypatch):
    # the applicant files with a mistyped account (letters in it); filing does not check it, payment does
    monkeypatch.setattr(simulation, "bank_account", lambda rng: "6222O2123456789")
    [bad] = payable(programme, staff, community, rng)
    monkeypatch.undo()
    [good] = payable(programme, staff, community, rng)
    before = state()
    with pytest.raises(DomainError) as error:
        flow_services.payment_batch_prepare(
            programme=programme, applications=[good, bad], by=staff.finance_maker, layout=standard_layout()
        )
    assert "12 to 30 digits" in str(error.value.message)
    assert state() == before and PaymentBatch.objects.count() == 0


def test_bank_layout_must_name_known_fields_and_gbk_refuses_unencodable_names(programme, staff, community, rng):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        BankFileLayout(code="x", bank_name="x", columns=[{"field": "amount", "header": "金额"}]).full_clean()
    with pytest.raises(ValidationError):
        BankFileLayout(code="y", bank_name="y", columns=[{"field": "iban", "header": "IBAN"}]).full_clean()
    layout = BankFileLayout.objects.create(
        code="gbk",
        bank_name="农商银行",
        encoding="gbk",
        columns=[
            {"field": "reference", "header": "参考号"},
            {"field": "amount", "header": "金额"},
            {"field": "payee_name", "header": "户名"},
        ],
    )
    [application] = payable(programme, staff, community, rng)
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=[application], by=staff.finance_maker, layout=layout
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    PaymentLine.objects.filter(batch=batch).update(payee_name="王😀")  # a name GBK cannot carry (data from a bad import)
    before = state()
    with pytest.raises(DomainError):
        case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    assert state() == before
