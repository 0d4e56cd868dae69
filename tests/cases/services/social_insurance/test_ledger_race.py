"""Two employers file the same person-months at the same instant, on two PostgreSQL connections: the ledger's unique
constraint lets exactly one roster in; the other is refused whole with its reason and leaves nothing behind."""

import pytest
from django.db import connection

from cases.exceptions import InvalidImport
from cases.models.social_insurance import ClaimStatus, PersonMonthEntitlement, RosterRow, SocialInsuranceClaim
from cases.services.social_insurance import roster_submit, social_insurance_claim_open
from tests.cases.services.social_insurance.given import AT_MINIMUM, citizen_id, employer, paid, roster
from tests.parallel import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer"),
]

PERSON = citizen_id("19900101", "001")
ROW = [PERSON, "王伟", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""]
REASONS = (
    "第2行：该人员2026-01, 2026-02, 2026-03月份已被其他单位申报。",  # checked after the winner committed
    "保存花名册时，其中部分人月已被其他申报占用，请重新校验。",  # checked before, refused by the constraint at save
)


def test_two_employers_filing_the_same_months_at_once_leave_one_roster_in_the_ledger(si_programme, bureau_user):
    payers = [employer(1), employer(2)]
    claims = []
    for payer in payers:
        paid(PERSON, payer, ["202601", "202602", "202603"], AT_MINIMUM, by=bureau_user)
        claims.append(social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=1, by=payer.user))

    results = run_in_threads(
        2, lambda i: roster_submit(claim=claims[i], content=roster([ROW]), filename="r.csv", by=payers[i].user)
    )

    refused = [r for r in results if isinstance(r, InvalidImport)]
    assert len(refused) == 1, results
    assert refused[0].details[-1] in REASONS
    winner = payers[[isinstance(r, InvalidImport) for r in results].index(False)]
    assert list(PersonMonthEntitlement.objects.order_by().values_list("employer_id", flat=True).distinct()) == [winner.pk]
    assert (PersonMonthEntitlement.objects.count(), RosterRow.objects.count()) == (3, 1)
    assert sorted(SocialInsuranceClaim.objects.values_list("status", flat=True)) == [ClaimStatus.DRAFT, ClaimStatus.SUBMITTED]
