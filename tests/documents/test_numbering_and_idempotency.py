"""Numbers are gapless and unique per issuing unit x kind x year; a retried or duplicated task issues one document.

The concurrency tests need PostgreSQL (real parallel connections); SQLite serialises every writer, so there they skip.
"""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Counter, OrgUnit, OutboxKind
from cases.services import outbox_record
from documents.models import Document
from documents.services import document_number_next
from documents.tasks import issue_owed_document
from tests.lifecycle import submitted
from tests.parallel import run_in_threads

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
