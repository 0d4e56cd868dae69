from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from cases.constants import ProgrammeKind, Role
from cases.models import Expert, Programme, User, VentureProject
from cases.models.venture import RoundStatus, SeatStatus
from cases.services import venture as venture_services
from workflows.engine.views import TaskViewMixin
from workflows.programmes.venture import actions
from workflows.programmes.venture.forms import AwardForm, DrawForm, ReplaceForm, RoundOpenForm, ScoreForm, SeatForm

SORTS = {"score": ("-mean_score", "id"), "-score": ("mean_score", "id"), "number": ("application__number",)}


def _round_or_404(user, pk):
    return get_object_or_404(venture_services.rounds_for_user(user=user).distinct(), pk=pk)


def _chairs(user):
    """District staff who may chair a panel: reviewers and approvers of the user's district."""
    if user.org_unit_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True, org_unit=user.org_unit, role__in=[Role.DISTRICT_REVIEWER, Role.DISTRICT_APPROVER]
    ).order_by("username")


@login_required
def round_list(request):
    rounds = venture_services.rounds_for_user(user=request.user).distinct()
    programme = Programme.objects.filter(kind=ProgrammeKind.VENTURE).first()
    form = RoundOpenForm(request.POST or None, chairs=_chairs(request.user))
    if request.method == "POST" and programme is not None and form.is_valid():
        chair = get_object_or_404(_chairs(request.user), pk=form.cleaned_data["chair"])
        round_ = actions.venture_round_open(programme=programme, by=request.user, chair=chair, on=form.cleaned_data["on"])
        messages.success(request, _("Round %(code)s is open.") % {"code": round_.code})
        return redirect("venture_round", pk=round_.pk)
    can_open = programme is not None and request.user.has_perm("cases.review_district")
    return render(request, "venture/round_list.html", {"rounds": rounds, "form": form, "can_open": can_open})


@login_required
def round_detail(request, pk):
    round_ = _round_or_404(request.user, pk)
    seat = venture_services.seat_of(round_=round_, user=request.user)
    docket = list(venture_services.round_docket(round_=round_))
    context = {"round": round_, "seat": seat, "docket": docket, "statuses": RoundStatus}
    if seat is not None:
        # An expert: their own sheets only; never the others' scores, never the others' names.
        mine = {s.project_id: s for s in venture_services.score_sheets_visible_to(user=request.user, round_=round_)}
        context["my_rows"] = [{"project": p, "sheet": mine.get(p.pk)} for p in docket]
        return render(request, "venture/expert_round.html", context)
    if request.user.role == Role.EXPERT:  # a replaced expert
        raise Http404
    projects = round_.projects.select_related("application__applicant").order_by("id")
    sort = request.GET.get("sort", "score")
    results = []
    if round_.status == RoundStatus.CLOSED:
        results = list(
            round_.projects.filter(mean_score__isnull=False)
            .select_related("application")
            .order_by(*SORTS.get(sort, SORTS["score"]))
        )
    chair = round_.chair_id == request.user.pk
    outliers = []
    if chair and round_.status == RoundStatus.SCORING and not venture_services.missing_sheets(round_=round_):
        outliers = venture_services.panel_outliers(round_=round_)
    context.update(
        projects=projects,
        progress=venture_services.scoring_progress(round_=round_),
        results=results,
        sort=sort,
        draw_form=DrawForm(),
        replace_form=ReplaceForm(seats=round_.seats.filter(status=SeatStatus.SEATED)),
        seat_form=SeatForm(experts=Expert.objects.filter(active=True).exclude(seats__round=round_).select_related("user")),
        is_chair=chair,
        outliers=outliers,
        events=round_.events.select_related("actor"),
    )
    return render(request, "venture/round_detail.html", context)


@login_required
@require_POST
def round_draw(request, pk):
    round_ = _round_or_404(request.user, pk)
    form = DrawForm(request.POST)
    if form.is_valid():
        seats = actions.panel_draw(round_=round_, by=request.user, seed=form.cleaned_data["seed"])
        messages.success(request, _("%(n)s experts drawn.") % {"n": len(seats)})
    return redirect("venture_round", pk=round_.pk)


@login_required
@require_POST
def round_replace(request, pk):
    round_ = _round_or_404(request.user, pk)
    seats = round_.seats.filter(status=SeatStatus.SEATED)
    form = ReplaceForm(request.POST, seats=seats)
    if form.is_valid():
        seat = get_object_or_404(seats, pk=form.cleaned_data["seat"])
        new_seat = actions.panel_replace(seat=seat, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(old)s replaced by %(new)s.") % {"old": seat.code, "new": new_seat.code})
    return redirect("venture_round", pk=round_.pk)


@login_required
@require_POST
def round_seat(request, pk):
    round_ = _round_or_404(request.user, pk)
    form = SeatForm(request.POST, experts=Expert.objects.filter(active=True).select_related("user"))
    if form.is_valid():
        expert = get_object_or_404(Expert, pk=form.cleaned_data["expert"])
        seat = actions.panel_seat_add(round_=round_, expert=expert, by=request.user)
        messages.success(request, _("%(code)s seated by hand.") % {"code": seat.code})
    return redirect("venture_round", pk=round_.pk)


@login_required
@require_POST
def round_close(request, pk):
    round_ = _round_or_404(request.user, pk)
    if request.POST.get("confirm_sheet"):
        sheet = get_object_or_404(round_.sheets, pk=request.POST["confirm_sheet"])
        actions.outlier_confirm(sheet=sheet, by=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("Outlying score confirmed."))
        return redirect("venture_round", pk=round_.pk)
    projects = actions.venture_panel_close(round_=round_, by=request.user)
    messages.success(request, _("Panel closed: %(n)s projects scored.") % {"n": len(projects)})
    return redirect("venture_round", pk=round_.pk)


@login_required
def score_entry(request, pk, project_pk):
    round_ = _round_or_404(request.user, pk)
    if venture_services.seat_of(round_=round_, user=request.user) is None:
        raise Http404
    project = get_object_or_404(VentureProject.objects.select_related("application__applicant"), pk=project_pk, round=round_)
    criteria = venture_services.rubric_parse(round_.rubric)
    own = venture_services.score_sheets_visible_to(user=request.user, round_=round_).filter(project=project).first()
    form = ScoreForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and own is None and form.is_valid():
        actions.score_submit(project=project, by=request.user, points=form.points(), comment=form.cleaned_data["comment"])
        messages.success(request, _("Score sheet saved for %(number)s.") % {"number": f"P{project.pk}"})  # blind
        return redirect("venture_round", pk=round_.pk)
    return render(
        request,
        "venture/score_entry.html",
        {"round": round_, "project": project, "form": form, "own": own, "criteria": criteria},
    )


class AwardView(TaskViewMixin, FormView):
    """The award task: the panel's proposal, then confirm / override with reason / refuse."""

    form_class = AwardForm
    template_name = "venture/award.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["project"] = self.application.venture
        return context

    def form_valid(self, form):
        outcome = form.cleaned_data["outcome"]
        actions.venture_task_award(
            task_id=self.task.pk,
            by=self.request.user,
            refuse=outcome == "refuse",
            amount=form.cleaned_data.get("amount") if outcome == "override" else None,
            reason=form.cleaned_data.get("reason", ""),
        )
        messages.success(self.request, _("Decision recorded for case %(number)s.") % {"number": self.application.number})
        return redirect(self.get_success_url())
