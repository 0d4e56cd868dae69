"""The social-insurance approval decision with its annex of approved rows, through the production path
(documents.services.document_render) at 1,000 and 10,000 rows: CPU milliseconds per page. A long annex must cost
the same per page as a short one (docs/architecture.md, "Social-insurance documents").

Rendering needs no database: the context is the one documents.social_insurance builds, from unsaved instances.
Target (exit status 1 when missed): the 10,000-row decision costs at most 1.5 x the 1,000-row one per page.
"""

import io
import time
from decimal import Decimal

from django.utils import timezone
from pypdf import PdfReader

from benchmarks.documents import GIVEN, SURNAMES
from cases.models import Applicant, Application, OrgUnit, Programme, ProgrammeRules
from cases.models.social_insurance import SocialInsuranceClaim
from cases.money import format_yuan, yuan_in_capitals
from documents.constants import DocumentKind, DocumentLanguage
from documents.contexts import masked_bank
from documents.models import new_token
from documents.services import document_render
from documents.social_insurance import ANNEX_ROWS_PER_TABLE

SIZES = (1_000, 10_000)
MAX_RATIO = 1.5
CATEGORIES = ["就业困难人员（如4050人员）", "登记失业人员", "失地农民", "残疾人", "毕业年度内高校毕业生"]


def _context(rows: int) -> dict:
    programme = Programme(
        name="社会保险补贴", code="social-insurance", current_rules=ProgrammeRules(publicity_days=5), document_word="社"
    )
    employer = Applicant(name="杭州余杭未来科技实业有限公司", credit_code="91330110MA2CB00017")
    application = Application(
        number="YH-SB-2026-000001",
        programme=programme,
        applicant=employer,
        org_unit=OrgUnit(code="330110001001", name="仓前社区", level="community"),
        business_name=employer.name,
        bank_account_number="6222021202001234567",
    )
    claim = SocialInsuranceClaim(programme=programme, employer=employer, year=2026, quarter=1)
    annex = [
        {
            "seq": i,
            "line": i + 1,
            "name": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)],
            "masked_id": f"330110********{i % 10000:04d}",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "months": "2026-01~2026-03",
            "count": 3,
            "amount": "¥3,480.36",
        }
        for i in range(1, rows + 1)
    ]
    amount = Decimal("3480.36") * rows
    return {
        "case": application,
        "claim": claim,
        "si_template": "documents/social_insurance/approval_decision.html",
        "masked_identifier": "91330110MA2CB00017",
        "annex": annex,
        "annex_parts": [annex[i : i + ANNEX_ROWS_PER_TABLE] for i in range(0, rows, ANNEX_ROWS_PER_TABLE)],
        "annex_people": rows,
        "annex_months": 3 * rows,
        "approved_yuan": format_yuan(amount),
        "approved_capitals": yuan_in_capitals(amount),
        "bank_masked": masked_bank(application.bank_account_number),
    }


def _render(rows: int) -> tuple[float, float, int]:
    district = OrgUnit(code="330110", name="余杭区", level="district", document_prefix="余")
    context = _context(rows)
    cpu, wall = time.process_time(), time.perf_counter()
    pdf = document_render(
        kind=DocumentKind.APPROVAL_DECISION,
        number="余人社社决〔2026〕00001号",
        token=new_token(),
        unit=district,
        context=context,
        issued_at=timezone.now(),
        language=DocumentLanguage.CHINESE,
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return cpu, wall, pages


def measure() -> dict:
    _render(20)  # fonts loaded once, as in a worker
    figures = {}
    for rows in SIZES:
        cpu, wall, pages = _render(rows)
        figures[f"annex_{rows}_rows"] = {
            "pages": pages,
            "cpu_seconds": round(cpu, 2),
            "wall_seconds": round(wall, 2),
            "cpu_ms_per_page": round(cpu * 1000 / pages, 1),
        }
    small, large = (figures[f"annex_{rows}_rows"]["cpu_ms_per_page"] for rows in SIZES)
    figures["annex_per_page_ratio"] = round(large / small, 2)
    figures["annex_target_max_ratio"] = MAX_RATIO
    figures["annex_passed"] = large / small <= MAX_RATIO
    return figures


def main() -> int:
    from benchmarks.results import record

    figures = measure()
    path = record("social_insurance", figures)
    for rows in SIZES:
        f = figures[f"annex_{rows}_rows"]
        print(
            f"{'approval decision, ' + format(rows, ',') + ' annex rows':42} {f['pages']} pages, {f['cpu_seconds']} s CPU, "
            f"{f['cpu_ms_per_page']} ms a page"
        )
    print(
        f"{'annex cost a page, 10,000 / 1,000 rows':42} {figures['annex_per_page_ratio']} "
        f"{'ok' if figures['annex_passed'] else 'MISSED'} (at most {MAX_RATIO})"
    )
    print(f"written to {path.name}")
    return 0 if figures["annex_passed"] else 1
