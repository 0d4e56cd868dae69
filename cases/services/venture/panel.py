"""The expert panel: conflict detection, the seeded draw, seating by hand, replacement, blind scoring, outliers,
closing the panel (mean -> tier -> proposed amount)."""

import datetime as dt
import random
import secrets
import statistics
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import calendar
from cases.constants import ReviewLevel, Role, Status
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import (
    Application,
    Expert,
    PanelSeat,
    ScoreSheet,
    User,
    VentureProject,
    VentureRound,
)
from cases.models.venture import RoundStatus, SeatStatus
from cases.services.audit import audit_record
from cases.services.locks import cases_lock
from cases.services.venture.config import POINTS, _decimal, rubric_parse, sheet_total, tier_for, tiers_parse
from cases.services.venture.rounds import (
    _assert_round_manager,
    _event,
    _round_for_update,
    round_case_ids,
    round_docket,
    venture_round_open,
)


class ConflictOfInterest(PermissionDenied):
    default_message = _("The expert has a conflict of interest with a project of this round.")


class PanelIncomplete(TransitionForbidden):
    default_message = _("The panel cannot close: score sheets are missing.")


def _round_lock(round_: VentureRound) -> tuple[VentureRound, set[int]]:
    """Lock every case of the round (ascending pk), then the round row: the draw and the close write the docket's
    cases, so they take the cases first like every writer (ADR 0003). Returns the locked round and case pks."""
    locked = {application.pk for application in cases_lock(pks=round_case_ids(round_=round_))}
    return _round_for_update(round_), locked


def _docket_locked(docket: list[VentureProject], locked: set[int]) -> None:
    """A case moved into the round between reading its cases and locking them (a draw of the previous round carries
    its projects over) is not locked: refuse, and the chair presses again."""
    if any(project.application_id not in locked for project in docket):
        raise TransitionForbidden()


def _identities(projects) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """credit code -> case number, ID number -> case number, person name -> case number, for the round's projects."""
    codes: dict[str, str] = {}
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for project in projects:
        number = project.application.number
        for code in (project.application.applicant.credit_code, project.application.business_credit_code):
            if code:
                codes[code] = number
        ids[project.legal_representative_id_number] = number
        ids[project.graduate_id_number] = number
        names[project.legal_representative_name] = number
        names[project.graduate_name] = number
        for holder in project.shareholders.all():
            if holder.credit_code:
                codes[holder.credit_code] = number
            if holder.id_number:
                ids[holder.id_number] = number
                names[holder.name] = number
    return codes, ids, names


def expert_conflicts(*, expert: Expert, projects) -> list[str]:
    """Why the expert may not sit on a panel scoring these projects (empty: no conflict)."""
    codes, ids, names = _identities(projects)
    reasons = []
    for code in expert.affiliated_credit_codes:
        if code in codes:
            reasons.append(
                _("declared affiliation with enterprise %(code)s (case %(number)s)") % {"code": code, "number": codes[code]}
            )
    for relative in expert.relatives:
        hit = ids.get(relative.get("id_number", "")) or names.get(relative.get("name", ""))
        if hit:
            reasons.append(
                _("declared relative %(name)s named in case %(number)s") % {"name": relative.get("name", ""), "number": hit}
            )
    if expert.id_number in ids:
        reasons.append(_("the expert is a shareholder or representative in case %(number)s") % {"number": ids[expert.id_number]})
    return reasons


def _candidates(round_: VentureRound, projects) -> tuple[list[Expert], dict[str, list[str]]]:
    """Active pool members not yet on this round (seated or replaced), without a conflict; sorted by id."""
    used = set(round_.seats.values_list("expert_id", flat=True))
    pool = Expert.objects.filter(active=True, user__is_active=True, user__role=Role.EXPERT).exclude(pk__in=used).order_by("id")
    eligible, excluded = [], {}
    for expert in pool.select_related("user"):
        reasons = expert_conflicts(expert=expert, projects=projects)
        if reasons:
            excluded[expert.user.username] = reasons
        else:
            eligible.append(expert)
    return eligible, excluded


def _next_code(round_: VentureRound) -> str:
    return f"E{round_.seats.count() + 1:02d}"


def _next_round(round_: VentureRound, by: User) -> VentureRound:
    return venture_round_open(programme=round_.programme, by=by, chair=round_.chair, on=round_.closes_on + dt.timedelta(days=1))


