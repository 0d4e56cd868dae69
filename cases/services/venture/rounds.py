"""Venture rounds: opened per period (quarterly by default) with the programme's rubric and tiers; the docket."""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.constants import Role, Status
from cases.exceptions import PermissionDenied
from cases.models import (
    Programme,
    RoundEvent,
    User,
    VentureProject,
    VentureRound,
)
from cases.models.venture import RoundStatus
from cases.services.venture.config import ROUND_MANAGER_PERMISSION, _decimal, round_period, rubric_parse, tiers_parse


def _assert_round_manager(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.role != Role.APPLICANT and user.has_perm(ROUND_MANAGER_PERMISSION)):
        raise PermissionDenied(_("Only district staff may manage venture rounds."))


def _event(round_: VentureRound, by: User | None, action: str, **detail) -> RoundEvent:
    return RoundEvent.objects.create(round=round_, actor=by, action=action, detail=detail)


def _round_for_update(round_: VentureRound) -> VentureRound:
    return VentureRound.objects.select_for_update(of=("self",)).select_related("programme").get(pk=round_.pk)


@transaction.atomic
def venture_round_open(*, programme: Programme, by: User, chair: User, on: dt.date) -> VentureRound:
    """The round whose period contains `on` (quarterly by default); created with the programme's rubric and tiers."""
    _assert_round_manager(by)
    rule = programme.amount_rule or {}
    rubric_parse(rule.get("rubric", []))
    tiers_parse(rule.get("tiers", []))
    code, start, end = round_period(on=on, months=int(rule.get("round_months", 3)))
    existing = VentureRound.objects.filter(programme=programme, code=code).first()
    if existing:
        return existing
    round_ = VentureRound(
        programme=programme,
        code=code,
        opens_on=start,
        closes_on=end,
        panel_size=int(rule.get("panel_size", 5)),
        outlier_distance=_decimal(rule.get("outlier_distance", "20"), "outlier_distance"),
        rubric=rule["rubric"],
        tiers=rule["tiers"],
        chair=chair,
    )
    round_.full_clean()
    round_.save()
    _event(round_, by, "open", code=code, chair=chair.username)
    return round_


def round_case_ids(*, round_: VentureRound) -> list[int]:
    """The pks of every case filed in the round, ascending: the draw and the close lock them all before the round
    (ADR 0003), so no case joins or leaves the docket while the panel is drawn or closed."""
    return list(
        VentureProject.objects.filter(round_id=round_.pk).order_by("application_id").values_list("application_id", flat=True)
    )


def round_docket(*, round_: VentureRound) -> QuerySet[VentureProject]:
    """The projects the panel scores: reviewed by the district and waiting for the panel (or, once closed, scored)."""
    projects = round_.projects.select_related("application__applicant")
    if round_.status == RoundStatus.CLOSED:
        return projects.filter(mean_score__isnull=False).order_by("id")
    return projects.filter(application__status=Status.DISTRICT_REVIEWED, mean_score__isnull=True).order_by("id")
