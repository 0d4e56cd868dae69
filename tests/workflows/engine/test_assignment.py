"""Only a user allowed to execute a task may claim it or be assigned it (workflows.engine.assignment), through the
service and through viewflow's own assign page."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import translation
from viewflow.workflow.status import STATUS

from cases.constants import ReviewLevel, Role
from cases.exceptions import PermissionDenied
from cases.models import AuditEntry
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from workflows.engine import steps as flow_services
from workflows.engine.assignment import task_may_execute
from workflows.engine.claims import task_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_town(programme, community, staff, rng):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    return advance(application, staff, through=ReviewLevel.COMMUNITY)


def assign_url(task) -> str:
    return f"/startup/{task.process_id}/{task.flow_task.name}/{task.pk}/assign/"


def test_only_the_town_reviewer_of_the_case_may_execute_the_town_review(
    at_town, staff, community, other_town_reviewer, applicant_user
):
    task = flow_services.open_task(application=at_town)
    town_reviewer = staff.town[community.parent_id]
    colleague = make_user("cangqian-2", Role.TOWN_REVIEWER, town_reviewer.org_unit)
    expert = make_user("expert-1", Role.EXPERT, staff.district_reviewer.org_unit)
    bank = make_user("bank-1", Role.BANK_OFFICER, staff.district_reviewer.org_unit)

    allowed = {
        user.username: task_may_execute(user=user, task=task)
        for user in (town_reviewer, colleague, other_town_reviewer, staff.district_reviewer, staff.approver, expert, bank)
    }
    assert allowed == {
        town_reviewer.username: True,
        "cangqian-2": True,
        "other-town": False,  # another unit
        staff.district_reviewer.username: False,  # sees the case, another role
        staff.approver.username: False,
        "expert-1": False,
        "bank-1": False,
    }
    assert task_may_execute(user=applicant_user, task=task) is False
    node = task.flow_task
    assert [node.can_assign(u, task) for u in (town_reviewer, other_town_reviewer, staff.district_reviewer)] == [
        True,
        False,
        False,
    ]


def test_assigning_to_a_reviewer_of_another_unit_is_refused_in_chinese_and_changes_nothing(
    at_town, staff, community, other_town_reviewer
):
    task = flow_services.open_task(application=at_town)
    town_reviewer = staff.town[community.parent_id]
    audit_rows = AuditEntry.objects.count()
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refused:
        task_assign(task_id=task.pk, to=other_town_reviewer, by=town_reviewer)
    with translation.override("zh-hans"):
        assert str(refused.value.message) == (
            f"{other_town_reviewer.get_full_name() or other_town_reviewer.get_username()} 无权办理此任务（其他单位或其他角色），未予分派。"
        )
    with pytest.raises(PermissionDenied):
        task_assign(task_id=task.pk, to=staff.district_reviewer, by=town_reviewer)
    task.refresh_from_db()
    assert (task.status, task.owner_id, AuditEntry.objects.count()) == (STATUS.NEW, None, audit_rows)


def test_a_colleague_of_the_same_unit_may_be_assigned(at_town, staff, community):
    task = flow_services.open_task(application=at_town)
    town_reviewer = staff.town[community.parent_id]
    colleague = make_user("cangqian-2", Role.TOWN_REVIEWER, town_reviewer.org_unit)
    task_assign(task_id=task.pk, to=colleague, by=town_reviewer)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, colleague.pk)


def test_a_user_of_another_unit_may_not_assign_the_task_even_to_its_reviewer(at_town, staff, community, other_town_reviewer):
    task = flow_services.open_task(application=at_town)
    with pytest.raises(PermissionDenied):
        task_assign(task_id=task.pk, to=staff.town[community.parent_id], by=other_town_reviewer)
    task.refresh_from_db()
    assert task.owner_id is None


def test_a_reviewer_given_the_approve_permission_can_neither_claim_nor_execute_the_approval(programme, community, staff, rng):
    """The district reviewer who passed the case may not take its approval, even holding the approve permission:
    the real approver stays free to claim it."""
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.DISTRICT)
    reviewer = staff.district_reviewer
    reviewer.user_permissions.add(Permission.objects.get(codename="approve_application", content_type__app_label="cases"))
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)  # fresh permission cache
    task = flow_services.open_task(application=application)
    assert task.flow_task.name == "approve"
    assert reviewer.has_perm("cases.approve_application")

    client = Client()
    sign_in(client, reviewer)
    assert client.get(assign_url(task)).status_code == 403
    assert client.post(assign_url(task)).status_code == 403
    task.refresh_from_db()
    assert task.owner_id is None
    with pytest.raises(PermissionDenied):
        task_assign(task_id=task.pk, to=reviewer, by=staff.approver)
    assert task_may_execute(user=staff.approver, task=task) is True


def test_the_assign_page_refuses_another_unit_and_another_role_and_lets_the_reviewer_claim(
    at_town, staff, community, other_town_reviewer
):
    task = flow_services.open_task(application=at_town)
    for user in (other_town_reviewer, staff.district_reviewer):
        client = Client()
        sign_in(client, user)
        assert client.post(assign_url(task)).status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner_id is None

    client = Client()
    sign_in(client, staff.town[community.parent_id])
    response = client.post(assign_url(task))
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, staff.town[community.parent_id].pk)
