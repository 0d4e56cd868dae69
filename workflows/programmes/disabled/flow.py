"""Disabled entrepreneurs' household grant: community acceptance -> town review -> the district disabled persons'
federation's review (the district level, decided by its own reviewers: cases.review_federation) -> the bureau's
approval -> publicity -> payment through the finance batches."""

from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow.flow import Flow

from workflows.engine import views
from workflows.engine.graph import ReviewGraph
from workflows.engine.nodes import ServiceTask


class DisabledFlow(ReviewGraph, Flow):
    process_title = gettext_lazy("Disabled entrepreneur household grant")
    process_description = gettext_lazy(
        "Community acceptance, town review, review by the disabled persons' federation, approval, publicity and payment."
    )

    district_review = (
        ServiceTask(views.DecisionView.as_view())
        .Annotation(title=gettext_lazy("Disabled persons' federation review"))
        .Permission("cases.review_federation")
        .Next(this.route)
    )
