"""The statistics pages: figures, indicators, charts and the towns' assessment of a period (managers and
administrators read their unit, docs/access-matrix.md), their XLSX and PDF exports, and the district
administrators' reference data imports and targets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cases.constants import UnitLevel
from cases.exceptions import DomainError
from cases.models import OrgUnit, ReferenceFile, TownTarget
from cases.selectors import org_units_for_user
from cases.services.reference_data import reference_data_may, reference_file_import, town_targets_set
from cases.services.social_insurance.statistics import PERIODS as SI_PERIODS
from cases.services.social_insurance.statistics import social_insurance_figures_for_user
from workflows.engine.statistics import LOAN_MEASURES, MONEY_MEASURES, figures_for
from workflows.engine.statistics_report import ROW_FIELDS, column_labels, report_for
from workflows.engine.statistics_series import budget_use, monthly_series
from workflows.staff.charts import Series, bar_chart
from workflows.staff.statistics_exports import assessment_pdf, statistics_xlsx
from workflows.staff.statistics_forms import PeriodForm, ReferenceFileForm, TargetsForm


def _reader(user) -> None:
    if not user.has_perm("cases.view_statistics") or user.org_unit_id is None:
        raise PermissionDenied


def _towns(user) -> list[OrgUnit]:
    return list(org_units_for_user(user=user).filter(level=UnitLevel.TOWN).order_by("path"))


def _report(request):
    """The period form and, when it is valid, the report of the user's scope (None otherwise)."""
    _reader(request.user)
    form = PeriodForm(request.GET, towns=_towns(request.user))
    if not form.is_valid():
        return form, None
    figures = figures_for(period=form.cleaned_data["period"], user=request.user, town=form.cleaned_data["town_unit"])
    return form, report_for(figures)


def _charts(report) -> list[dict]:
    figures = report.figures
    months = monthly_series(figures)
    grants = [p for p in figures.programmes if p.grant]
    budget = budget_use(figures)
    approved, paid, paid_net = _("Approved"), _("Paid"), _("Paid net of clawbacks")
    town_rows = [(t.name, figures.town_total(t.pk)) for t in figures.towns]
    charts = [
        ("months", _("Grants approved and paid by month"), [m.month for m in months],
         [Series(approved, [m.approved for m in months]), Series(paid, [m.paid for m in months])]),
        ("programmes", _("Grants approved by programme"), [p.name for p in grants],
         [Series(approved, [figures.programme_total(p.id).approved for p in grants])]),
        ("towns", _("Towns side by side"), [name for name, _row in town_rows],
         [Series(approved, [r.approved for _n, r in town_rows]), Series(paid_net, [r.paid_net for _n, r in town_rows])]),
        ("budget", _("Budget used against the envelope"), [b.programme for b in budget],
         [Series(_("Envelope"), [b.envelope for b in budget]), Series(_("Used (committed and paid)"), [b.used for b in budget])]),
    ]  # fmt: skip
    return [
        {
            "key": key,
            "title": title,
            "svg": bar_chart(
                key=key,
                title=title,
                desc=_("Bar chart; the table below gives the same figures."),
                categories=categories,
                series=series,
            ),  # fmt: skip
            "categories": categories,
            "series": series,
            "rows": [(category, [s.values[i] for s in series]) for i, category in enumerate(categories)],
        }
        for key, title, categories, series in charts
        if categories
    ]


@login_required
@require_safe
def statistics(request):
    form, report = _report(request)
    context = {"form": form, "report": report, "labels": column_labels(), "may_import": reference_data_may(user=request.user)}
    # the social-insurance subsidy per town and month, quarter or year (its own period links, beside the form's)
    si_period = request.GET.get("si_period")
    si_period = si_period if si_period in SI_PERIODS else "quarter"
    context.update(
        social_insurance=social_insurance_figures_for_user(user=request.user, period=si_period),
        si_period=si_period,
        si_periods=[("month", _("By month")), ("quarter", _("By quarter")), ("year", _("By year"))],
    )
    if report is not None:
        figures = report.figures
        context.update(
            figures=figures,
            programme_rows=[(p, figures.programme_total(p.id)) for p in figures.programmes],
            town_rows=[(t, figures.town_total(t.pk)) for t in figures.towns],
            loans=[(p, figures.programme_total(p.id)) for p in figures.programmes if not p.grant],
            # the loans' own measures have their section; the programme table adds the counts (person-months...)
            measure_keys=[k for k in figures.measure_keys if k not in LOAN_MEASURES and k != "people"],
            charts=_charts(report),
            query=request.GET.urlencode(),
            row_keys=ROW_FIELDS,
            money_measures=MONEY_MEASURES,
        )
    return render(request, "workflows/statistics.html", context, status=200 if report is not None else 400)


@login_required
@require_safe
def statistics_export(request, fmt: str):
    form, report = _report(request)
    if report is None:
        return render(request, "workflows/statistics.html", {"form": form, "labels": column_labels()}, status=400)
    stem = f"statistics-{report.figures.period.label}".replace(" ", "")
    if fmt == "xlsx":
        content, kind = statistics_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, kind, stem = assessment_pdf(report, unit=request.user.org_unit), "application/pdf", stem + "-assessment"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def _administrator(user) -> None:
    if not reference_data_may(user=user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reference_data(request):
    _administrator(request.user)
    form = ReferenceFileForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = reference_file_import(
                kind=form.cleaned_data["kind"], content=upload.read(), filename=upload.name, by=request.user
            )
        except DomainError as error:
            form.add_error(None, error.message)
            for detail in error.details:
                form.add_error(None, detail)
            status = 400
        else:
            messages.success(request, _("%(rows)s rows imported from %(name)s.") % {"rows": record.rows, "name": record.filename})
            return redirect("statistics_reference")
    elif request.method == "POST":
        status = 400
    files = ReferenceFile.objects.select_related("imported_by")[:20]
    return render(request, "workflows/statistics_reference.html", {"form": form, "files": files}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def town_targets(request, year: int):
    _administrator(request.user)
    towns = _towns(request.user)
    targets = {(t.town_id, t.indicator): t.target for t in TownTarget.objects.filter(year=year)}
    form = TargetsForm(request.POST or None, towns=towns, targets=targets)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            count = town_targets_set(year=year, values=form.values(), by=request.user)
        except DomainError as error:
            for detail in error.details or [error.message]:
                form.add_error(None, detail)
            status = 400
        else:
            messages.success(request, _("%(count)s targets saved for %(year)s.") % {"count": count, "year": year})
            return redirect("statistics_targets", year=year)
    return render(request, "workflows/statistics_targets.html", {"form": form, "year": year}, status=status)