@transaction.atomic
def panel_draw(*, round_: VentureRound, by: User, seed: int | None = None) -> list[PanelSeat]:
    """Draw panel_size experts at random (random.Random(seed).sample over the eligible pool sorted by id): the same
    seed over the same pool gives the same panel. Projects of the round still under review move to the next round."""
    _assert_round_manager(by)
    round_, locked = _round_lock(round_)
    if round_.status != RoundStatus.OPEN:
        raise TransitionForbidden(_("The panel of round %(code)s has already been drawn.") % {"code": round_.code})
    docket = list(round_docket(round_=round_).prefetch_related("shareholders"))
    _docket_locked(docket, locked)
    if not docket:
        raise DomainError(_("No project of this round has passed district review yet."))
    eligible, excluded = _candidates(round_, docket)
    if len(eligible) < round_.panel_size:
        raise DomainError(
            _("Only %(n)s experts without a conflict are available; the panel needs %(size)s.")
            % {"n": len(eligible), "size": round_.panel_size}
        )
    seed = secrets.randbelow(2**53) if seed is None else int(seed)
    drawn = random.Random(seed).sample(eligible, round_.panel_size)
    seats = [
        PanelSeat.objects.create(round=round_, expert=expert, code=f"E{i:02d}", draw_number=1, seated_by=by)
        for i, expert in enumerate(drawn, 1)
    ]
    # Drafts and cases still under review or correction wait for the next round; the docket's review clock pauses
    # while the panel works (it restarts at the close).
    final_or_docket = (Status.WITHDRAWN, Status.REJECTED, Status.DISTRICT_REVIEWED)
    carried = [p for p in round_.projects.select_related("application") if p.application.status not in final_or_docket]
    Application.objects.filter(pk__in=[p.application_id for p in docket]).update(deadline=None)
    if carried:
        later = _next_round(round_, by)
        VentureProject.objects.filter(pk__in=[p.pk for p in carried]).update(round=later)
    round_.seed = seed
    round_.status = RoundStatus.SCORING
    round_.drawn_at = timezone.now()
    round_.full_clean()
    round_.save(update_fields=["seed", "status", "drawn_at"])
    _event(
        round_,
        by,
        "draw",
        seed=seed,
        candidates=[e.user.username for e in eligible],
        excluded=excluded,
        drawn={s.code: s.expert.user.username for s in seats},
        docket=[p.application.number for p in docket],
        carried_over=[p.application.number for p in carried],
    )
    return seats


def _assert_no_conflict(round_: VentureRound, expert: Expert) -> None:
    reasons = expert_conflicts(expert=expert, projects=list(round_docket(round_=round_).prefetch_related("shareholders")))
    if reasons:
        raise ConflictOfInterest(
            _("%(expert)s may not sit on this panel: conflict of interest.") % {"expert": expert}, details=reasons
        )


@transaction.atomic
def panel_seat_add(*, round_: VentureRound, expert: Expert, by: User) -> PanelSeat:
    """Seat one expert by hand (when the pool is short). A conflicted expert is refused like in the draw."""
    _assert_round_manager(by)
    round_ = _round_for_update(round_)
    if round_.status != RoundStatus.SCORING:
        raise TransitionForbidden(_("Experts are seated by hand only after the draw and before the panel closes."))
    if not expert.active or expert.user.role != Role.EXPERT:
        raise DomainError(_("%(expert)s is not in the expert pool.") % {"expert": expert})
    if round_.seats.filter(expert=expert).exists():
        raise DomainError(_("%(expert)s has already been drawn for this round.") % {"expert": expert})
    _assert_no_conflict(round_, expert)
    seat = PanelSeat.objects.create(round=round_, expert=expert, code=_next_code(round_), draw_number=0, seated_by=by)
    _event(round_, by, "seat_by_hand", code=seat.code, expert=expert.user.username)
    return seat


