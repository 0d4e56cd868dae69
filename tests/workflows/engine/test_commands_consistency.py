"""check_consistency catches broken states: each test corrupts one thing behind the services' back
(queryset.update / a raw write to a file) and expects a non-zero exit naming the problem."""

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line
from django.db.models import F
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases.constants import PaymentLineStatus, ReviewLevel, Status
from cases.models import Application, BudgetEnvelope, Notification, OutboxItem, OutboxKind, PaymentLine
from documents.models import Document
from tests.lifecycle import advance, submitted
from tests.workflows.engine.test_commands import CONSISTENT
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.models import SubsidyTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(programme, staff, community, rng, envelope, run_on_commit):
    """One case paid and closed (with its documents), one case waiting for community acceptance."""
    paid, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    paid = run_on_commit(advance, paid, staff, through=ReviewLevel.APPROVAL)
    batch = run_on_commit(
        flow_services.publicity_publish,
        programme=programme,
        applications=[paid],
        by=staff.approver,
        starts_on=timezone.localdate(),
    )
    run_on_commit(flow_services.publicity_close_due, today=batch.ends_on + dt.timedelta(days=1))
    run_on_commit(simulation.pay, programme, [paid], staff, set(), rng)
    waiting, _ = submitted(programme=programme, community=community, rng=rng)
    paid.refresh_from_db()
    assert paid.status == Status.CLOSED
    assert waiting.status == Status.SUBMITTED
    return paid, waiting


def check_consistency_exit(capsys) -> tuple[int, str]:
    """Run the command the way `manage.py check_consistency` does; returns (exit status, everything printed)."""
    try:
        # run_from_argv closes every connection at the end: keep the test's open transaction alive
        with mock.patch("django.core.management.base.connections.close_all"):
            execute_from_command_line(["manage.py", "check_consistency"])
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_consistent_record_passes(world, capsys):
    status, output = check_consistency_exit(capsys)
    assert status == 0
    assert output.splitlines() == CONSISTENT


def test_second_paid_line(world, capsys):
    # given a copy of the paid line as a second instalment, also paid
    paid, _ = world
    line = PaymentLine.objects.get(application=paid, status=PaymentLineStatus.PAID)
    line.pk = None
    line.instalment = 2
    line.key = f"{paid.pk}/2/1"
    line.save()

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert "payments   1 problem(s)" in output
    assert f"  - {paid.number}: status closed with 2 paid payment lines" in output
    assert "CommandError: 1 inconsistencies found." in output


def test_open_task_does_not_match_the_status(world, capsys):
    # given the waiting case's accept task marked done behind the flow's back
    _, waiting = world
    SubsidyTask.objects.filter(process_id=waiting.process_id, status=STATUS.NEW).update(status=STATUS.DONE)

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert "flows      1 problem(s)" in output
    assert f"  - {waiting.number}: status submitted expects open task accept, found []" in output


def test_status_moved_without_its_flow(world, capsys):
    # given a raw status change that skips the service (and so the flow and the audit)
    _, waiting = world
    Application.objects.filter(pk=waiting.pk).update(status=Status.TOWN_REVIEWED)

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert f"  - {waiting.number}: status town_reviewed expects open task district_review, found ['accept']" in output
    assert f"  - {waiting.number}: status town_reviewed but last audit entry says submitted" in output
    assert "CommandError: 2 inconsistencies found." in output


def test_tampered_document_file(world, capsys):
    # given one issued PDF altered on disk
    paid, _ = world
    document = Document.objects.filter(application=paid).order_by("id").first()
    with open(document.file.path, "ab") as handle:
        handle.write(b"%tampered")

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert "documents  1 problem(s)" in output
    assert f"  - document {document.number}: stored digest does not match its file" in output


def test_an_issued_document_row_deleted(world, capsys):
    # given the paid case's acceptance notice row deleted behind the services' back (the file stays)
    paid, _ = world
    notice = Document.objects.get(application=paid, kind="acceptance_notice")
    Document.objects.filter(pk=notice.pk).delete()

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert "owed       1 problem(s)" in output
    assert f"  - {paid.number}: document {notice.step_key} was issued and is missing\n" in output
    assert "numbering  1 problem(s)" in output
    assert f"  - number {notice.number} is recorded as used and no document carries it\n" in output
    assert "CommandError: 2 inconsistencies found." in output


