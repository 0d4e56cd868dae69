"""Statements per staff page, pinned: the inbox, the work queue and the programme dashboard cost the same with one row
as with ten. A change that adds a statement fails here and prints the statements of the request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from tests.auth import sign_in
from tests.lifecycle import submitted
from workflows.models import SubsidyTask

pytestmark = pytest.mark.django_db

# The request's statements: session, user, the user's unit, permissions (user and group), then the page's own reads.
EXPECTED = {"/startup/inbox/": 10, "/queue/": 9, "/startup/": 14}


def statements(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def assigned_cases(n, *, programme, community, rng, to):
    cases = [submitted(programme=programme, community=community, rng=rng)[0] for _ in range(n)]
    SubsidyTask.objects.filter(process_id__in=[c.process_id for c in cases], status=STATUS.NEW).update(
        owner=to, status=STATUS.ASSIGNED
    )
    return cases


@pytest.mark.parametrize("url", sorted(EXPECTED))
def test_a_staff_page_costs_the_same_statements_for_one_row_and_for_ten(url, programme, community, staff, rng):
    reviewer = staff.community[community.pk]
    client = Client()
    sign_in(client, reviewer)
    assigned_cases(1, programme=programme, community=community, rng=rng, to=reviewer)
    client.get(url)  # caches that live for the process (content types, flow nodes) are warm in production too
    one = statements(client, url)
    assigned_cases(9, programme=programme, community=community, rng=rng, to=reviewer)
    ten = statements(client, url)

    listing = "\n".join(f"{i + 1}. {sql}" for i, sql in enumerate(ten))
    assert len(one) == len(ten), f"{url}: {len(one)} statements with one row, {len(ten)} with ten:\n{listing}"
    assert len(ten) == EXPECTED[url], f"{url}: {len(ten)} statements (pinned: {EXPECTED[url]}):\n{listing}"