@transaction.atomic
def panel_replace(*, seat: PanelSeat, by: User, reason: str) -> PanelSeat:
    """Replace a seated expert who has not scored yet: the replacement is drawn the same way, seeded by the round's
    seed and the draw number, so it is reproducible too."""
    _assert_round_manager(by)
    round_ = _round_for_update(seat.round)
    seat = PanelSeat.objects.select_for_update().get(pk=seat.pk)
    if round_.status != RoundStatus.SCORING or seat.status != SeatStatus.SEATED:
        raise TransitionForbidden(_("Only a seated expert of a round under scoring can be replaced."))
    if not reason.strip():
        raise DomainError(_("Give the reason for the replacement."))
    if ScoreSheet.objects.filter(round=round_, expert=seat.expert).exists():
        raise TransitionForbidden(_("An expert who has already scored cannot be replaced."))
    docket = list(round_docket(round_=round_).prefetch_related("shareholders"))
    eligible, excluded = _candidates(round_, docket)
    if not eligible:
        raise DomainError(_("No expert without a conflict is left in the pool."))
    draw_number = max(round_.seats.values_list("draw_number", flat=True)) + 1
    replacement = random.Random(f"{round_.seed}:{draw_number}").choice(eligible)
    seat.status = SeatStatus.REPLACED
    seat.replaced_reason = reason
    seat.save(update_fields=["status", "replaced_reason"])
    new_seat = PanelSeat.objects.create(
        round=round_, expert=replacement, code=_next_code(round_), draw_number=draw_number, seated_by=by
    )
    _event(
        round_,
        by,
        "replace",
        replaced=seat.code,
        reason=reason,
        draw_number=draw_number,
        candidates=[e.user.username for e in eligible],
        excluded=excluded,
        drawn={new_seat.code: replacement.user.username},
    )
    return new_seat


# --- scoring ----------------------------------------------------------------------------------


def seat_of(*, round_: VentureRound, user: User) -> PanelSeat | None:
    if not user.is_authenticated or user.role != Role.EXPERT:
        return None
    return round_.seats.filter(expert__user=user, status=SeatStatus.SEATED).select_related("expert").first()


