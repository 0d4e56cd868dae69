"""The programme's statistics hook: the insured people and person-months of its approved claims replace the common
count of applicants (one employer) in the district's figures."""

import pytest
from django.utils import timezone

from tests.cases.services.social_insurance.given import ABOVE_CAP, AT_MINIMUM, BELOW_CAP, employer, paid
from tests.workflows.programmes.social_insurance.test_claim_flow import (
    LI,
    Q1,
    SUN,
    WANG,
    ZHAO,
    case,
    review_through,
    row,
    submit,
)
from workflows.engine.statistics import figures_for, period_for

pytestmark = pytest.mark.django_db


def test_the_claims_people_and_person_months_count_in_the_statistics(si_programme, bureau_user, staff, community, run_on_commit):
    payer = employer(1)
    for person, amounts in ((WANG, AT_MINIMUM), (LI, ABOVE_CAP), (ZHAO, BELOW_CAP), (SUN, AT_MINIMUM)):
        paid(person, payer, Q1, amounts, by=bureau_user)
    rows = [row(WANG, "王伟", "3480.36"), row(LI, "李娜", "4680.00"), row(ZHAO, "赵敏", "3413.43"), row(SUN, "孙强", "3480.36")]
    claim = run_on_commit(submit, si_programme, payer, rows, community=community)
    run_on_commit(review_through, claim, staff, community, district_refuse={5: "劳动合同未备案"})
    application = case(claim)
    year = timezone.localtime(application.decided_at).year

    figures = figures_for(period=period_for(year=year))
    [programme] = [p for p in figures.programmes if p.code == si_programme.code]
    row_ = figures.programme_total(programme.id)
    # 王伟, 李娜, 赵敏 approved for January to March: 3 people, 9 person-months; 孙强 refused; one employer, one case
    assert (row_.cases, row_.people, row_.measures, row_.approved) == (1, 3, {"person_months": 9}, application.approved_amount)
