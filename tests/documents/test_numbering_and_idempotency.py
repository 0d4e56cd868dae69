"""Numbers are gapless and unique per issuing unit x kind x year; a retried or duplicated task issues one document.

The concurrency tests need PostgreSQL (real parallel connections); SQLite serialises every writer, so there they skip.
"""

import threading
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cases.models import Counter, OrgUnit, OutboxItem, OutboxKind
from cases.services import outbox_record
from documents.constants import NumberStatus
from documents.exceptions import NumberNotReserved, NumberVoidReasonMissing
from documents.models import Document, DocumentNumber
from documents.numbering import document_number_next, document_number_void
from documents.services import document_render
from documents.tasks import issue_owed_document
from tests.lifecycle import submitted
from tests.parallel import run_in_threads
from workflows.engine.consistency import check_numbering

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel connections need PostgreSQL (set DATABASE_URL to postgres://...)"
)


def year() -> int:
    return timezone.localdate().year


def owe_acceptance_notice(application, step_id: int) -> int:
    """Record the owed notice as a step would (nothing dispatched): the test delivers it itself."""
    with transaction.atomic():
        item, _ = outbox_record(
            key=f"acceptance_notice:case:{application.pk}:{step_id}",
            kind=OutboxKind.DOCUMENT,
            application_id=application.pk,
            payload={"kind": "acceptance_notice", "subject": {}},
        )
    return item.pk


class RenderFails:
    """document_render that fails the first `times` calls (a full disk, a killed renderer), then renders."""

    def __init__(self, times: int = 1) -> None:
        self.times = times
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            raise OSError("the renderer was killed")
        return document_render(**kwargs)


