"""Tagged PDF: a structure tree and the document language, so screen readers read it in order and in Chinese."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from documents.services import document_render

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-hans"), ("en", "en")])
def test_documents_are_tagged_with_their_language(district, language, lang):
    from cases.models import Applicant, Application, Programme, ProgrammeRules

    application = Application(
        number="YH-CY-2026-000010",
        programme=Programme(
            name="一次性创业补贴", name_en="One-off start-up subsidy", current_rules=ProgrammeRules(publicity_days=5)
        ),
        applicant=Applicant(name="Li Lei"),
        org_unit=district,
    )
    context = {"case": application, "masked_identifier": "330110********1234", "approved_yuan": "¥3,000.00"}
    pdf = document_render(
        kind="approval_decision",
        number="余人社创决〔2026〕00010号",
        token="t",
        unit=district,
        context=context,
        issued_at=timezone.now(),
        language=language,
    )

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"].get_object()
    assert "/StructTreeRoot" in root
    structure = root["/StructTreeRoot"].get_object()
    assert structure["/K"]  # the tree has content
    assert root["/Lang"] == lang
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructParents" in reader.pages[0]
