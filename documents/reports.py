"""Reports in the house layout that are not issued documents (no number, no verification code): the district's
statistics and the towns' assessment. The caller gives the figures as plain values."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import OrgUnit
from documents.constants import DocumentLanguage
from documents.rendering import render_pdf
from documents.services import _issued_on, _unit_title


def assessment_report_pdf(*, unit: OrgUnit, context: dict) -> bytes:
    """The towns' assessment of a period as a PDF: the issuing unit's header, the tables, its date."""
    language = DocumentLanguage.CHINESE
    context = {
        **context,
        "language": language,
        "issuing_unit_title": _unit_title(unit, language),
        "issued_on": _issued_on(timezone.now(), language),
    }
    with translation.override(language):
        return render_pdf(render_to_string("documents/statistics_assessment.html", context))
