"""Context for the venture-grant documents: the panel record (scores by expert code, never by name), the approval
decision with tier and amount, the refusal with the mean score."""

from cases.constants import UnitLevel
from cases.models import Application, ScoreSheet
from cases.models.venture import SeatStatus
from cases.money import format_yuan, yuan_in_capitals
from documents.constants import DocumentKind

VENTURE_KINDS = {
    DocumentKind.VENTURE_PANEL_RECORD,
    DocumentKind.VENTURE_APPROVAL_DECISION,
    DocumentKind.VENTURE_REFUSAL_NOTICE,
}
VENTURE_DISTRICT_KINDS = VENTURE_KINDS


def _panel_rows(application: Application) -> tuple[list[dict], list[dict]]:
    project = application.venture
    round_ = project.round
    codes = dict(round_.seats.filter(status=SeatStatus.SEATED).values_list("expert_id", "code"))
    criteria = round_.rubric
    rows = []
    for sheet in ScoreSheet.objects.filter(project=project, expert_id__in=codes).order_by("id"):
        rows.append(
            {
                "code": codes[sheet.expert_id],
                "points": [sheet.points.get(c["code"], "") for c in criteria],
                "total": sheet.total,
                "outlier": sheet.outlier_confirmed_at is not None,
            }
        )
    rows.sort(key=lambda r: r["code"])
    return rows, criteria


def venture_document_context(*, kind: str, application: Application) -> dict:
    if kind not in VENTURE_KINDS:
        return {}
    project = application.venture
    context = {
        "project": project,
        "round": project.round,
        "mean_score": project.mean_score,
        "tier": project.tier,
        "proposed_yuan": format_yuan(project.proposed_amount) if project.proposed_amount else "",
    }
    if kind == DocumentKind.VENTURE_PANEL_RECORD:
        context["sheets"], context["criteria"] = _panel_rows(application)
    elif kind == DocumentKind.VENTURE_APPROVAL_DECISION:
        context["approved_yuan"] = format_yuan(application.approved_amount)
        context["approved_capitals"] = yuan_in_capitals(application.approved_amount)
        context["overridden"] = application.approved_amount != project.proposed_amount
    elif kind == DocumentKind.VENTURE_REFUSAL_NOTICE:
        last = application.opinions.order_by("-id").first()
        context["reason"] = last.opinion if last else ""
        context["appeal_body"] = f"{application.org_unit.ancestor_at(UnitLevel.DISTRICT).name}人民政府"
    return context