@transaction.atomic
def score_submit(*, project: VentureProject, by: User, points: dict[str, object], comment: str = "") -> ScoreSheet:
    """One expert scores one project once. Points per criterion from 0 to its maximum; the sheet cannot be changed."""
    round_ = _round_for_update(project.round)
    seat = seat_of(round_=round_, user=by)
    if seat is None:
        raise PermissionDenied(_("You are not on the panel of round %(code)s.") % {"code": round_.code})
    if round_.status != RoundStatus.SCORING:
        raise TransitionForbidden(_("Round %(code)s is not open for scoring.") % {"code": round_.code})
    if not round_docket(round_=round_).filter(pk=project.pk).exists():
        raise TransitionForbidden(_("This project is not on the panel's docket."))
    if ScoreSheet.objects.filter(project=project, expert=seat.expert).exists():
        raise DomainError(_("You have already scored this project; a score sheet cannot be submitted twice."))
    criteria = rubric_parse(round_.rubric)
    unknown = set(points) - {c.code for c in criteria}
    if unknown:
        raise DomainError(_("Unknown criteria: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
    clean: dict[str, Decimal] = {}
    errors = []
    for criterion in criteria:
        if points.get(criterion.code) in (None, ""):
            errors.append(_("%(criterion)s: a score is required.") % {"criterion": criterion.name})
            continue
        value = _decimal(points[criterion.code], criterion.name)
        if value < 0 or value > criterion.max_points:
            errors.append(
                _("%(criterion)s: %(points)s is outside 0 to %(max)s points.")
                % {"criterion": criterion.name, "points": value, "max": criterion.max_points}
            )
        clean[criterion.code] = value
    if errors:
        raise DomainError(_("The score sheet was not saved."), details=errors)
    sheet = ScoreSheet(
        round=round_,
        project=project,
        expert=seat.expert,
        points={k: str(v) for k, v in clean.items()},
        total=sheet_total(points=clean, criteria=criteria),
        comment=comment,
    )
    try:
        with transaction.atomic():
            sheet.save()
    except IntegrityError:
        raise DomainError(_("You have already scored this project; a score sheet cannot be submitted twice.")) from None
    _event(round_, by, "score", code=seat.code, case=project.application.number)
    return sheet


def missing_sheets(*, round_: VentureRound) -> list[tuple[str, str]]:
    """(expert code, case number) for every score sheet the panel still owes."""
    seats = list(round_.seats.filter(status=SeatStatus.SEATED).order_by("code"))
    docket = list(round_docket(round_=round_))
    have = set(ScoreSheet.objects.filter(round=round_).values_list("expert_id", "project_id"))
    return [(s.code, p.application.number) for p in docket for s in seats if (s.expert_id, p.pk) not in have]


def panel_outliers(*, round_: VentureRound) -> list[ScoreSheet]:
    """Sheets whose total is further than outlier_distance from the median total of their project."""
    flagged = []
    sheets = ScoreSheet.objects.filter(round=round_, expert__seats__round=round_, expert__seats__status=SeatStatus.SEATED)
    by_project: dict[int, list[ScoreSheet]] = {}
    for sheet in sheets.select_related("project__application").order_by("project_id", "id"):
        by_project.setdefault(sheet.project_id, []).append(sheet)
    for project_sheets in by_project.values():
        median = statistics.median(s.total for s in project_sheets)
        flagged += [s for s in project_sheets if abs(s.total - median) > round_.outlier_distance]
    return flagged


def _assert_chair(round_: VentureRound, user: User) -> None:
    if round_.chair_id != user.pk:
        raise PermissionDenied(_("Only the panel chair may do this."))


@transaction.atomic
def outlier_confirm(*, sheet: ScoreSheet, by: User, note: str) -> ScoreSheet:
    round_ = _round_for_update(sheet.round)
    _assert_chair(round_, by)
    if round_.status != RoundStatus.SCORING:
        raise TransitionForbidden(_("The panel is closed."))
    if missing_sheets(round_=round_):
        raise TransitionForbidden(_("Outliers are confirmed once every score sheet is in."))
    if sheet.pk not in {s.pk for s in panel_outliers(round_=round_)}:
        raise DomainError(_("This score is not an outlier."))
    if not note.strip():
        raise DomainError(_("Note why the outlying score stands."))
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    sheet.outlier_confirmed_by = by
    sheet.outlier_confirmed_at = timezone.now()
    sheet.outlier_note = note
    sheet.save(update_fields=["outlier_confirmed_by", "outlier_confirmed_at", "outlier_note"])
    _event(round_, by, "outlier_confirmed", sheet=sheet.pk, note=note)
    return sheet


@transaction.atomic
def panel_close(*, round_: VentureRound, by: User) -> list[VentureProject]:
    """Every seated expert has scored every project and every outlier is confirmed: mean -> tier -> proposed amount.
    Lock order: the round's cases (ascending pk), the round, the docket's projects."""
    round_, locked = _round_lock(round_)
    _assert_chair(round_, by)
    if round_.status != RoundStatus.SCORING:
        raise TransitionForbidden(_("Round %(code)s is not under scoring.") % {"code": round_.code})
    missing = missing_sheets(round_=round_)
    if missing:
        raise PanelIncomplete(
            _("The panel cannot close: %(n)s score sheets are missing.") % {"n": len(missing)},
            details=[f"{code}: {number}" for code, number in missing],
        )
    unconfirmed = [s for s in panel_outliers(round_=round_) if s.outlier_confirmed_at is None]
    if unconfirmed:
        raise TransitionForbidden(
            _("%(n)s outlying scores await the chair's confirmation.") % {"n": len(unconfirmed)},
            details=[s.project.application.number for s in unconfirmed],
        )
    tiers = tiers_parse(round_.tiers)
    seated = list(round_.seats.filter(status=SeatStatus.SEATED).values_list("expert_id", flat=True))
    docket = list(round_docket(round_=round_).select_for_update(of=("self",)))
    _docket_locked(docket, locked)
    for project in docket:
        totals = list(ScoreSheet.objects.filter(project=project, expert_id__in=seated).values_list("total", flat=True))
        project.mean_score = (sum(totals, Decimal("0")) / len(totals)).quantize(POINTS, rounding=ROUND_HALF_UP)
        tier = tier_for(score=project.mean_score, tiers=tiers)
        project.tier = tier.number if tier else None
        project.proposed_amount = tier.amount if tier else None
        project.save(update_fields=["mean_score", "tier", "proposed_amount"])
        application = project.application
        application.deadline = calendar.add_working_days(
            timezone.localdate(), application.rules_in_force.days_for(ReviewLevel.APPROVAL)
        )
        application.save(update_fields=["deadline", "updated_at"])
        audit_record(
            application=application,
            by=by,
            action="panel_scored",
            from_status=application.status,
            comment=f"{round_.code}: {project.mean_score} -> {tier.amount if tier else '-'}",
        )
    round_.status = RoundStatus.CLOSED
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    _event(round_, by, "close", results={p.application.number: str(p.mean_score) for p in docket})
    return docket
