"""On PostgreSQL, 8 connections race to complete the same 200 `accept` tasks through the real service.

The same harness runs a deliberately unlocked read-check-write of the same step on other cases: it must see
double completions, which proves the harness can catch a race when there is one.
"""

import random
import threading
import time
from collections import Counter, defaultdict
from unittest import mock

import pytest
from django.db import connection
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from cases.constants import Decision, Status
from cases.exceptions import TaskAlreadyCompleted, TransitionForbidden
from cases.models import Application, AuditEntry
from documents.constants import DocumentKind
from tests.lifecycle import submitted
from tests.parallel import run_in_threads
from workflows.engine import steps as flow_services
from workflows.models import SubsidyTask

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
CASES = 200
CONTROL_CASES = 40
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-lock races need PostgreSQL; SQLite serialises every writer")


def thread_order(task_ids: list[int], seed: int) -> list[int]:
    """The order in which thread `seed` tries the tasks: different per thread, so threads meet on every row."""
    order = list(task_ids)
    random.Random(seed).shuffle(order)
    return order


def race(attempt, task_ids: list[int]) -> dict[int, Counter]:
    """THREADS threads, each on its own connection, start together and each tries every task once."""
    outcomes: dict[int, Counter] = defaultdict(Counter)
    guard = threading.Lock()

    def run(seed: int) -> None:
        for task_id in thread_order(task_ids, seed):
            try:
                attempt(task_id)
                outcome = "done"
            except (TaskAlreadyCompleted, TransitionForbidden):
                outcome = "refused"
            except FlowLockFailed:
                outcome = "lock_failed"
            with guard:
                outcomes[task_id][outcome] += 1

    crashes = [result for result in run_in_threads(THREADS, run) if result is not None]
    assert crashes == []
    return outcomes


def accept_tasks(applications: list[Application]) -> list[int]:
    ids = [flow_services.open_task(application=a, name="accept").pk for a in applications]
    assert len(ids) == len(applications)
    return ids


def test_eight_connections_complete_each_of_200_accept_tasks_exactly_once(programme, staff, community, rng):
    # given 200 submitted cases (and 40 more for the control run), all in one community
    cases = [submitted(programme=programme, community=community, rng=rng)[0] for _ in range(CASES + CONTROL_CASES)]
    officer = staff.community[community.pk]
    locked_ids = accept_tasks(cases[:CASES])
    control_ids = accept_tasks(cases[CASES:])

    # when 8 connections race through the service, every one deciding the same way on every task
    scheduled: list[tuple[str, int]] = []

    def record(*, kind, application_id, step_id):
        scheduled.append((kind, application_id))

    def service_accept(task_id: int) -> None:
        flow_services.task_decide(task_id=task_id, by=officer, decision=Decision.PASS, opinion="材料齐全，符合条件。")

    started = time.monotonic()
    with mock.patch("workflows.engine.steps.schedule_case_document", side_effect=record):
        outcomes = race(service_accept, locked_ids)
    locked_seconds = time.monotonic() - started

    # then each task was completed exactly once and every other attempt was refused (lock failures counted)
    done = sum(c["done"] for c in outcomes.values())
    refused = sum(c["refused"] for c in outcomes.values())
    lock_failed = sum(c["lock_failed"] for c in outcomes.values())
    print(f"\nlocked run: {done} done, {refused} refused, {lock_failed} lock failures in {locked_seconds:.1f}s")
    assert sorted(outcomes) == sorted(locked_ids)
    assert [task_id for task_id, c in outcomes.items() if c["done"] != 1] == []
    assert done == CASES
    assert refused + lock_failed == CASES * (THREADS - 1)
    assert sorted(scheduled) == sorted((DocumentKind.ACCEPTANCE_NOTICE, a.pk) for a in cases[:CASES])
    # and nothing was lost: every case is accepted, with one audit row and one open town_review task
    ids = [a.pk for a in cases[:CASES]]
    assert Counter(Application.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.ACCEPTED: CASES}
    acceptances = Counter(
        AuditEntry.objects.filter(application_id__in=ids, from_status=Status.SUBMITTED, to_status=Status.ACCEPTED).values_list(
            "application_id", flat=True
        )
    )
    assert acceptances == dict.fromkeys(ids, 1)
    process_of = dict(Application.objects.filter(pk__in=ids).values_list("process_id", "pk"))
    open_tasks = Counter()
    for process_id, flow_task in SubsidyTask.objects.filter(process_id__in=process_of, status__in=OPEN).values_list(
        "process_id", "flow_task"
    ):
        open_tasks[(process_of[process_id], flow_task.name)] += 1
    assert open_tasks == {(pk, "town_review"): 1 for pk in ids}
    assert SubsidyTask.objects.filter(pk__in=locked_ids, status=STATUS.DONE).count() == CASES

    # control: the same harness on a naive read-check-write of the same step (no row lock) on the other 40 cases.
    # The gap between the check and the write that a lock would close is made certain, not left to timing: the
    # threads go in rounds, each checks its next task, all checks of a round end before any write of it begins.
    checked, written = threading.Barrier(THREADS), threading.Barrier(THREADS)

    def naive_accept(task_id: int) -> None:
        status = SubsidyTask.objects.filter(pk=task_id).values_list("status", flat=True).get()
        checked.wait(timeout=30)
        try:
            if status not in (STATUS.NEW, STATUS.ASSIGNED):
                raise TaskAlreadyCompleted()
            SubsidyTask.objects.filter(pk=task_id).update(status=STATUS.DONE)
        finally:
            written.wait(timeout=30)

    control = race(naive_accept, control_ids)
    double = sum(1 for c in control.values() if c["done"] > 1)
    extra = sum(c["done"] - 1 for c in control.values() if c["done"] > 1)
    print(f"control run: {double} of {CONTROL_CASES} tasks completed more than once ({extra} extra completions)")
    assert sum(c["done"] + c["refused"] for c in control.values()) == CONTROL_CASES * THREADS
    # each task is completed by every thread that reaches it in the first round any thread reaches it
    rounds = {seed: {task_id: n for n, task_id in enumerate(thread_order(control_ids, seed))} for seed in range(THREADS)}
    first = {task_id: min(rounds[seed][task_id] for seed in range(THREADS)) for task_id in control_ids}
    expected = {task_id: sum(rounds[seed][task_id] == first[task_id] for seed in range(THREADS)) for task_id in control_ids}
    assert {task_id: c["done"] for task_id, c in control.items()} == expected
    assert double == sum(1 for n in expected.values() if n > 1) > 0
