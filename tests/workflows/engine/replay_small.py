"""A replay target table at a small size, counts and totals chosen by hand, for the replay's tests."""

from decimal import Decimal

from workflows.engine.replay_targets import Reference, ReportTargets, Target

YEAR = 2013
# 13 start-up cases (3 + 4 + 3 + 3) with 60 jobs: 4.6 jobs each; 60 of 300 new urban jobs: 20.0 %;
# 300 new businesses in a labour force of 1,000: 30.0 %.
SMALL = ReportTargets(
    source="hand-made",
    programmes=(
        Target("startup", "startup", "一次性创业补贴", 3, "cases", Decimal("95000.00")),
        Target("disabled", "disabled", "残疾人家庭自主创业扶持", 4, "households", Decimal("12000.00")),
        Target("venture", "venture", "大学生创业企业资助", 3, "cases", Decimal("160000.00")),
        Target("loan", "loan", "小额担保贷款", 3, "loans_lent", Decimal("700000.00"), total_field="lent"),
        Target("training", "training", "SYB创业培训", 40, "trainees", sizes={"classes": 2}),
        Target(
            "social_insurance", "social-insurance", "企业社保补贴", 12, "people", Decimal("150000.00"), sizes={"employers": 3}
        ),
    ),
    reference=Reference(
        private_enterprises=100, individual_businesses=200, labour_force=1000, residents=1500, new_employment=300, jobs=60
    ),
    indicators={
        "activity_index": Decimal("30.0"),
        "employment_contribution": Decimal("20.0"),
        "jobs_per_startup": Decimal("4.6"),
    },
)
