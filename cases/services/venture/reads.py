"""Reads: who sees which round and which scores (blind until the panel closes)."""

from django.db.models import Count, QuerySet

from cases.constants import Role
from cases.models import (
    ScoreSheet,
    User,
    VentureRound,
)
from cases.models.venture import RoundStatus, SeatStatus
from cases.services.venture.rounds import round_docket


def rounds_for_user(*, user: User) -> QuerySet[VentureRound]:
    """District staff with review or approval permission see the rounds of their district; experts see the rounds
    they are seated on; others nothing."""
    base = VentureRound.objects.select_related("programme", "chair")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == Role.EXPERT:
        return base.filter(seats__expert__user=user, seats__status=SeatStatus.SEATED)
    if user.role != Role.APPLICANT and (user.has_perm("cases.review_district") or user.has_perm("cases.approve_application")):
        return base if user.org_unit_id and user.org_unit.parent_id is None else base.none()
    return base.none()


def score_sheets_visible_to(*, user: User, round_: VentureRound) -> QuerySet[ScoreSheet]:
    """Blind scoring: an expert sees only their own sheets; the district staff of the round see none before the
    panel closes and all (by expert code) after."""
    sheets = ScoreSheet.objects.filter(round=round_).select_related("project__application", "expert")
    if not user.is_authenticated:
        return sheets.none()
    if user.role == Role.EXPERT:
        return sheets.filter(expert__user=user)
    if round_.status == RoundStatus.CLOSED and rounds_for_user(user=user).filter(pk=round_.pk).exists():
        return sheets
    return sheets.none()


def scoring_progress(*, round_: VentureRound) -> list[dict]:
    """Per seated expert code: sheets submitted out of the docket. Counts only, never scores."""
    docket = round_docket(round_=round_).count()
    counts = dict(
        ScoreSheet.objects.filter(round=round_).values_list("expert_id").annotate(n=Count("id")).values_list("expert_id", "n")
    )
    return [
        {"code": seat.code, "status": seat.status, "done": counts.get(seat.expert_id, 0), "of": docket}
        for seat in round_.seats.order_by("code")
    ]
