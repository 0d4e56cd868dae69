"""The programme's figures per town and period, computed by hand for a small first quarter of 2026. The standard:
a person-month pays at most 1,160.12 (tests.cases.services.social_insurance.given)."""

from decimal import Decimal

import pytest
from django.test import Client

from cases.constants import Role
from cases.models import Application
from cases.services.social_insurance.statistics import FiguresRow, social_insurance_figures, social_insurance_figures_for_user
from tests.auth import sign_in
from tests.cases.services.social_insurance.given import ABOVE_CAP, AT_MINIMUM, BELOW_CAP, citizen_id, employer, paid
from tests.conftest import make_user
from tests.workflows.programmes.social_insurance.test_claim_flow import (
    LI,
    Q1,
    SUN,
    WANG,
    ZHAO,
    case,
    publish_and_pass,
    review_through,
    row,
    submit,
)
from workflows.engine import simulation
from workflows.programmes.social_insurance import actions

pytestmark = pytest.mark.django_db
ZHOU = citizen_id("19870707", "041")
CANGQIAN, YUHANG = "仓前街道", "余杭街道"


def test_people_person_months_employers_and_yuan_per_town_and_period(
    si_programme, bureau_user, staff, community, other_town_community, rng
):
    first, second, third, fourth = employer(1), employer(2), employer(3), employer(4)
    paid(WANG, first, Q1, AT_MINIMUM, by=bureau_user)  # 1,160.12 a month
    paid(LI, first, Q1, ABOVE_CAP, by=bureau_user)  # 1,560.00 contributed, 1,160.12 a month
    paid(SUN, third, Q1, AT_MINIMUM, by=bureau_user)  # 1,160.12 a month
    paid(ZHAO, second, Q1, BELOW_CAP, by=bureau_user)  # 1,137.81 a month
    paid(ZHOU, fourth, Q1, AT_MINIMUM, by=bureau_user)
    # 仓前街道: the first employer (王伟, 李娜: approved, paid) and the third (孙强: approved, not paid yet)
    claim_1 = submit(si_programme, first, [row(WANG, "王伟", "3480.36"), row(LI, "李娜", "4680.00")], community=community)
    claim_3 = submit(si_programme, third, [row(SUN, "孙强", "3480.36")], community=community)
    # 余杭街道: the second employer (赵敏: approved) and the fourth (周杰: not reviewed yet, so not counted)
    claim_2 = submit(si_programme, second, [row(ZHAO, "赵敏", "3413.43")], community=other_town_community)
    submit(si_programme, fourth, [row(ZHOU, "周杰", "3480.36")], community=other_town_community)
    review_through(claim_1, staff, community)
    review_through(claim_3, staff, community)
    review_through(claim_2, staff, other_town_community)
    publish_and_pass(si_programme, staff, [case(claim_1)])
    simulation.pay(si_programme, [case(claim_1)], staff, set(), rng)
    # the agency reverses 李娜's February and March: 2 x 1,160.12 = 2,320.24 recovered
    paid(LI, first, ["202602", "202603"], ABOVE_CAP, by=bureau_user, reversal="1")
    assert [c.amount for c in actions.reversal_clawbacks_raise(by=staff.approver)] == [Decimal("2320.24")]

    cases = Application.objects.all()
    # the quarter (and the year: one quarter only)
    #   仓前街道: 王伟 3 + 李娜 3 + 孙强 3 = 9 person-months of 3 people, 2 employers;
    #             approved 9 x 1,160.12 = 10,441.08; paid 6 x 1,160.12 = 6,960.72 less 2,320.24 = 4,640.48
    #   余杭街道: 赵敏 3 x 1,137.81 = 3,413.43 approved, nothing paid; 周杰 not approved yet
    quarter = [
        FiguresRow(CANGQIAN, "2026Q1", 3, 9, 2, Decimal("10441.08"), Decimal("4640.48")),
        FiguresRow(YUHANG, "2026Q1", 1, 3, 1, Decimal("3413.43"), Decimal("0.00")),
    ]
    assert social_insurance_figures(cases=cases, period="quarter") == quarter
    assert social_insurance_figures(cases=cases, period="year") == [
        FiguresRow(r.town, "2026", *[getattr(r, f) for f in ("people", "person_months", "employers", "approved", "paid_net")])
        for r in quarter
    ]
    # each month: 仓前街道 3 people, 3 x 1,160.12 = 3,480.36 approved; paid 2 x 1,160.12 = 2,320.24 in January,
    # then 李娜's month recovered: 1 x 1,160.12 in February and March. 余杭街道: 1,137.81 approved.
    months = social_insurance_figures(cases=cases, period="month")
    assert months == [
        FiguresRow(CANGQIAN, "2026-01", 3, 3, 2, Decimal("3480.36"), Decimal("2320.24")),
        FiguresRow(YUHANG, "2026-01", 1, 1, 1, Decimal("1137.81"), Decimal("0.00")),
        FiguresRow(CANGQIAN, "2026-02", 3, 3, 2, Decimal("3480.36"), Decimal("1160.12")),
        FiguresRow(YUHANG, "2026-02", 1, 1, 1, Decimal("1137.81"), Decimal("0.00")),
        FiguresRow(CANGQIAN, "2026-03", 3, 3, 2, Decimal("3480.36"), Decimal("1160.12")),
        FiguresRow(YUHANG, "2026-03", 1, 1, 1, Decimal("1137.81"), Decimal("0.00")),
    ]
    # the months add up to the quarter: 3 x 3,480.36 = 10,441.08; 2,320.24 + 1,160.12 + 1,160.12 = 4,640.48
    assert sum((r.approved for r in months if r.town == CANGQIAN), Decimal("0")) == Decimal("10441.08")
    assert sum((r.paid_net for r in months if r.town == CANGQIAN), Decimal("0")) == Decimal("4640.48")

    # scoped like the statistics page: 仓前街道's manager sees its town only, the district's both; a reviewer nothing
    town_manager = make_user("town-manager", Role.MANAGER, community.parent)
    district_manager = make_user("district-manager", Role.MANAGER, community.parent.parent)
    assert social_insurance_figures_for_user(user=town_manager) == quarter[:1]
    assert social_insurance_figures_for_user(user=district_manager) == quarter
    assert social_insurance_figures_for_user(user=staff.district_reviewer) == []

    # the statistics page shows them, per month on request
    client = Client()
    sign_in(client, town_manager)
    page = client.get("/statistics/?si_period=month").content.decode()
    assert "社会保险补贴" in page and "2026-02" in page and "¥3,480.36" in page and "¥1,160.12" in page
    assert "余杭街道" not in page and "¥1,137.81" not in page
