"""The reviewers' work queue: rows, urgency on the working-day calendar, filters, sort, keyset paging, a fixed query
count, one-click open (claim), assignment to a colleague, and the bulk pass where every case stands on its own."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from cases.constants import Decision, ReviewLevel, Role, Status
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Application, OrgUnit
from documents.constants import DocumentKind
from documents.models import Document
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import advance
from workflows.engine import claims, simulation
from workflows.engine import steps as flow_services
from workflows.engine.queue import QueueFilter, queue_page
from workflows.models import SubsidyTask

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


def client_for(user) -> Client:
    return sign_in(Client(), user)


def waiting_for_town(*, programme, community, staff, rng, on: dt.datetime | None = None, amount=None) -> Application:
    """A case filed, submitted and accepted by its community (on the given day): it waits for town review."""
    with time_machine.travel(on or MONDAY, tick=False):
        application, user = simulation.file_draft(rng=rng, programme=programme, community=community, amount=amount)
        application = flow_services.case_submit(application=application, by=user)
        return advance(application, staff, through=ReviewLevel.COMMUNITY)


def town_task(application: Application) -> SubsidyTask:
    return flow_services.open_task(application=application, name="town_review")


@pytest.fixture
def reviewer(staff, community):
    return staff.town[community.parent_id]


@pytest.fixture
def colleague(community):
    """A second town reviewer of 仓前街道."""
    user = make_user("cangqian-town-2", Role.TOWN_REVIEWER, community.parent)
    user.first_name = "李四"
    user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def at_monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_rows_show_the_case_and_its_working_days_left_in_colour(programme, community, staff, rng, reviewer, at_monday):
    # given three cases accepted on different days: town review takes 5 working days
    overdue = waiting_for_town(programme=programme, community=community, staff=staff, rng=rng, on=MONDAY - dt.timedelta(days=14))
    soon = waiting_for_town(programme=programme, community=community, staff=staff, rng=rng, on=MONDAY - dt.timedelta(days=5))
    fresh = waiting_for_town(programme=programme, community=community, staff=staff, rng=rng)
    assert [overdue.deadline, soon.deadline, fresh.deadline] == [
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 14),
    ]

    # when the town reviewer opens the queue
    rows, more = queue_page(user=reviewer, spec=QueueFilter())
    body = client_for(reviewer).get("/queue/").content.decode()

    # then the most urgent case comes first, counted in working days, amber from 2 days left and red when overdue
    assert [(r.case.number, r.working_days_left, r.urgency) for r in rows] == [
        (overdue.number, -5, "overdue"),
        (soon.number, 2, "soon"),
        (fresh.number, 5, ""),
    ]
    assert more == ""
    cells = re.findall(r'<td class="days ([a-z]*)">(.*?)<br>', body)
    assert cells == [("overdue", "逾期 5 个工作日"), ("soon", "剩 2 个工作日，即将到期"), ("", "5")]
    # and each row names the case, the applicant with a masked ID, the community and town, programme and amount
    applicant = overdue.applicant
    assert overdue.number in body and applicant.name in body
    assert applicant.id_number[:6] + "********" + applicant.id_number[14:] in body
    assert applicant.id_number not in body
    assert "仓前社区" in body and "仓前街道" in body and programme.name in body
    assert "¥" + f"{overdue.requested_amount:,.2f}" in body


def test_filters_sort_and_keyset_pages_keep_to_the_unit(
    programme, community, other_town_community, staff, rng, reviewer, colleague, other_town_reviewer, at_monday
):
    # given seven cases in two communities of 仓前街道 with three amounts, and one in another town
    neighbour = OrgUnit.objects.get(code="330110001002")
    amounts = [Decimal("5000"), Decimal("8000"), Decimal("8000"), Decimal("8000"), Decimal("12000"), Decimal("5000")]
    here = [waiting_for_town(programme=programme, community=community, staff=staff, rng=rng, amount=amount) for amount in amounts]
    beside = waiting_for_town(programme=programme, community=neighbour, staff=staff, rng=rng, amount=Decimal("8000"))
    there = waiting_for_town(programme=programme, community=other_town_community, staff=staff, rng=rng)
    claims.task_claim(task_id=town_task(here[1]).pk, by=colleague)
    mine = claims.task_claim(task_id=town_task(here[2]).pk, by=reviewer)
    everyone = [*here, beside]

    def numbers(spec: QueueFilter, user=reviewer) -> list[str]:
        found, after = [], ""
        while True:  # three rows a page: every page by keyset, none repeated, none lost
            rows, after = queue_page(user=user, spec=spec, after=after, limit=3)
            found += [r.case.number for r in rows]
            if not after:
                return found

    by_amount = sorted(everyone, key=lambda a: (-a.requested_amount, -town_task(a).pk))
    assert numbers(QueueFilter(sort="amount", descending=True)) == [a.number for a in by_amount]
    assert numbers(QueueFilter(sort="number")) == sorted(a.number for a in everyone)
    assert set(numbers(QueueFilter())) == {a.number for a in everyone}
    assert numbers(QueueFilter(unit_path=neighbour.path)) == [beside.number]
    assert numbers(QueueFilter(programme_id=programme.pk, amount_min=Decimal("8000"), amount_max=Decimal("8000"))) == sorted(
        [here[1].number, here[2].number, here[3].number, beside.number],
        key=lambda n: town_task(Application.objects.get(number=n)).pk,
    )
    assert numbers(QueueFilter(holder="mine")) == [here[2].number]
    assert numbers(QueueFilter(holder="others")) == [here[1].number]
    assert len(numbers(QueueFilter(holder="unclaimed"))) == 5
    assert numbers(QueueFilter(status=Status.SUBMITTED)) == []
    assert numbers(QueueFilter(due="overdue")) == []
    assert len(numbers(QueueFilter(due_by=dt.date(2026, 12, 14)))) == 7
    assert numbers(QueueFilter(due_by=dt.date(2026, 12, 11))) == []
    # another town sees only its own case; a community officer sees the acceptance level only, none of these
    assert numbers(QueueFilter(), user=other_town_reviewer) == [there.number]
    assert numbers(QueueFilter(), user=staff.community[community.pk]) == []
    assert mine.owner_id == reviewer.pk

    # the page reads the same filters from the address, and its "next page" link carries the cursor
    client = client_for(reviewer)
    body = client.get("/queue/", {"unit": neighbour.pk}).content.decode()
    assert beside.number in body and here[0].number not in body
    body = client.get("/queue/", {"sort": "-amount", "amount_min": "10000"}).content.decode()
    assert here[4].number in body and here[0].number not in body and 'aria-sort="descending"' in body
    assert client.get("/queue/", {"after": "not-a-cursor", "due_by": "bad"}).status_code == 200


# session, user, the user's two permission sets, their unit, the rows (task, case, programme, applicant, community,
# town and holder in one statement), then the filter's programmes and units and the colleagues to assign to
PAGE_QUERIES = 9


def test_the_page_costs_the_same_queries_for_3_rows_and_for_12(
    programme, community, staff, rng, reviewer, at_monday, django_assert_num_queries
):
    client = client_for(reviewer)
    for _ in range(3):
        waiting_for_town(programme=programme, community=community, staff=staff, rng=rng)
    client.get("/queue/")  # the calendar's exceptions for the year are read once and kept
    with django_assert_num_queries(PAGE_QUERIES):
        body = client.get("/queue/").content.decode()
    assert body.count('name="tasks"') == 3
    for _ in range(9):
        waiting_for_town(programme=programme, community=community, staff=staff, rng=rng)
    with django_assert_num_queries(PAGE_QUERIES):
        body = client.get("/queue/", {"sort": "-amount", "holder": "unclaimed"}).content.decode()
    assert body.count('name="tasks"') == 12


def test_open_claims_the_task_and_shows_its_page_in_one_click(
    programme, community, staff, rng, reviewer, colleague, other_town_reviewer, at_monday
):
    application = waiting_for_town(programme=programme, community=community, staff=staff, rng=rng)
    task = town_task(application)
    client = client_for(reviewer)

    assert client.get(f"/queue/{application.public_id}/open/").status_code == 405
    assert client_for(other_town_reviewer).post(f"/queue/{application.public_id}/open/").status_code == 404
    assert client_for(application.applicant.user).post(f"/queue/{application.public_id}/open/").status_code == 403
    assert SubsidyTask.objects.get(pk=task.pk).owner_id is None

    response = client.post(f"/queue/{application.public_id}/open/")
    execute = f"/startup/{application.process_id}/town_review/{task.pk}/execute/"
    assert (response.status_code, response["Location"]) == (302, execute)
    assert SubsidyTask.objects.get(pk=task.pk).owner_id == reviewer.pk
    assert client.get(execute).status_code == 200
    # opening it again is the same task; a colleague finds it taken and stays on the queue with the reason
    assert client.post(f"/queue/{application.public_id}/open/")["Location"] == execute
    response = client_for(colleague).post(f"/queue/{application.public_id}/open/", follow=True)
    assert response.redirect_chain == [("/queue/", 302)]
    assert "该任务已分配给他人。" in response.content.decode()
    assert SubsidyTask.objects.get(pk=task.pk).owner_id == reviewer.pk


def test_assign_hands_tasks_to_a_colleague_allowed_to_execute_them_only(
    programme, community, staff, rng, reviewer, colleague, other_town_reviewer, at_monday
):
    first, second, held = (waiting_for_town(programme=programme, community=community, staff=staff, rng=rng) for _ in range(3))
    claims.task_claim(task_id=town_task(held).pk, by=colleague)
    community_officer = staff.community[community.pk]
    client = client_for(reviewer)

    # a user outside the colleagues offered (a community officer, another town's reviewer) is refused by the form
    for outsider in (community_officer, other_town_reviewer):
        response = client.post("/queue/bulk/", {"action": "assign", "tasks": [town_task(first).pk], "assignee": outsider.pk})
        assert response.status_code == 400
    # and by the service, with the reason, nothing changed
    for outsider in (community_officer, other_town_reviewer):
        with pytest.raises(PermissionDenied) as refused:
            claims.task_assign(task_id=town_task(first).pk, by=reviewer, to=outsider)
        assert str(refused.value.message).endswith("无权办理此任务（其他单位或其他角色），未予分派。")
    assert SubsidyTask.objects.get(pk=town_task(first).pk).owner_id is None
    assert not first.audit_entries.filter(action="town:assigned").exists()

    # when the reviewer assigns three tasks, one of which a colleague already holds
    tasks = [town_task(first).pk, town_task(second).pk, town_task(held).pk]
    response = client.post("/queue/bulk/", {"action": "assign", "tasks": tasks, "assignee": colleague.pk})

    # then two move to the colleague (audited) and the held one is reported, unchanged
    body = response.content.decode()
    assert response.status_code == 200 and "已办理 2 件，未办理 1 件。" in body
    assert [SubsidyTask.objects.get(pk=pk).owner_id for pk in tasks] == [colleague.pk, colleague.pk, colleague.pk]
    assert first.audit_entries.filter(action="town:assigned", actor=reviewer, comment="李四").count() == 1
    assert not held.audit_entries.filter(action="town:assigned").exists()
    assert re.search(rf"{held.number}</a></td>\s*<td class=\"failed\">未办理</td>\s*<td>[^<]+</td>", body)


def _snapshot(application: Application) -> tuple:
    fresh = Application.objects.get(pk=application.pk)
    tasks = list(SubsidyTask.objects.filter(process_id=fresh.process_id).order_by("id").values_list("id", "status", "owner_id"))
    return fresh.status, fresh.updated_at, fresh.audit_entries.count(), fresh.documents.count(), fresh.opinions.count(), tasks


def test_bulk_pass_decides_each_case_on_its_own_and_reports_every_outcome(
    programme, community, other_town_community, staff, rng, reviewer, colleague, monkeypatch, django_capture_on_commit_callbacks
):
    # given six cases waiting for town review, and one of another town
    with django_capture_on_commit_callbacks(execute=True):
        cases = [waiting_for_town(programme=programme, community=community, staff=staff, rng=rng) for _ in range(6)]
        there = waiting_for_town(programme=programme, community=other_town_community, staff=staff, rng=rng)
    passed_elsewhere, claimed_by_colleague, returned, breaks, *fine = cases
    task_ids = [town_task(a).pk for a in cases] + [town_task(there).pk]
    # and, after the reviewer selected them, four changed meanwhile: one decided by a colleague, one taken by a colleague,
    # one returned for correction; and the decision of one fails halfway (its document cannot be recorded)
    with django_capture_on_commit_callbacks(execute=True):
        simulation.decide(passed_elsewhere, colleague, ReviewLevel.TOWN, Decision.PASS)
        claims.task_claim(task_id=town_task(claimed_by_colleague).pk, by=colleague)
        simulation.decide(
            returned, colleague, ReviewLevel.TOWN, Decision.RETURN, items=[{"kind": "", "message": "请补充经营场所照片。"}]
        )
    untouched = {a.pk: _snapshot(a) for a in (passed_elsewhere, claimed_by_colleague, returned, breaks, there)}
    from workflows.engine import steps

    schedule = steps._schedule_decision_document

    def failing_for_one(*, application, **decision):
        if application.pk == breaks.pk:
            raise DomainError("文书登记失败。")
        schedule(application=application, **decision)

    monkeypatch.setattr(steps, "_schedule_decision_document", failing_for_one)

    # when the reviewer passes the seven selected tasks with one opinion
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(reviewer).post("/queue/bulk/", {"action": "pass", "tasks": task_ids, "opinion": "材料齐全，同意。"})

    # then the result lists every case with its outcome and reason; the other town's case is not named
    assert response.status_code == 200
    outcomes = {(o.number, o.done, o.reason) for o in response.context["outcomes"]}
    assert outcomes == {
        (passed_elsewhere.number, False, "此任务已办结。"),
        (claimed_by_colleague.number, False, "该任务已分配给他人。"),
        (returned.number, False, "此任务已办结。"),
        (breaks.number, False, "文书登记失败。"),
        ("", False, "该任务不在您的待办队列中。"),
        *((a.number, True, "") for a in fine),
    }
    assert "已办理 2 件，未办理 5 件。" in response.content.decode() and there.number not in response.content.decode()
    # and each passed case has its own audit row, opinion and review-opinion document, its task done
    for application in fine:
        application = Application.objects.get(pk=application.pk)
        assert application.status == Status.TOWN_REVIEWED
        entry = application.audit_entries.get(action="town:pass")
        assert (entry.actor_id, entry.comment, entry.from_status) == (reviewer.pk, "材料齐全，同意。", Status.ACCEPTED)
        assert application.opinions.filter(level=ReviewLevel.TOWN, reviewer=reviewer).count() == 1
        assert application.documents.filter(kind=DocumentKind.REVIEW_OPINION).count() == 1
        assert flow_services.open_task(application=application).flow_task.name == "district_review"
    # and nothing of the refused ones changed, not even half of the one that failed halfway
    assert {pk: _snapshot(Application.objects.get(pk=pk)) for pk in untouched} == untouched
    assert Document.objects.filter(application=breaks, kind=DocumentKind.REVIEW_OPINION).count() == 0


def test_bulk_without_selection_or_opinion_changes_nothing(programme, community, staff, rng, reviewer, at_monday):
    application = waiting_for_town(programme=programme, community=community, staff=staff, rng=rng)
    before = _snapshot(application)
    client = client_for(reviewer)
    for data in (
        {"action": "pass", "opinion": "同意。"},
        {"action": "pass", "tasks": [town_task(application).pk], "opinion": " "},
    ):
        response = client.post("/queue/bulk/", data)
        assert response.status_code == 400
    assert "请至少选择一个案件。" in client.post("/queue/bulk/", {"action": "pass", "opinion": "同意。"}).content.decode()
    assert _snapshot(application) == before
    with pytest.raises(DomainError):
        claims.tasks_pass(task_ids=[town_task(application).pk], by=reviewer, opinion="")
