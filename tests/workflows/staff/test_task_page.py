"""The reviewer's task page: the facts of the case, the required documents of this programme with the file that
counts, the previous levels' opinions by name and unit, the budget envelope beside the decision, the history with
people's names and roles."""

import re

import pytest
from django.test import Client

from cases.constants import ReviewLevel
from cases.identifiers import mask_account_number, mask_citizen_id
from cases.models import Application
from tests.auth import sign_in
from tests.lifecycle import advance, submitted
from workflows.engine import steps as flow_services
from workflows.engine.selectors import envelope_in_force

pytestmark = pytest.mark.django_db


def test_the_district_reviewer_sees_what_the_decision_needs(programme, community, staff, rng, envelope):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.TOWN)
    task = flow_services.open_task(application=application)
    client = Client()
    sign_in(client, staff.district_reviewer)

    page = client.get(f"/startup/{application.process_id}/district_review/{task.pk}/execute/")

    assert page.status_code == 200
    body = page.content.decode()
    application = Application.objects.get(pk=application.pk)
    # the facts, personal numbers masked
    assert mask_citizen_id(application.applicant.id_number) in body and application.applicant.id_number not in body
    assert mask_account_number(application.bank_account_number) in body and application.bank_account_number not in body
    assert application.business_name in body and "仓前社区 · 仓前街道" in body
    # this programme's required documents, each linked to the file that counts
    required = page.context["required"]
    assert [r.kind for r in required] == list(dict.fromkeys(application.rules.required_documents))
    for r in required:
        assert r.file is not None
        assert f"/cases/{application.public_id}/attachments/{r.file.pk}/" in body
    # the community's and the town's opinions, by whom and where
    opinions = [(o.level, o.reviewer_id) for o in page.context["opinions"]]
    assert opinions == [
        (ReviewLevel.COMMUNITY, staff.community[community.pk].pk),
        (ReviewLevel.TOWN, staff.town[community.parent_id].pk),
    ]
    town_reviewer = staff.town[community.parent_id]
    assert f"{town_reviewer.get_full_name()} (仓前街道)" in body
    # the envelope beside the decision
    remaining = envelope_in_force(application=application).remaining
    assert re.search(rf"年度预算：总额 ¥[\d,]+\.\d\d，剩余 ¥{remaining:,.2f}。", body)
    # the history names people with their roles
    assert f"{town_reviewer.get_full_name()} ({town_reviewer.get_role_display()}, 仓前街道)" in body
