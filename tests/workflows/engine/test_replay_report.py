"""`replay_report`: a hand-made small year replayed through the real services gives exactly its figures in the
statistics selector and in `statistics --format json`; a year is replayed once; bad input is refused with nothing
written; the report's own table holds together."""

import io
import json
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.demo import PROGRAMMES
from cases.models import Application, BusinessRegistration, JobsReport, OutboxItem, OutboxKind, Programme
from documents.models import Document
from tests.workflows.engine.replay_small import SMALL, YEAR
from workflows.engine import replay_targets
from workflows.engine.replay import NOT_STARTUPS, ReplayRefused, amounts_exact, counts_exact
from workflows.engine.replay_targets import REPORT, ReportTargets, Target
from workflows.engine.statistics import figures_for, period_for
from workflows.engine.statistics_report import report_for
from workflows.programmes.social_insurance.replay import STANDARD
from workflows.programmes.startup.replay import YEAR_CAP

pytestmark = [pytest.mark.slow]
SMALL_KINDS = tuple(t.kind for t in SMALL.programmes)


def replay(**options) -> str:
    out = io.StringIO()
    call_command("replay_report", stdout=out, **options)
    return out.getvalue()


def statistics_json(year: int) -> dict:
    out = io.StringIO()
    call_command("statistics", year=year, format="json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture(autouse=True)
def _deliveries(request, settings):
    """With a broker (the PostgreSQL pass) the owed notifications and documents go to a real worker."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker_process")


@pytest.fixture
def small_year(monkeypatch):
    monkeypatch.setitem(replay_targets.REPORT_YEARS, YEAR, SMALL)
    return SMALL


def assert_small_figures(data: dict) -> None:
    programmes = {p["code"]: p for p in data["programmes"]}
    assert set(programmes) == {"startup", "disabled", "venture", "loan", "training", "social-insurance"}
    startup = programmes["startup"]
    assert (startup["cases"], startup["people"], startup["approved"], startup["paid"]) == (3, 3, "95000.00", "95000.00")
    disabled = programmes["disabled"]
    assert (disabled["cases"], disabled["households"], disabled["paid"]) == (4, 4, "12000.00")
    venture = programmes["venture"]
    assert (venture["cases"], venture["firms"], venture["paid"]) == (3, 3, "160000.00")
    loan = programmes["loan"]
    assert (loan["cases"], loan["loans_lent"], Decimal(loan["lent"]), loan["approved"]) == (3, 3, Decimal("700000"), None)
    training = programmes["training"]
    assert (training["cases"], training["trainees"]) == (2, 40)
    si = programmes["social-insurance"]
    assert (si["cases"], si["people"], si["person_months"], Decimal(si["paid"])) == (12, 12, 144, Decimal("150000.00"))
    total = data["indicators"]["total"]
    assert {key: total[key] for key in ("private_enterprises", "individual_businesses", "labour_force", "new_employment")} == {
        "private_enterprises": 100,
        "individual_businesses": 200,
        "labour_force": 1000,
        "new_employment": 300,
    }
    assert (total["supported"], total["startups"], total["jobs"]) == (27, 13, 60)
    assert (total["activity_index"], total["employment_contribution"], total["jobs_per_startup"]) == ("30.0", "20.0", "4.6")


@pytest.mark.django_db(transaction=True)
def test_the_small_year_replayed_gives_exactly_its_figures(small_year):
    output = replay(year=YEAR, without_documents=True)

    rows = output.split("指标\t报告\t统计\t\n")[1].splitlines()[:14]
    assert [row.rsplit("\t", 1)[1] for row in rows] == ["一致"] * 14
    assert output.rstrip().endswith(f"{YEAR} 年的统计结果与报告数据一致。")
    data = statistics_json(YEAR)
    assert_small_figures(data)
    figures = figures_for(period=period_for(year=YEAR))
    assert {p.code: figures.programme_total(p.id).paid for p in figures.programmes} == {
        "startup": Decimal("95000.00"),
        "disabled": Decimal("12000.00"),
        "venture": Decimal("160000.00"),
        "loan": Decimal("0"),
        "training": Decimal("20000.00"),  # 40 trainees, none with a business in the window: the share, 500 each
        "social-insurance": Decimal("150000.00"),
    }
    assert report_for(figures).indicator_total.jobs == 60
    # every case decided in the year; no document owed or issued without documents
    assert not Application.objects.exclude(decided_at__year=YEAR).exclude(status="draft").exists()
    assert Document.objects.count() == 0
    assert not OutboxItem.objects.filter(kind=OutboxKind.DOCUMENT).exists()
    assert JobsReport.objects.count() == 27

    # a second run on the same database is refused, and changes nothing
    cases = Application.objects.count()
    with pytest.raises(CommandError, match=f"本数据库已有 {YEAR} 年的数据（当年已决定案件 27 件"):
        replay(year=YEAR, without_documents=True)
    assert Application.objects.count() == cases
    assert statistics_json(YEAR) == data


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kinds", [("startup",), SMALL_KINDS], ids=["start-up", "every-programme"])
def test_a_replay_with_documents_issues_them_and_stays_consistent(monkeypatch, kinds):
    # the indicators are those of the whole table: with part of it, only the programmes' figures are compared
    one = ReportTargets(
        source="hand-made",
        programmes=tuple(t for t in SMALL.programmes if t.kind in kinds),
        reference=SMALL.reference,
        indicators=SMALL.indicators if kinds == SMALL_KINDS else {},
    )
    monkeypatch.setitem(replay_targets.REPORT_YEARS, YEAR, one)

    output = replay(year=YEAR)

    assert output.rstrip().endswith(f"{YEAR} 年的统计结果与报告数据一致。")
    assert "尚未完成的应出具文书和通知：0" in output
    owed = OutboxItem.objects.filter(kind=OutboxKind.DOCUMENT)
    assert owed.count() > 0 and not owed.filter(done_at__isnull=True).exists()
    assert Document.objects.count() == owed.count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options, message",
    [
        ({"year": 2011}, "没有 2011 年的报告数据可供重放（报告数据年度：2010）。"),
        ({"year": 1999}, "没有 1999 年的报告数据可供重放"),
    ],
)
def test_a_year_without_report_figures_is_refused_before_anything_is_written(options, message):
    with pytest.raises(CommandError, match=message):
        replay(**options)
    assert Programme.objects.count() == 0 and Application.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--year", "twenty-ten"], [], ["--year", "2010", "--documents"]])
def test_nonsense_arguments_are_refused(args):
    with pytest.raises(CommandError, match="argument|required|unrecognized"):
        call_command("replay_report", *args, stdout=io.StringIO())
    assert Application.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_target_the_rules_cannot_hold_leaves_nothing_behind(monkeypatch):
    # 4 households at the rule's 3,000 do not make 12,001: the household grant refuses after the start-up subsidy
    # has already filed and paid its cases in the same run
    broken = ReportTargets(
        source="hand-made",
        programmes=(
            Target("startup", "startup", "一次性创业补贴", 2, "cases", Decimal("60000.00")),
            Target("disabled", "disabled", "残疾人家庭自主创业扶持", 4, "households", Decimal("12001.00")),
        ),
        reference=SMALL.reference,
        indicators={},
    )
    monkeypatch.setitem(replay_targets.REPORT_YEARS, YEAR, broken)

    with pytest.raises(CommandError, match="4 户每户 3000 元，合计不等于 12001.00。"):
        replay(year=YEAR, without_documents=True)

    assert Application.objects.count() == 0
    assert Programme.objects.count() == 0
    assert BusinessRegistration.objects.count() == 0


def test_amounts_are_drawn_within_their_bounds_and_add_up_exactly():
    for seed in range(20):
        rng = random.Random(seed)
        amounts = amounts_exact(rng, count=23, total=Decimal("714300"), low=Decimal("3000"), high=YEAR_CAP, step=Decimal("100"))
        assert sum(amounts) == Decimal("714300")
        assert all(Decimal("3000") <= a <= YEAR_CAP and a % 100 == 0 for a in amounts)
        assert len(set(amounts)) > 10  # drawn, not spread evenly
        sizes = counts_exact(rng, count=80, total=2200, low=10, high=40)
        assert sum(sizes) == 2200 and min(sizes) >= 10 and max(sizes) <= 40
    with pytest.raises(ReplayRefused):
        amounts_exact(random.Random(1), count=2, total=Decimal("100001"), low=Decimal("1"), high=Decimal("50000"))
    with pytest.raises(ReplayRefused):
        amounts_exact(
            random.Random(1), count=2, total=Decimal("150"), low=Decimal("100"), high=Decimal("500"), step=Decimal("100")
        )


def test_the_full_size_table_is_the_reports_and_holds_together():
    targets = {t.kind: t for t in REPORT.programmes}
    assert {k: (t.count, t.total) for k, t in targets.items()} == {
        "startup": (23, Decimal("714300.00")),
        "social_insurance": (20157, Decimal("272270000.00")),
        "disabled": (101, Decimal("303000.00")),
        "venture": (44, Decimal("2053900.00")),
        "loan": (240, Decimal("70887000.00")),
        "training": (2200, None),
    }
    reference = REPORT.reference
    assert (reference.private_enterprises, reference.individual_businesses) == (1540, 3300)
    assert REPORT.indicators == {
        "activity_index": Decimal("30.6"),
        "employment_contribution": Decimal("38.1"),
        "jobs_per_startup": Decimal("6.2"),
    }
    one = Decimal("0.1")
    startups = sum(t.count for k, t in targets.items() if k not in NOT_STARTUPS)
    new = reference.private_enterprises + reference.individual_businesses
    assert (Decimal(new) * 100 / reference.labour_force).quantize(one) == Decimal("30.6")
    assert (Decimal(reference.jobs) / startups).quantize(one) == Decimal("6.2")
    assert (Decimal(reference.jobs) * 100 / reference.new_employment).quantize(one) == Decimal("38.1")
    assert reference.labour_force <= reference.residents
    # each programme's total fits its rules
    rules = {p["code"]: p for p in PROGRAMMES}
    assert targets["disabled"].total == targets["disabled"].count * Decimal(rules["disabled"]["amount_rule"]["amount"])
    assert (
        targets["startup"].count * YEAR_CAP
        >= targets["startup"].total
        > rules["startup"]["max_amount"] * targets["startup"].count
    )
    venture = rules["venture"]
    assert venture["min_amount"] * 44 <= targets["venture"].total <= venture["max_amount"] * 44
    cap = Decimal(rules["loan"]["amount_rule"]["caps"]["individual"])
    assert Decimal("50000") * 240 <= targets["loan"].total <= cap * 240
    monthly_cap = STANDARD["minimum_base"] * (STANDARD["pension_rate"] + STANDARD["medical_rate"] + STANDARD["unemployment_rate"])
    assert targets["social_insurance"].total <= monthly_cap.quantize(Decimal("0.01")) * 12 * 20157
