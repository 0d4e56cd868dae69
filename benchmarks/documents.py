"""Document rendering figures, measured through the production path (documents.services.document_render).

Rendering needs no database: the context is built from unsaved model instances, exactly the objects the context
builders hand to the templates. Times are CPU time of this process (time.process_time), which is what "per core"
means and what stays meaningful on a shared, loaded machine; wall-clock figures are printed next to them.

Targets (exit status 1 when one is missed):
  - one Chinese approval decision: median <= 300 ms
  - Chinese / Latin-only ratio (same layout, same run) <= 3.5
  - a batch of 500 notices: >= 20 documents per second per core
  - resident memory grows <= 10 % between document 50 and document 500
"""

import json
import statistics
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cases.identifiers import mask_citizen_id
from cases.models import Applicant, Application, OrgUnit, Programme, ProgrammeRules
from cases.money import format_yuan, yuan_in_capitals
from documents.constants import DocumentKind, DocumentLanguage
from documents.contexts import masked_bank
from documents.models import new_token
from documents.services import document_render

RESULTS = Path(settings.BASE_DIR) / "bench-results" / "documents.json"
TARGETS = {
    "chinese_decision_median_ms": 300.0,
    "chinese_latin_ratio": 3.5,
    "batch_documents_per_second_per_core": 20.0,
    "rss_growth_50_to_500_percent": 10.0,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志明欣怡子涵浩然梓萱宇轩㮾𠮷"


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("VmRSS not found")


def _units() -> OrgUnit:
    district = OrgUnit(code="330110", name="余杭区", name_en="Yuhang District", level="district", document_prefix="余")
    return district


def _case(i: int, *, district: OrgUnit, latin: bool, name: str = "") -> dict:
    programme = Programme(
        name="一次性创业补贴",
        name_en="One-off start-up subsidy",
        code="startup",
        current_rules=ProgrammeRules(publicity_days=5),
        document_word="创",
    )
    if name:
        pass
    elif latin:
        name = f"Li Wei {i}"
    else:
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]
    applicant = Applicant(name=name, id_number=f"33011019900101{i % 10000:04d}")
    community = OrgUnit(code="330110001001", name="仓前社区", name_en="Cangqian Community", level="community")
    application = Application(
        number=f"YH-CY-2026-{i:06d}",
        programme=programme,
        applicant=applicant,
        org_unit=community,
        business_name=f"{name} Studio" if latin else f"{name}个体工作室",
        approved_amount=Decimal(3000 + 500 * (i % 50)),
        requested_amount=Decimal(3000 + 500 * (i % 50)),
        bank_name="Agricultural Bank of China" if latin else "中国农业银行余杭支行",
        bank_account_number=f"6228480000{i:08d}",
    )
    amount = application.approved_amount
    return {
        "case": application,
        "masked_identifier": mask_citizen_id(applicant.id_number),
        "approved_yuan": format_yuan(amount),
        "approved_capitals": yuan_in_capitals(amount),
        "paid_yuan": format_yuan(amount),
        "paid_capitals": yuan_in_capitals(amount),
        "paid_on": date(2026, 11, 27),
        "batch_number": "QC-CY-2026-0001",
        "bank_name": application.bank_name,
        "bank_masked": masked_bank(application.bank_account_number),
    }


def _render(kind: str, i: int, *, district: OrgUnit, language: str, latin: bool, name: str = "") -> bytes:
    return document_render(
        kind=kind,
        number=f"余人社创决〔2026〕{i:05d}号" if not latin else f"YH-HRSS-D-2026-{i:05d}",
        token=new_token(),
        unit=district,
        context=_case(i, district=district, latin=latin, name=name),
        issued_at=timezone.now(),
        language=language,
    )


def _timed(fn, repeat: int) -> tuple[list[float], list[float]]:
    cpu, wall = [], []
    for i in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn(i)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return cpu, wall


def _decisions_timed(*, repeat: int, district: OrgUnit) -> tuple[list[float], list[float], list[float], list[float]]:
    """CPU and wall times of Chinese and Latin-only approval decisions, interleaved so load on the machine affects
    both alike."""
    zh_cpu, zh_wall, latin_cpu, latin_wall = [], [], [], []
    for i in range(repeat):
        c, w = _timed(
            lambda j, i=i: _render(
                DocumentKind.APPROVAL_DECISION, i, district=district, language=DocumentLanguage.CHINESE, latin=False
            ),
            1,
        )
        zh_cpu += c
        zh_wall += w
        c, w = _timed(
            lambda j, i=i: _render(
                DocumentKind.APPROVAL_DECISION, i, district=district, language=DocumentLanguage.ENGLISH, latin=True
            ),
            1,
        )
        latin_cpu += c
        latin_wall += w
    return zh_cpu, zh_wall, latin_cpu, latin_wall