@pytest.mark.django_db
def test_numbers_count_per_unit_kind_and_year_and_a_rollback_gives_the_number_back(district):
    town = OrgUnit.objects.get(code="330110001")
    y = year()

    first = document_number_next(unit=district, kind="approval_decision", programme_word="创", year=y)
    second = document_number_next(unit=district, kind="approval_decision", programme_word="创", year=y)
    other_kind = document_number_next(unit=district, kind="payment_notice", programme_word="创", year=y)
    other_unit = document_number_next(unit=town, kind="approval_decision", programme_word="创", year=y)
    next_year = document_number_next(unit=district, kind="approval_decision", programme_word="创", year=y + 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        document_number_next(unit=district, kind="approval_decision", programme_word="创", year=y)
        raise RuntimeError("the document could not be stored")
    after_rollback = document_number_next(unit=district, kind="approval_decision", programme_word="创", year=y)

    assert (first, second) == (f"余人社创决〔{y}〕00001号", f"余人社创决〔{y}〕00002号")
    assert other_kind == f"余人社创拨〔{y}〕00001号"
    assert other_unit == f"仓前人社创决〔{y}〕00001号"
    assert next_year == f"余人社创决〔{y + 1}〕00001号"
    assert after_rollback == f"余人社创决〔{y}〕00003号"


@pytest.mark.django_db
def test_the_task_run_twice_issues_one_document_and_one_number(programme, community, rng, staff):
    # given an accepted case whose acceptance notice task is about to run
    application, _ = submitted(programme=programme, community=community, rng=rng)
    item_id = owe_acceptance_notice(application, 999_001)

    # when the same task is delivered twice (a retry after a lost ack)
    first = issue_owed_document(item_id)
    second = issue_owed_document(item_id)

    # then the second delivery finds the work done: one document exists and the counter moved once
    assert isinstance(first, int) and second is None
    step_id = 999_001
    assert Document.objects.filter(step_key=f"acceptance_notice:case:{application.pk}:{step_id}").count() == 1
    unit = Document.objects.get(pk=first).issuing_unit
    assert Counter.objects.get(key=f"doc:{unit.code}:acceptance_notice:创:{year()}").value == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_numbering_is_gapless_and_unique_on_postgres(district):
    # given 8 parallel connections, each drawing 6 numbers, every third draw rolled back
    y = year()
    committed: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> int:
        for draw in range(6):
            try:
                with transaction.atomic():
                    number = document_number_next(unit=district, kind="approval_decision", programme_word="创", year=y)
                    if (index + draw) % 3 == 0:
                        raise LookupError("rolled back")
                with lock:
                    committed.append(number)
            except LookupError:
                pass
        return index

    # when they run at once
    results = run_in_threads(8, work)

    # then no error, no duplicate and no gap among the committed numbers
    assert results == list(range(8))
    values = sorted(int(n.split("〕")[1][:5]) for n in committed)
    assert values == list(range(1, len(values) + 1))
    assert len(values) == 32  # 48 draws, 16 rolled back
    assert Counter.objects.get(key=f"doc:{district.code}:approval_decision:创:{y}").value == 32


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_duplicated_tasks_in_parallel_issue_one_document_on_postgres(programme, community, rng, staff):
    # given an accepted case and four workers that received the same task
    application, _ = submitted(programme=programme, community=community, rng=rng)
    item_id = owe_acceptance_notice(application, 999_002)

    # when they run it at the same moment
    results = run_in_threads(4, lambda index: issue_owed_document(item_id))

    # then one issues the document, the others find it taken or done; the counter moved once (no number burnt)
    issued = [r for r in results if r is not None]
    assert len(issued) == 1 and isinstance(issued[0], int), results
    assert Document.objects.filter(application=application, kind="acceptance_notice").count() == 1
    unit = Document.objects.get(pk=issued[0]).issuing_unit
    assert Counter.objects.get(key=f"doc:{unit.code}:acceptance_notice:创:{year()}").value == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_documents_for_different_steps_get_consecutive_numbers_on_postgres(programme, community, rng, staff):
    application, _ = submitted(programme=programme, community=community, rng=rng)

    items = [owe_acceptance_notice(application, 999_100 + index) for index in range(5)]
    results = run_in_threads(5, lambda index: issue_owed_document(items[index]))

    assert all(isinstance(r, int) for r in results), results
    numbers = sorted(Document.objects.filter(pk__in=results).values_list("number", flat=True))
    assert [n.split("〕")[1] for n in numbers] == ["00001号", "00002号", "00003号", "00004号", "00005号"]


@pytest.mark.django_db
def test_a_retry_after_a_failed_render_takes_the_number_it_reserved(programme, community, rng, staff):
    # given an owed acceptance notice whose first render fails after its number was reserved
    application, _ = submitted(programme=programme, community=community, rng=rng)
    item_id = owe_acceptance_notice(application, 999_003)
    render = RenderFails(times=1)
    with mock.patch("documents.services.document_render", render), pytest.raises(OSError):
        issue_owed_document(item_id)
    reserved = DocumentNumber.objects.get(step_key=f"acceptance_notice:case:{application.pk}:999003")
    assert (reserved.status, reserved.last_error) == (NumberStatus.RESERVED, "OSError: the renderer was killed")
    assert Document.objects.filter(application=application, kind="acceptance_notice").count() == 0

    # when the task is delivered again
    with mock.patch("documents.services.document_render", render):
        issued = issue_owed_document(item_id)

    # then the document carries the reserved number, dated the day it was reserved; the counter moved once
    document = Document.objects.get(pk=issued)
    reserved.refresh_from_db()
    assert render.calls == 2
    assert (document.number, document.issued_at) == (reserved.number, reserved.reserved_at)
    assert (reserved.status, reserved.last_error) == (NumberStatus.USED, "")
    assert Counter.objects.get(key=reserved.series).value == 1 == reserved.value
    assert OutboxItem.objects.get(pk=item_id).done_at is not None
    assert check_numbering(now=timezone.now()) == []


@pytest.mark.django_db
def test_a_number_reserved_and_never_used_is_void_with_its_reason(programme, community, rng, staff):
    # given an owed notice whose render failed after reserving number 1
    application, _ = submitted(programme=programme, community=community, rng=rng)
    item_id = owe_acceptance_notice(application, 999_004)
    with mock.patch("documents.services.document_render", RenderFails(times=1)), pytest.raises(OSError):
        issue_owed_document(item_id)
    first = DocumentNumber.objects.get(step_key=f"acceptance_notice:case:{application.pk}:999004")

    # when the number is made void (without a reason: refused, nothing changed), then with one
    with pytest.raises(NumberVoidReasonMissing):
        document_number_void(number=first.number, reason="  ")
    assert DocumentNumber.objects.get(pk=first.pk).status == NumberStatus.RESERVED
    document_number_void(number=first.number, reason="模板错误，已修正后重新出具")
    issued = Document.objects.get(pk=issue_owed_document(item_id))

    # then the document has the next number; the register explains the gap; a used or void number cannot be voided
    first.refresh_from_db()
    assert (first.status, first.void_reason, first.value) == (NumberStatus.VOID, "模板错误，已修正后重新出具", 1)
    assert first.voided_at is not None
    assert issued.number == first.number.replace("00001号", "00002号")
    assert list(DocumentNumber.objects.filter(series=first.series).values_list("value", "status")) == [
        (1, NumberStatus.VOID),
        (2, NumberStatus.USED),
    ]
    assert check_numbering(now=timezone.now()) == []
    for number in (first.number, issued.number):
        with pytest.raises(NumberNotReserved):
            document_number_void(number=number, reason="again")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_counter_is_not_locked_while_the_document_renders_on_postgres(programme, community, rng, staff):
    # given an owed notice, and a render that, from another connection, tries to lock the counter row at once
    application, _ = submitted(programme=programme, community=community, rng=rng)
    item_id = owe_acceptance_notice(application, 999_005)
    seen = {}

    def render_probing_the_counter(**kwargs):
        def probe() -> None:
            try:
                with transaction.atomic():
                    key = DocumentNumber.objects.get(number=kwargs["number"]).series
                    seen["value"] = Counter.objects.select_for_update(nowait=True).get(key=key).value
            finally:
                connections.close_all()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join(timeout=30)
        return document_render(**kwargs)

    # when the notice is issued
    with mock.patch("documents.services.document_render", render_probing_the_counter):
        issued = issue_owed_document(item_id)

    # then the other connection locked the counter during the render (nowait: no error), and saw the value taken
    assert seen == {"value": 1}
    assert Document.objects.get(pk=issued).number.endswith("00001号")
