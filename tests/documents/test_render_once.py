"""A document is laid out once: one WeasyPrint layout per document and one page layout per page (the page count in
the footer does not repaginate), and the long lists measure no cell before placing them (fixed table layout), so a
page costs the same at row 10 and at row 10,000. Counted with WeasyPrint's own functions wrapped, not timed."""

import hashlib
import io
from datetime import date
from types import SimpleNamespace
from unittest import mock

import pypdf
import pytest
from django.db import transaction
from django.utils import timezone
from weasyprint import document as weasy_document
from weasyprint.layout import page as weasy_page
from weasyprint.layout import preferred as weasy_preferred

from cases.models import OrgUnit, OutboxKind, Programme
from cases.services import outbox_record
from documents.contexts import in_tables
from documents.models import Document, new_token
from documents.services import document_issue_owed, document_render
from tests.lifecycle import submitted


def pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


class Passes:
    """Counts WeasyPrint's document layouts, page layouts and table-cell measurements while active."""

    def __enter__(self):
        self.layouts = mock.patch.object(weasy_document, "layout_document", wraps=weasy_document.layout_document)
        self.pages = mock.patch.object(weasy_page, "remake_page", wraps=weasy_page.remake_page)
        self.cells = mock.patch.object(
            weasy_preferred, "table_cell_min_max_content_width", wraps=weasy_preferred.table_cell_min_max_content_width
        )
        self.layout_calls, self.page_calls, self.cell_calls = (p.start() for p in (self.layouts, self.pages, self.cells))
        return self

    def __exit__(self, *exc):
        for patcher in (self.layouts, self.pages, self.cells):
            patcher.stop()


def district() -> OrgUnit:
    return OrgUnit(code="330110", name="余杭区", level="district", document_prefix="余")


def publicity_context(rows: int) -> dict:
    return {
        "programme": Programme(name="一次性创业补贴"),
        "starts_on": date(2026, 11, 2),
        "ends_on": date(2026, 11, 6),
        "publicity_days": 5,
        "rows": [
            {
                "name": f"王*{i}",
                "masked_id": f"330110********{i:04d}",
                "unit": "仓前街道仓前社区某某科技有限公司",
                "amount": "3,000.00",
            }
            for i in range(rows)
        ],
        "total_yuan": "¥3,000.00",
        "total_capitals": "叁仟元整",
    }


def payment_context(rows: int) -> dict:
    officer = SimpleNamespace(get_full_name=lambda: "财务员", username="finance")
    return {
        "batch": SimpleNamespace(number="QC-CY-2026-0001", programme=Programme(name="一次性创业补贴"), prepared_by=officer),
        "approver_name": "审批人",
        "rows": [
            {
                "payee": f"王{i}",
                "bank": "中国农业银行余杭支行",
                "account": "*" * 15 + f"{i:04d}",
                "number": f"YH-CY-2026-{i:06d}",
                "amount": "3,000.00",
            }
            for i in range(rows)
        ],
        "total_yuan": "¥3,000.00",
        "total_capitals": "叁仟元整",
    }


def render(kind: str, context: dict) -> bytes:
    context = {**context, "row_tables": in_tables(context["rows"])}
    if "person_rows" in context:
        context["person_tables"] = in_tables(context["person_rows"])
    return document_render(
        kind=kind,
        number="余人社创公〔2026〕00001号",
        token=new_token(),
        unit=district(),
        context=context,
        issued_at=timezone.now(),
    )


def social_insurance_publicity_context(rows: int) -> dict:
    """A social-insurance list: one row per claim, and the annex of the people approved."""
    person = {
        "name": "王伟",
        "masked_id": "330110********1234",
        "employer": "杭州仓前实业有限公司",
        "months": "2026-01~2026-03",
        "month_count": 3,
        "amount": "3,480.36",
    }
    return {**publicity_context(2), "person_rows": [person] * rows}


@pytest.mark.parametrize(
    ("kind", "context"),
    [
        ("publicity_list", publicity_context),
        ("payment_list", payment_context),
        ("publicity_list", social_insurance_publicity_context),
    ],
)
def test_a_long_list_is_laid_out_once_and_measures_no_cell(kind, context):
    # when a 10-row and a 60-row list are rendered
    with Passes() as short:
        short_pdf = render(kind, context(10))
    with Passes() as long:
        long_pdf = render(kind, context(60))

    # then each is laid out once, one page layout per page, and no cell of the table is measured beforehand
    assert pages(long_pdf) > pages(short_pdf) >= 1
    for passes, pdf in ((short, short_pdf), (long, long_pdf)):
        assert passes.layout_calls.call_count == 1
        assert passes.page_calls.call_count == pages(pdf)
        assert passes.cell_calls.call_count == 0


@pytest.mark.django_db
def test_an_issued_notice_is_rendered_once_and_its_digest_is_of_that_rendering(programme, community, rng, staff):
    # given an owed acceptance notice
    application, _ = submitted(programme=programme, community=community, rng=rng)
    with transaction.atomic():
        item, _ = outbox_record(
            key=f"acceptance_notice:case:{application.pk}:999201",
            kind=OutboxKind.DOCUMENT,
            application_id=application.pk,
            payload={"kind": "acceptance_notice", "subject": {}},
        )

    # when it is issued
    renders = mock.patch("documents.services.document_render", wraps=document_render)
    with Passes() as passes, renders as render_calls:
        document = document_issue_owed(item_id=item.pk)

    # then one render, one layout, one page layout per page; the stored file is those bytes
    stored = Document.objects.get(pk=document.pk)
    with stored.file.open("rb") as handle:
        pdf = handle.read()
    assert render_calls.call_count == 1
    assert passes.layout_calls.call_count == 1
    assert passes.page_calls.call_count == pages(pdf) == 1
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256