def test_numbering_gaps_are_explained_or_reported(world, capsys):
    # given three document numbers the register no longer explains the same way: one made void with its reason, one
    # reserved by a failed attempt long ago, one value whose register row is gone
    from documents.constants import NumberStatus
    from documents.models import DocumentNumber
    from documents.numbering import document_number_reserve, document_number_void

    paid, _ = world
    notice = Document.objects.get(application=paid, kind="acceptance_notice")
    unit = notice.issuing_unit
    void = document_number_reserve(step_key="test:void", unit=unit, kind="acceptance_notice", programme_word="创")
    document_number_void(number=void.number, reason="申请人撤回，文书不再出具")
    stale = document_number_reserve(step_key="test:stale", unit=unit, kind="acceptance_notice", programme_word="创")
    DocumentNumber.objects.filter(pk=stale.pk).update(
        reserved_at=F("reserved_at") - dt.timedelta(hours=2), last_error="OSError: disk full\nmore"
    )
    lost = document_number_reserve(step_key="test:lost", unit=unit, kind="acceptance_notice", programme_word="创")
    DocumentNumber.objects.filter(pk=lost.pk).delete()

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert "numbering  2 problem(s)" in output
    assert f"  - numbers {lost.series}: value(s) {lost.value} given by the counter and not in the register\n" in output
    since = f"{timezone.localtime(stale.reserved_at - dt.timedelta(hours=2)):%Y-%m-%d %H:%M:%S}"
    assert f"  - number {stale.number} reserved for test:stale since {since}, not used: OSError: disk full\n" in output
    assert "void       1 document number(s) reserved and not used, each with its reason" in output
    assert f"  - {void.number} (test:void): 申请人撤回，文书不再出具\n" in output
    assert DocumentNumber.objects.get(pk=void.pk).status == NumberStatus.VOID
    assert "CommandError: 2 inconsistencies found." in output


def test_an_owed_notification_deleted(world, capsys):
    # given the portal message of the paid case's acceptance deleted
    paid, _ = world
    message = Notification.objects.filter(application=paid, channel="portal").order_by("id")[1]
    Notification.objects.filter(pk=message.pk).delete()

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert f"  - {paid.number}: notification {message.step_key} was delivered and its portal message is missing\n" in output
    assert "CommandError: 1 inconsistencies found." in output


def test_owed_work_still_pending_after_the_grace_period(world, settings, capsys):
    # given the waiting case's message, recorded by its submission and never delivered (its dispatch was lost),
    # now older than the grace period
    _, waiting = world
    item = OutboxItem.objects.get(application=waiting, kind=OutboxKind.NOTIFICATION, done_at__isnull=True)
    OutboxItem.objects.filter(pk=item.pk).update(
        created_at=F("created_at") - dt.timedelta(seconds=settings.OUTBOX_GRACE_SECONDS + 1)
    )

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert re.search(
        rf"^  - {waiting.number}: {item.key} owed since .+, not done after 0 failed attempt\(s\)$", output, re.MULTILINE
    )
    assert "CommandError: 1 inconsistencies found." in output


def test_envelope_counters_off_the_ledger(world, envelope, capsys):
    # given the envelope's committed counter raised by 1 yuan without a ledger entry
    BudgetEnvelope.objects.filter(pk=envelope.pk).update(committed=F("committed") + Decimal("1"))

    status, output = check_consistency_exit(capsys)

    assert status == 1
    assert "budgets    2 problem(s)" in output
    # (SQLite sums come back without the decimal places PostgreSQL keeps)
    pattern = rf"^  - envelope {envelope}: counters committed=1\.00 paid=10000\.00, ledger committed=0(\.00)? paid=10000(\.00)?$"
    assert re.search(pattern, output, re.MULTILINE)
    assert f"  - envelope {envelope}: committed 1.00 but approved cases awaiting payment hold 0\n" in output
    assert "CommandError: 2 inconsistencies found." in output


def test_call_command_raises_with_the_count(world):
    _, waiting = world
    SubsidyTask.objects.filter(process_id=waiting.process_id, status=STATUS.NEW).update(status=STATUS.CANCELED)
    with pytest.raises(Exception, match=r"^1 inconsistencies found\.$"):
        call_command("check_consistency")
