"""viewflow's stock UI shows and acts only on the tasks and processes of cases in the user's unit and below."""

import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from cases.constants import ReviewLevel
from cases.models import OrgUnit
from tests.auth import sign_in
from tests.lifecycle import advance, submitted
from workflows.engine import steps as flow_services
from workflows.engine.selectors import processes_for_user, task_visible_to, tasks_for_user
from workflows.models import SubsidyTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases_in_two_towns(programme, community, other_town_community, staff, rng):
    """A case in 仓前社区 (仓前街道) and one in 凤凰山社区 (余杭街道), both waiting for town review."""
    here, _ = submitted(programme=programme, community=community, rng=rng)
    there, _ = submitted(programme=programme, community=other_town_community, rng=rng)
    return advance(here, staff, through=ReviewLevel.COMMUNITY), advance(there, staff, through=ReviewLevel.COMMUNITY)


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def task_url(task, action: str = "") -> str:
    return f"/startup/{task.process_id}/{task.flow_task.name}/{task.pk}/{action}"


def test_task_and_process_selectors_keep_to_the_unit_and_below(cases_in_two_towns, staff, community, other_town_reviewer):
    here, there = cases_in_two_towns
    cangqian_reviewer = staff.town[community.parent_id]
    cangqian_community_officer = staff.community[community.pk]
    neighbour_community_officer = staff.community[OrgUnit.objects.get(code="330110001002").pk]  # 太炎社区, same town

    def process_ids(user):
        return set(processes_for_user(user=user).values_list("pk", flat=True))

    assert process_ids(cangqian_reviewer) == {here.process_id}
    assert process_ids(other_town_reviewer) == {there.process_id}
    assert process_ids(staff.district_reviewer) == {here.process_id, there.process_id}
    assert process_ids(cangqian_community_officer) == {here.process_id}
    assert process_ids(neighbour_community_officer) == set()
    assert process_ids(here.applicant.user) == {here.process_id}
    assert set(tasks_for_user(user=other_town_reviewer).values_list("process_id", flat=True)) == {there.process_id}

    task = flow_services.open_task(application=here)
    assert task_visible_to(user=cangqian_reviewer, process_id=here.process_id, task_id=task.pk)
    assert not task_visible_to(user=other_town_reviewer, process_id=here.process_id, task_id=task.pk)
    # a visible process with a task of another process is refused
    other_task = flow_services.open_task(application=there)
    assert not task_visible_to(user=other_town_reviewer, process_id=there.process_id, task_id=task.pk)
    assert not task_visible_to(user=cangqian_reviewer, process_id=here.process_id, task_id=other_task.pk)


def test_queue_dashboard_and_badges_show_only_the_users_unit(cases_in_two_towns, staff, community, other_town_reviewer):
    here, there = cases_in_two_towns
    here_task, there_task = flow_services.open_task(application=here), flow_services.open_task(application=there)
    for user, visible, hidden in (
        (staff.town[community.parent_id], here_task, there_task),
        (other_town_reviewer, there_task, here_task),
    ):
        client = client_for(user)
        for url in ("/startup/queue/", "/startup/", "/startup/tasks/", "/startup/flows/"):
            body = client.get(url).content.decode()
            assert f"/startup/{hidden.process_id}/" not in body, url
        queue = client.get("/startup/queue/").content.decode()
        assert task_url(visible) in queue
        assert SubsidyTask.objects.queue([type(here_task.flow_task.flow_class.instance)], user).count() == 1


