"""Graduate venture grants: filing with shareholders, eligibility, rounds, the expert draw, blind scoring, closing the
panel (mean score -> tier -> proposed amount) and the approver's award decision.

Rules are data on the programme (amount_rule: rubric, tiers, panel_size, outlier_distance, round_months;
eligibility_rules: graduate_within_years, graduate_capital_min_percent, business_min_months). Tier rule: a mean score
equal to a tier's min_score belongs to that tier (lower bound inclusive, upper bound exclusive).

Modules: config (rubric, tiers), rounds, filing (and eligibility), panel (draw, scoring, close), award, reads.
"""

from .award import venture_award_decide
from .config import POINTS, Criterion, Tier, round_period, rubric_parse, sheet_total, tier_for, tiers_parse
from .filing import (
    funded_before,
    venture_application_create,
    venture_eligibility_assert,
    venture_eligibility_problems,
    venture_funded_before,
)
from .panel import (
    ConflictOfInterest,
    PanelIncomplete,
    expert_conflicts,
    missing_sheets,
    outlier_confirm,
    panel_close,
    panel_draw,
    panel_outliers,
    panel_replace,
    panel_seat_add,
    score_submit,
    seat_of,
)
from .reads import rounds_for_user, score_sheets_visible_to, scoring_progress
from .rounds import round_case_ids, round_docket, venture_round_open

__all__ = [
    "POINTS",
    "ConflictOfInterest",
    "Criterion",
    "PanelIncomplete",
    "Tier",
    "expert_conflicts",
    "funded_before",
    "missing_sheets",
    "outlier_confirm",
    "panel_close",
    "panel_draw",
    "panel_outliers",
    "panel_replace",
    "panel_seat_add",
    "round_case_ids",
    "round_docket",
    "round_period",
    "rounds_for_user",
    "rubric_parse",
    "score_sheets_visible_to",
    "score_submit",
    "scoring_progress",
    "seat_of",
    "sheet_total",
    "tier_for",
    "tiers_parse",
    "venture_application_create",
    "venture_award_decide",
    "venture_eligibility_assert",
    "venture_eligibility_problems",
    "venture_funded_before",
    "venture_round_open",
]
