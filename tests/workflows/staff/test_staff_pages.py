"""Staff pages that are not flow tasks: publicity, statistics, case search. Each selector is scoped and tested."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.constants import Decision, ReviewLevel, Role, Status
from cases.models import Application, Objection, PublicityBatch
from cases.selectors import (
    applications_awaiting_publicity_for_user,
    applications_in_publicity_for_user,
    applications_search_for_user,
)
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


@pytest.fixture
def approved_here_and_there(programme, community, other_town_community, staff, rng):
    here, _ = submitted(programme=programme, community=community, rng=rng)
    there, _ = submitted(programme=programme, community=other_town_community, rng=rng)
    return advance(here, staff, through=ReviewLevel.APPROVAL), advance(there, staff, through=ReviewLevel.APPROVAL)


@pytest.fixture
def town_approver(community) -> "object":
    """A publicity manager of 仓前街道 (a town-level user holding manage_publicity)."""
    return make_user("cangqian-approver", Role.DISTRICT_APPROVER, community.parent)


def test_publicity_selectors_keep_to_the_unit_and_need_the_permission(approved_here_and_there, staff, town_approver, community):
    here, there = approved_here_and_there
    assert set(applications_awaiting_publicity_for_user(user=staff.approver)) == {here, there}
    assert list(applications_awaiting_publicity_for_user(user=town_approver)) == [here]
    assert list(applications_awaiting_publicity_for_user(user=staff.town[community.parent_id])) == []  # no permission
    assert list(applications_awaiting_publicity_for_user(user=here.applicant.user)) == []
    assert list(applications_in_publicity_for_user(user=staff.approver)) == []


def test_publicity_page_publishes_a_batch_and_records_an_objection(approved_here_and_there, staff, run_on_commit):
    here, there = approved_here_and_there
    client = client_for(staff.approver)
    page = client.get("/publicity/").content.decode()
    assert here.number in page and there.number in page
    assert f'value="{timezone.localdate().isoformat()}"' in page  # an HTML date input needs ISO, whatever the language

    response = run_on_commit(
        client.post,
        "/publicity/",
        {"action": "publish", "cases": [str(here.public_id)], "starts_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    batch = PublicityBatch.objects.get()
    assert list(batch.entries.values_list("application_id", flat=True)) == [here.pk]
    assert Application.objects.get(pk=here.pk).status == Status.IN_PUBLICITY
    assert Application.objects.get(pk=there.pk).status == Status.DISTRICT_APPROVED
    assert batch.documents.count() == 1  # the publicity list PDF, issued after commit

    response = client.post(
        "/publicity/",
        {
            "action": "objection",
            "case": str(here.public_id),
            "objector_name": "匿名",
            "objector_contact": "12333",
            "reason": "未经营",
        },
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=here.pk).status == Status.OBJECTION_RAISED
    assert Objection.objects.get().recorded_by == staff.approver
    assert flow_services.open_task(application=here).flow_task.name == "investigate_objection"


def test_publicity_page_refuses_cases_outside_the_unit_and_users_without_permission(
    approved_here_and_there, staff, town_approver, other_town_reviewer
):
    here, there = approved_here_and_there
    response = client_for(town_approver).post(
        "/publicity/", {"action": "publish", "cases": [str(there.public_id)], "starts_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    assert there.number not in response.content.decode()
    assert PublicityBatch.objects.count() == 0
    assert Application.objects.get(pk=there.pk).status == Status.DISTRICT_APPROVED
    for user in (other_town_reviewer, here.applicant.user):
        assert client_for(user).get("/publicity/").status_code == 403


def test_statistics_count_the_decided_cases_per_programme_and_town_of_the_unit(
    programme, community, other_town_community, staff, rng, district
):
    from workflows.engine.statistics import figures_for, period_for

    here, _ = submitted(programme=programme, community=community, rng=rng)
    here = advance(here, staff, through=ReviewLevel.APPROVAL)
    rejected, _ = submitted(programme=programme, community=community, rng=rng)
    simulation.decide(rejected, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.REJECT)
    submitted(programme=programme, community=other_town_community, rng=rng)  # not decided: not in the figures
    rejected.refresh_from_db()
    manager = make_user("district-manager", Role.MANAGER, district)
    town_manager = make_user("yuhang-manager", Role.MANAGER, other_town_community.parent)
    year = timezone.localdate().year

    figures = figures_for(period=period_for(year=year), user=manager)
    total = figures.grants
    assert (total.decided, total.cases) == (2, 1)
    assert total.requested == here.requested_amount + rejected.requested_amount
    assert total.approved == here.approved_amount
    assert [t.name for t in figures.towns] == ["仓前街道"]

    assert figures_for(period=period_for(year=year), user=town_manager).empty  # 余杭街道 decided nothing
    assert figures_for(period=period_for(year=year), user=staff.district_reviewer).empty  # no permission

    page = client_for(town_manager).get(f"/statistics/?year={year}")
    assert page.status_code == 200
    assert "余杭街道" in page.content.decode() and "仓前街道" not in page.content.decode()
    assert client_for(staff.district_reviewer).get("/statistics/").status_code == 403


def test_case_search_pages_by_keyset_and_keeps_to_the_unit(
    programme, community, other_town_community, staff, rng, other_town_reviewer
):
    mine = [submitted(programme=programme, community=community, rng=rng)[0] for _ in range(5)]
    theirs, _ = submitted(programme=programme, community=other_town_community, rng=rng)
    reviewer = staff.town[community.parent_id]

    seen, after = [], None
    with CaptureQueriesContext(connection) as queries:
        while True:
            rows = applications_search_for_user(user=reviewer, after_id=after, limit=2)
            page = rows[:2]
            seen += page
            if len(rows) <= 2:
                break
            after = page[-1].pk
    assert [a.pk for a in seen] == sorted((a.pk for a in mine), reverse=True)
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)

    target = mine[2]
    assert applications_search_for_user(user=reviewer, text=target.applicant.id_number) == [target]
    assert applications_search_for_user(user=reviewer, text=target.number) == [target]
    assert applications_search_for_user(user=other_town_reviewer, text=target.number) == []
    assert applications_search_for_user(user=other_town_reviewer) == [theirs]
    assert applications_search_for_user(user=target.applicant.user, status=Status.SUBMITTED) == [target]

    body = client_for(reviewer).get("/cases/", {"q": target.applicant.name}).content.decode()
    assert target.number in body and theirs.number not in body
    assert client_for(target.applicant.user).get("/cases/").status_code == 403


def test_case_list_query_count_is_fixed(programme, community, staff, rng, django_assert_max_num_queries):
    client = client_for(staff.district_reviewer)
    submitted(programme=programme, community=community, rng=rng)
    with django_assert_max_num_queries(20) as few:
        client.get("/cases/")
        queries = len(few)
    for _ in range(5):
        submitted(programme=programme, community=community, rng=rng)
    with django_assert_max_num_queries(queries):
        body = client.get("/cases/").content.decode()
    assert body.count("/cases/") >= 6