def test_assign_execute_and_detail_urls_refuse_a_user_of_another_town(cases_in_two_towns, other_town_reviewer):
    here, _ = cases_in_two_towns
    task = flow_services.open_task(application=here)
    client = client_for(other_town_reviewer)
    for action in ("", "detail/", "assign/", "execute/", "unassign/", "cancel/"):
        assert client.get(task_url(task, action)).status_code == 404, action
        assert client.post(task_url(task, action), {"_confirm": "1"}).status_code == 404, action
    for url in (f"/startup/{here.process_id}/", f"/startup/{here.process_id}/cancel/", f"/startup/{here.process_id}/chart/"):
        assert client.get(url).status_code == 404, url
    # the bulk assign action only sees tasks in scope
    response = client.post("/startup/queue/assign/", {"pk": [task.pk], "_confirm": "1"})
    assert response.status_code in (200, 302)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def test_assign_url_works_for_the_reviewer_of_the_town(cases_in_two_towns, staff, community):
    here, _ = cases_in_two_towns
    task = flow_services.open_task(application=here)
    reviewer = staff.town[community.parent_id]
    response = client_for(reviewer).post(task_url(task, "assign/"), {"_continue": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, reviewer.pk)
    assert task_url(task) in client_for(reviewer).get("/startup/inbox/").content.decode()


def test_a_task_url_with_another_process_is_refused(cases_in_two_towns, staff, other_town_reviewer):
    here, there = cases_in_two_towns
    foreign_task = flow_services.open_task(application=here)
    url = f"/startup/{there.process_id}/town_review/{foreign_task.pk}/assign/"
    assert client_for(other_town_reviewer).post(url, {}).status_code == 404
    foreign_task.refresh_from_db()
    assert foreign_task.owner_id is None


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/startup/queue/", "approver"),
        ("/startup/archive/", "district_reviewer"),
        ("/startup/", "approver"),
        ("/startup/flows/", "approver"),
        ("/startup/tasks/", "approver"),
        ("/startup/inbox/", "approver"),
    ],
)
def test_list_query_counts_do_not_grow_with_the_rows(url, who, programme, community, staff, rng, django_assert_max_num_queries):
    user = getattr(staff, who)
    client = client_for(user)

    def fill(n):
        for _ in range(n):
            application, _ = submitted(programme=programme, community=community, rng=rng)
            application = advance(application, staff, through=ReviewLevel.DISTRICT)
            if url == "/startup/inbox/":
                task = flow_services.open_task(application=application)
                with task.activation() as activation:
                    activation.assign(user)

    fill(2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
        queries = len(few)
    assert client.get(url).content.decode().count("/startup/") > 2
    fill(6)
    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_guard_lets_the_users_of_the_unit_through(programme, community, staff, rng, run_on_commit):
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    application = run_on_commit(advance, application, staff, through=ReviewLevel.COMMUNITY)
    done = SubsidyTask.objects.get(process_id=application.process_id, flow_task_type="HUMAN", status=STATUS.DONE)
    open_task = flow_services.open_task(application=application)
    document = application.documents.get(kind="acceptance_notice")
    for user in (staff.town[community.parent_id], staff.district_reviewer):
        client = client_for(user)
        for url in (
            f"/startup/{application.process_id}/",
            f"/startup/{application.process_id}/chart/",
            task_url(done, "detail/"),
            task_url(open_task, "detail/"),
            f"/cases/{application.public_id}/",
            f"/documents/{document.token}/download",
        ):
            assert client.get(url).status_code == 200, (user.username, url)
    page = client_for(staff.town[community.parent_id]).get(task_url(open_task, "execute/")).content.decode()
    assert application.number in page and application.applicant.name in page


def test_the_task_form_refuses_a_user_of_the_unit_without_the_level_permission(cases_in_two_towns, staff, community):
    here, _ = cases_in_two_towns
    task = flow_services.open_task(application=here)  # town review
    assert client_for(staff.community[community.pk]).get(task_url(task, "execute/")).status_code == 403
    assert client_for(staff.town[community.parent_id]).get(task_url(task, "execute/")).status_code == 200
    assert client_for(here.applicant.user).get(f"/cases/{here.public_id}/").status_code == 403


def test_bulk_assign_takes_the_selected_tasks_in_scope_only(cases_in_two_towns, staff, community, other_town_community):
    here, there = cases_in_two_towns
    here_task, there_task = flow_services.open_task(application=here), flow_services.open_task(application=there)
    reviewer = staff.town[community.parent_id]
    response = client_for(reviewer).post("/startup/queue/assign/", {"pk": [here_task.pk, there_task.pk], "_confirm": "1"})
    assert response.status_code == 302
    here_task.refresh_from_db()
    there_task.refresh_from_db()
    assert (here_task.status, here_task.owner_id) == (STATUS.ASSIGNED, reviewer.pk)
    assert (there_task.status, there_task.owner_id) == (STATUS.NEW, None)