def _batch_timed(*, batch: int, district: OrgUnit) -> tuple[dict[int, int], int, float, float]:
    """A batch of notices, one process pass, one font configuration (the path documents_issue_bulk takes): resident
    memory at 50, 100, 250 and the last document, total PDF bytes, CPU and wall seconds."""
    rss = {}
    sizes = 0
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(1, batch + 1):
        sizes += len(_render(DocumentKind.PAYMENT_NOTICE, i, district=district, language=DocumentLanguage.CHINESE, latin=False))
        if i in (50, 100, 250, batch):
            rss[i] = _rss_kib()
    return rss, sizes, time.process_time() - c0, time.perf_counter() - w0


def measure(*, repeat: int = 25, batch: int = 500) -> dict:
    district = _units()
    # Warm up: the first renders load every font a document can use, for both languages, including the fallback
    # for rare characters (Noto CJK for 㮾 U+3BBE, 𠮷 U+20BB7), which a production worker loads once at its first
    # rare name. Measured without it, RSS jumps ~26 MB once when that font loads, then stays flat.
    _render(DocumentKind.PAYMENT_NOTICE, 0, district=district, language=DocumentLanguage.CHINESE, latin=False, name="欧阳㮾𠮷")
    for i in range(3):
        _render(DocumentKind.APPROVAL_DECISION, i, district=district, language=DocumentLanguage.CHINESE, latin=False)
        _render(DocumentKind.APPROVAL_DECISION, i, district=district, language=DocumentLanguage.ENGLISH, latin=True)

    zh_cpu, zh_wall, latin_cpu, latin_wall = _decisions_timed(repeat=repeat, district=district)
    rss, sizes, batch_cpu, batch_wall = _batch_timed(batch=batch, district=district)

    zh_median = statistics.median(zh_cpu)
    latin_median = statistics.median(latin_cpu)
    return {
        "measured_at": timezone.now().isoformat(),
        "chinese_decision_median_ms": round(zh_median, 1),
        "chinese_decision_median_wall_ms": round(statistics.median(zh_wall), 1),
        "latin_decision_median_ms": round(latin_median, 1),
        "latin_decision_median_wall_ms": round(statistics.median(latin_wall), 1),
        "chinese_latin_ratio": round(zh_median / latin_median, 2),
        "batch_size": batch,
        "batch_cpu_seconds": round(batch_cpu, 2),
        "batch_wall_seconds": round(batch_wall, 2),
        "batch_documents_per_second_per_core": round(batch / batch_cpu, 1),
        "batch_documents_per_second_wall": round(batch / batch_wall, 1),
        "batch_average_pdf_kib": round(sizes / batch / 1024, 1),
        "rss_kib_at_50": rss[50],
        "rss_kib_at_100": rss[100],
        "rss_kib_at_250": rss[250],
        "rss_kib_at_500": rss[batch],
        "rss_growth_50_to_500_percent": round((rss[batch] - rss[50]) * 100 / rss[50], 2),
        "repeat": repeat,
    }


def verdicts(figures: dict) -> dict[str, bool]:
    return {
        "chinese_decision_median_ms": figures["chinese_decision_median_ms"] <= TARGETS["chinese_decision_median_ms"],
        "chinese_latin_ratio": figures["chinese_latin_ratio"] <= TARGETS["chinese_latin_ratio"],
        "batch_documents_per_second_per_core": figures["batch_documents_per_second_per_core"]
        >= TARGETS["batch_documents_per_second_per_core"],
        "rss_growth_50_to_500_percent": figures["rss_growth_50_to_500_percent"] <= TARGETS["rss_growth_50_to_500_percent"],
    }


def main() -> int:
    figures = measure()
    passed = verdicts(figures)
    figures["targets"] = TARGETS
    figures["passed"] = passed
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    for key, value in figures.items():
        if key not in ("targets", "passed"):
            mark = "" if key not in passed else ("  ok" if passed[key] else f"  MISSED (target {TARGETS[key]})")
            print(f"{key:42} {value}{mark}")
    print(f"written to {RESULTS.relative_to(settings.BASE_DIR)}")
    return 0 if all(passed.values()) else 1
