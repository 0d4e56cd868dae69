"""The staff case search: identifiers through their digests and unique index, names and case numbers by "contains",
short texts by the start of a name; bad input (1,000 characters, SQL wildcards, part of an ID) answers, without
error and in a bounded number of statements, nothing it should not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Applicant
from cases.selectors import applications_search_for_user
from tests.lifecycle import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(programme, community, rng):
    return [submitted(programme=programme, community=community, rng=rng)[0] for _ in range(3)]


def search(user, text):
    with CaptureQueriesContext(connection) as queries:
        rows = applications_search_for_user(user=user, text=text)
    # the user's unit, identifiers by digest, then at most three ways (number, name) and the page itself
    assert len(queries) <= 6, "\n".join(q["sql"] for q in queries.captured_queries)
    return rows


def test_identifiers_names_and_numbers_find_their_case(cases, staff, community):
    reviewer = staff.community[community.pk]
    target = cases[1]
    applicant = Applicant.objects.get(pk=target.applicant_id)
    assert search(reviewer, applicant.id_number) == [target]
    assert search(reviewer, applicant.id_number.lower()) == [target]  # a lower-case x
    assert search(reviewer, target.bank_account_number) == [target]
    assert search(reviewer, target.number) == [target]
    assert search(reviewer, target.number[-6:].lower()) == [target]  # part of the number, any case
    named = [c for c in cases if Applicant.objects.get(pk=c.applicant_id).name == applicant.name]
    assert search(reviewer, applicant.name) == sorted(named, key=lambda c: -c.pk)
    assert target in search(reviewer, applicant.name[:1])  # one character: the start of a name


def test_an_enterprise_is_found_by_its_credit_code(cases, staff, community):
    reviewer = staff.community[community.pk]
    target = cases[0]
    Applicant.objects.filter(pk=target.applicant_id).update(kind="enterprise", credit_code="92330110MA2GXXXX1X")
    assert search(reviewer, "92330110ma2gxxxx1x") == [target]


@pytest.mark.parametrize(
    "text",
    ["%", "_", "\\", "%_\\", "%%%", "___", "' OR 1=1 --", "张" * 1000, "%" * 1000, "x" * 1000, "330110"],
)
def test_bad_input_answers_nothing_it_should_not(cases, staff, community, text):
    assert search(staff.community[community.pk], text) == []


def test_part_of_an_id_is_not_a_match(cases, staff, community):
    applicant = Applicant.objects.get(pk=cases[0].applicant_id)
    assert search(staff.community[community.pk], applicant.id_number[:10]) == []
    assert search(staff.community[community.pk], applicant.id_number[:-1]) == []


def test_a_case_outside_the_unit_is_not_found(cases, staff, other_town_community):
    outsider = staff.community[other_town_community.pk]
    applicant = Applicant.objects.get(pk=cases[0].applicant_id)
    assert search(outsider, applicant.id_number) == []
    assert search(outsider, cases[0].number) == []
