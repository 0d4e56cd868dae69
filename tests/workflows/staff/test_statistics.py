"""The statistics of a small district computed by hand and compared with the selector, the page, the JSON command
and the XLSX export: a returned and re-issued payment, an upheld objection, recovered and partly recovered
clawbacks, a loan that defaults. Cases move only through the services; the clock is pinned to June 2026."""

import datetime as dt
import io
import json
import random
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from cases import services as case_services
from cases.bank_file_layouts import standard_layout
from cases.constants import ApplicantCategory, Decision, ReviewLevel, Role
from cases.demo import programmes_load
from cases.models import Application, OrgUnit, Programme, ReferenceKind
from cases.models.loan import RepaymentMethod
from cases.services.reference_data import reference_file_import, town_targets_set
from tests.auth import sign_in
from tests.conftest import make_user
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.statistics import StatisticsError, figures_for, period_for, town_for_code
from workflows.engine.statistics_report import report_for
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan import simulation as simulation_loans
from workflows.programmes.loan import tasks as loans_tasks

pytestmark = pytest.mark.django_db
D = Decimal
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CANGQIAN, YUHANG = "330110001", "330110002"


def grant_case(programme, staff, community, rng, *, requested, approved) -> Application:
    application, user = simulation.file_draft(
        rng=rng, programme=programme, community=community, category=ApplicantCategory.GRADUATE, amount=requested
    )
    application = flow_services.case_submit(application=application, by=user)
    for level, by in (
        (ReviewLevel.COMMUNITY, staff.community[community.pk]),
        (ReviewLevel.TOWN, staff.town[community.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
    ):
        application = simulation.decide(application, by, level, Decision.PASS)
    return simulation.decide(application, staff.approver, ReviewLevel.APPROVAL, Decision.PASS, amount=approved)


def bank_round(programme, staff, applications, returned=frozenset()):
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    content = case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    flow_services.payment_return_import(
        batch=batch, by=staff.finance_maker, content=simulation.bank_return_file(content, set(returned))
    )


def csv_bytes(*lines: str, encoding="utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def district_figures(district, run_on_commit):
    """The fixture, built through the services with the clock at 15 June 2026.

    仓前街道 (community 仓前社区):
      A  start-up, requested 10,000, approved 9,000; paid, returned by the bank, re-issued and paid: paid 9,000 once
      B  start-up, requested 8,000, approved 8,000; objection upheld in publicity: rejected, no approved amount
      L  loan, requested 80,000; lent 80,000 on 20 June (interest only), defaults on 5 November, compensated
         80,000 on 20 November, 10,000 recovered on 1 December
    余杭街道 (community 凤凰山社区):
      C  start-up, requested 6,000, approved 6,000; paid; clawed back 6,000, recovered in full
      E  start-up, requested 5,000, approved 5,000; paid; clawed back 2,000, 500 recovered so far
    """
    with time_machine.travel(NOW, tick=True):
        programmes_load(year=2026, startup_budget=D("1000000"))
        loan_programme, _, ls = simulation_loans.ensure_setup(year=2026, cases=10)
        staff = ls.staff
        startup = Programme.objects.get(code="startup")
        rng = random.Random(7)
        cangqian = OrgUnit.objects.get(code="330110001001")
        fenghuang = OrgUnit.objects.get(code="330110002001")
        a = grant_case(startup, staff, cangqian, rng, requested=D("10000"), approved=D("9000"))
        b = grant_case(startup, staff, cangqian, rng, requested=D("8000"), approved=D("8000"))
        c = grant_case(startup, staff, fenghuang, rng, requested=D("6000"), approved=D("6000"))
        e = grant_case(startup, staff, fenghuang, rng, requested=D("5000"), approved=D("5000"))
        publicity = flow_services.publicity_publish(
            programme=startup, applications=[a, b, c, e], by=staff.approver, starts_on=timezone.localdate()
        )
        flow_services.objection_record(
            application=b, by=staff.approver, objector_name="李四", objector_contact="12333", reason="未实际经营"
        )
        flow_services.publicity_close_due(today=publicity.ends_on + dt.timedelta(days=1))
        task = flow_services.open_task(application=b)
        run_on_commit(flow_services.task_objection_decide, task_id=task.pk, by=staff.approver, upheld=True, reason="经核查属实")
        a, c, e = (Application.objects.get(pk=x.pk) for x in (a, c, e))
        bank_round(startup, staff, [a, c, e], returned={a.pk})
        a = Application.objects.get(pk=a.pk)
        case_services.bank_account_correct(
            application=a, by=a.applicant.user, bank_name="建设银行", account_name="某某", account_number="6217000011112222333"
        )
        bank_round(startup, staff, [a])
        full = case_services.clawback_open(
            application=Application.objects.get(pk=c.pk), by=staff.approver, amount=D("6000"), reason="虚报"
        )
        case_services.clawback_recovered(clawback=full, by=staff.finance_maker)
        part = case_services.clawback_open(
            application=Application.objects.get(pk=e.pk), by=staff.approver, amount=D("2000"), reason="多发"
        )
        case_services.clawback_recovered(clawback=part, by=staff.finance_maker, amount=D("500"))

        loan_case, user = simulation.file_draft(
            rng=rng, programme=loan_programme, community=cangqian, amount=D("80000"), category=ApplicantCategory.GRADUATE,
            profile=simulation_loans.LOAN_DRAFT,
        )  # fmt: skip
        loan_case = flow_services.case_submit(application=loan_case, by=user)
        assert simulation_loans.qualify(
            simulation_loans.LoanPlan(behaviour="on_time", application=loan_case, applicant_user=user), staff
        )
        bank = ls.banks["abc-yh"]
        officer = ls.officers[bank.pk]
        loan = loan_flow.loan_certificate_issue(
            application=Application.objects.get(pk=loan_case.pk), bank=bank, by=staff.approver, today=dt.date(2026, 6, 16)
        )
        loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=dt.date(2026, 6, 17), accepted=True)
        loan = loan_flow.loan_guarantee_issue(loan=loan, by=staff.approver, today=dt.date(2026, 6, 18))
        loan = loan_flow.loan_disburse(
            loan=loan, by=officer, today=dt.date(2026, 6, 20), contract_number="HT-STAT-1", principal=D("80000"),
            annual_rate=D("0.06"), term_months=12, repayment_method=RepaymentMethod.INTEREST_ONLY, period_months=3,
        )  # fmt: skip
        loans_tasks.loan_overdue_flag("2026-10-31")
        loan = type(loan).objects.get(pk=loan.pk)
        loan = loan_flow.loan_default_declare(loan=loan, by=officer, today=dt.date(2026, 11, 5))
        loan = loan_flow.loan_compensate(loan=loan, by=staff.approver, today=dt.date(2026, 11, 20))
        loan_flow.loan_recovery_record(loan=loan, by=staff.approver, amount=D("10000"), on=dt.date(2026, 12, 1))

        admin = make_user("stats-admin", Role.ADMINISTRATOR, district)
        numbers = {x: Application.objects.get(pk=y.pk).number for x, y in (("a", a), ("c", c), ("e", e), ("l", loan_case))}
        # jobs: A 3, C 2, E 0, L 4 (B's figure does not count: rejected)
        reference_file_import(
            kind=ReferenceKind.JOBS, by=admin, filename="jobs.csv",
            content=csv_bytes("案件编号,带动就业人数", f"{numbers['a']},3", f"{numbers['c']},2", f"{numbers['e']},0", f"{numbers['l']},4"),
        )  # fmt: skip
        reference_file_import(
            kind=ReferenceKind.REGISTRATIONS, by=admin, filename="登记.csv",
            content=csv_bytes("镇街代码,月份,新增私营企业,新增个体工商户", f"{CANGQIAN},2026-03,30,70",
                              f"{CANGQIAN},2026-07,20,30", f"{YUHANG},2026-05,10,15", f"{YUHANG},2025-12,99,99", encoding="gbk"),
        )  # fmt: skip
        reference_file_import(
            kind=ReferenceKind.LABOUR, by=admin, filename="labour.csv",
            content=csv_bytes("镇街代码,年份,常住人口,劳动力人口,城镇新增就业", f"{CANGQIAN},2026,2000,1000,50", f"{YUHANG},2026,900,500,20"),
        )  # fmt: skip
        towns = {u.code: u for u in OrgUnit.objects.filter(code__in=[CANGQIAN, YUHANG])}
        town_targets_set(
            year=2026, by=admin,
            values={(towns[CANGQIAN].pk, "supported"): "4", (towns[CANGQIAN].pk, "activity_index"): "10",
                    (towns[YUHANG].pk, "supported"): "2", (towns[YUHANG].pk, "activity_index"): "10"},
        )  # fmt: skip
    return {"admin": admin, "district": district, "towns": towns, "startup": startup, "loan_programme": loan_programme}


# The figures by hand (year 2026, by date of approval: every case was decided on 15 June 2026).
# Start-up: decided A, B, C, E = 4; approved A, C, E = 3 (B's objection upheld); people 3, firms 3;
#   requested 10000 + 8000 + 6000 + 5000 = 29000.00; approved 9000 + 6000 + 5000 = 20000.00;
#   paid 9000 (A's returned line is not paid; its re-issue is) + 6000 + 5000 = 20000.00;
#   clawbacks recovered 6000 + 500 = 6500.00, being recovered 2000 - 500 = 1500.00; paid net 20000 - 6500 = 13500.00;
#   jobs 3 + 2 + 0 = 5, start-ups with jobs 2.
# Loan: decided 1, approved 1 (qualified), no grant; lent 1 loan, 80000.00; outstanding 0 (defaulted: final? no,
#   compensated is not final: its 80000 of unpaid principal is outstanding); defaulted 1; compensation 80000.00;
#   recovered 10000.00; jobs 4.
# 仓前街道 grants: A, B -> decided 2, approved 1, requested 18000.00, approved 9000.00, paid 9000.00, net 9000.00.
# 余杭街道 grants: C, E -> decided 2, approved 2, requested 11000.00, approved 11000.00, paid 11000.00,
#   recovered 6500.00, being recovered 1500.00, net 4500.00.
# Indicators 2026 (registrations of 2026 only: 余杭's December 2025 row is outside the year):
#   仓前: supported A + L = 2; new businesses 30 + 70 + 20 + 30 = 150; labour 1000 -> activity 15.0 %;
#         jobs 3 + 4 = 7, new employment 50 -> contribution 14.0 %; start-ups with jobs 2 -> 3.5 jobs each
#   余杭: supported 2; new businesses 25; labour 500 -> 5.0 %; jobs 2, new employment 20 -> 10.0 %; 2 / 1 = 2.0
#   total: supported 4; 175 / 1500 = 11.666 -> 11.7 %; jobs 9 / 70 = 12.857 -> 12.9 %; 9 / 3 = 3.0
# Assessment (two indicators with targets, 50 points each):
#   仓前: supported 2 / 4 = 50.0 % -> 25.00; activity 15.0 / 10 = 150.0 % -> capped 50.00; total 75.00, rank 1
#   余杭: supported 2 / 2 = 100.0 % -> 50.00; activity 5.0 / 10 = 50.0 % -> 25.00; total 75.00, rank 1 (tie)
EXPECTED_STARTUP = {
    "decided": 4, "cases": 3, "people": 3, "firms": 3, "jobs": 5,
    "requested": D("29000.00"), "approved": D("20000.00"), "paid": D("20000.00"),
    "clawback_open": D("1500.00"), "clawback_recovered": D("6500.00"), "paid_net": D("13500.00"),
}  # fmt: skip
EXPECTED_LOAN = {"loans_lent": 1, "lent": D("80000.00"), "outstanding": D("80000.00"), "defaulted": 1,
                 "compensation": D("80000.00"), "loan_recovered": D("10000.00")}  # fmt: skip


def test_the_figures_of_a_small_district_match_the_hand_computed_ones(district_figures):
    period = period_for(year=2026)
    with CaptureQueriesContext(connection) as queries:
        report = report_for(figures_for(period=period))
    # 3 on cases, payments, clawbacks; programmes; 4 loan, 1 social insurance, 1 household grant, 1 training; towns;
    # 4 indicators
    assert len(queries) == 16
    data = report.as_dict()
    [loan_row] = [p for p in data["programmes"] if p["code"] == "loan"]
    [startup_row] = [p for p in data["programmes"] if p["code"] == "startup"]
    assert {k: startup_row[k] for k in EXPECTED_STARTUP} == EXPECTED_STARTUP
    assert {k: data["grants"][k] for k in EXPECTED_STARTUP} == EXPECTED_STARTUP  # the loan is no grant
    assert (loan_row["decided"], loan_row["cases"], loan_row["approved"], loan_row["jobs"]) == (1, 1, None, 4)
    assert {k: loan_row[k] for k in EXPECTED_LOAN} == EXPECTED_LOAN
    towns = {t["name"]: t for t in data["towns"]}
    assert {k: towns["仓前街道"][k] for k in ("decided", "cases", "requested", "approved", "paid_net")} == {
        "decided": 2, "cases": 1, "requested": D("18000.00"), "approved": D("9000.00"), "paid_net": D("9000.00"),
    }  # fmt: skip
    assert {k: towns["余杭街道"][k] for k in ("decided", "cases", "approved", "clawback_open", "paid_net")} == {
        "decided": 2, "cases": 2, "approved": D("11000.00"), "clawback_open": D("1500.00"), "paid_net": D("4500.00"),
    }  # fmt: skip
    indicators = {t["name"]: t for t in data["indicators"]["towns"]}
    keys = ("supported", "new_businesses", "activity_index", "jobs", "employment_contribution", "jobs_per_startup")
    assert [indicators["仓前街道"][k] for k in keys] == [2, 150, D("15.0"), 7, D("14.0"), D("3.5")]
    assert [indicators["余杭街道"][k] for k in keys] == [2, 25, D("5.0"), 2, D("10.0"), D("2.0")]
    assert [data["indicators"]["total"][k] for k in keys] == [4, 175, D("11.7"), 9, D("12.9"), D("3.0")]
    assert [(a["rank"], a["name"], a["total"], [s["score"] for s in a["scores"]]) for a in data["assessment"]] == [
        (1, "仓前街道", D("75.00"), [D("50.00"), D("25.00")]),  # activity_index before supported (indicator order)
        (1, "余杭街道", D("75.00"), [D("25.00"), D("50.00")]),
    ]

    # by date of payment, June 2026: the same paid cases (A, C, E), the lines settled that month
    june = figures_for(period=period_for(year=2026, month=6, basis="payment")).grants
    assert (june.cases, june.paid, june.paid_net, june.approved) == (3, D("20000.00"), D("13500.00"), D("20000.00"))
    assert figures_for(period=period_for(year=2026, month=7, basis="payment")).grants.paid == 0
    # one town: 余杭街道 only
    yuhang = figures_for(period=period, town=town_for_code(code=YUHANG)).grants
    assert (yuhang.decided, yuhang.paid_net) == (2, D("4500.00"))

    # the command prints the same figures as JSON
    out = io.StringIO()
    call_command("statistics", "--year", "2026", "--format", "json", stdout=out)
    printed = json.loads(out.getvalue())
    [startup_json] = [p for p in printed["programmes"] if p["code"] == "startup"]
    assert {k: startup_json[k] for k in EXPECTED_STARTUP} == {
        k: (str(v) if isinstance(v, Decimal) else v) for k, v in EXPECTED_STARTUP.items()
    }
    assert printed["indicators"]["total"]["activity_index"] == "11.7"
    out = io.StringIO()
    call_command("statistics", "--year", "2026", "--town", YUHANG, "--format", "table", stdout=out)
    [grants_line] = [line for line in out.getvalue().splitlines() if line.startswith("补贴合计")]
    # decided, approved, people, firms, jobs, requested, approved, paid, being recovered, recovered, net (余杭街道)
    assert grants_line.split("\t")[1:12] == [
        "2",
        "2",
        "2",
        "2",
        "2",
        "11,000.00",
        "11,000.00",
        "11,000.00",
        "1,500.00",
        "6,500.00",
        "4,500.00",
    ]
    # the same year as a range of dates: the same figures, labelled by the range
    out = io.StringIO()
    call_command("statistics", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json", stdout=out)
    ranged = json.loads(out.getvalue())
    assert ranged["period"]["label"] == "2026-01-01 – 2026-12-31"
    assert {k: v for k, v in ranged.items() if k != "period"} == {k: v for k, v in printed.items() if k != "period"}
    for bad, message in (
        (["--year", "2011"], "2011"),
        (["--year", "2026", "--town", "999"], "999"),
        (["--from", "2026-03-01"], "请填写起止日期"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "请填写起止日期"),
        (["--year", "2026", "--from", "2026-03-01", "--to", "2026-03-31"], "不能同时填写"),
        (["--from", "2026-13-01", "--to", "2026-12-31"], "2026-13-01 不是有效日期"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("statistics", *bad, stdout=io.StringIO())


def test_the_page_and_the_xlsx_show_the_same_figures_to_the_managers_of_the_unit(district_figures, client):
    manager = make_user("stats-manager", Role.MANAGER, district_figures["district"])
    sign_in(client, manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/statistics/?year=2026")
    assert page.status_code == 200
    # session, user, permissions (2), units (2), the figures (16), charts (3), social insurance per town (1): never per case
    assert len(queries) <= 26
    text = re.sub(r"\s+", " ", page.content.decode())
    for shown in ("¥29,000.00", "¥20,000.00", "¥13,500.00", "¥6,500.00", "¥1,500.00", "¥80,000.00", "¥10,000.00"):
        assert shown in text
    assert text.count("<svg") == 4 and text.count("<title id=") == 4  # four charts, each named, each with its table
    assert "11.7" in text and "75.00" in text

    workbook = load_workbook(io.BytesIO(client.get("/statistics/statistics.xlsx?year=2026").content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    [startup_row] = [r for r in rows if r[0] == district_figures["startup"].name]
    # name, decided, cases, people, firms, jobs, requested, approved, paid, being recovered, recovered, net
    assert list(startup_row[:12]) == [district_figures["startup"].name, 4, 3, 3, 3, 5, 29000, 20000, 20000, 1500, 6500, 13500]
    pdf = client.get("/statistics/assessment.pdf?year=2026")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # a town's manager reads their town only; a reviewer reads no statistics
    town_manager = make_user("stats-yuhang", Role.MANAGER, district_figures["towns"][YUHANG])
    sign_in(client, town_manager)
    text = client.get("/statistics/?year=2026").content.decode()
    assert "¥4,500.00" in text and "仓前街道" not in text
    assert client.get("/statistics/?year=2026&quarter=5").status_code == 400
    assert client.get("/statistics/reference/").status_code == 403  # managers read; administrators import


def test_a_period_that_makes_no_sense_is_refused_in_words():
    for kwargs in (
        {"year": 1990},
        {"year": 2026, "quarter": 5},
        {"year": 2026, "month": 13},
        {"year": 2026, "quarter": 1, "month": 2},
    ):
        with pytest.raises(StatisticsError):
            period_for(**kwargs)
    with pytest.raises(StatisticsError):
        period_for(start=dt.date(2026, 3, 1), end=dt.date(2026, 2, 1))
    assert period_for(year=2026, quarter=2).start == dt.date(2026, 4, 1) and period_for(year=2026, quarter=2).end == dt.date(
        2026, 6, 30
    )
    assert period_for(year=2024, month=2).end == dt.date(2024, 2, 29)


def test_administrators_upload_reference_data_and_set_targets_on_their_pages(district, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import BusinessRegistration, TownTarget

    admin = make_user("stats-page-admin", Role.ADMINISTRATOR, district)
    sign_in(client, admin)
    bad = SimpleUploadedFile("bad.csv", "镇街代码,月份,新增私营企业,新增个体工商户\n330110001,2026-03,-1,2\n".encode("gbk"))
    page = client.post("/statistics/reference/", {"kind": "registrations", "file": bad})
    assert page.status_code == 400
    assert "第2行：新增私营企业不得为负数（实际为-1）。" in page.content.decode()
    assert BusinessRegistration.objects.count() == 0
    good = SimpleUploadedFile("good.csv", "镇街代码,月份,新增私营企业,新增个体工商户\n330110001,2026-03,1,2\n".encode())
    assert client.post("/statistics/reference/", {"kind": "registrations", "file": good}).status_code == 302
    assert BusinessRegistration.objects.get().individual_businesses == 2
    assert "good.csv" in client.get("/statistics/reference/").content.decode()

    town = OrgUnit.objects.get(code=CANGQIAN)
    field = f"t{town.pk}_jobs"
    assert client.get("/statistics/targets/2026/").status_code == 200
    page = client.post("/statistics/targets/2026/", {field: "abc"})
    assert page.status_code == 400 and TownTarget.objects.count() == 0
    assert client.post("/statistics/targets/2026/", {field: "12"}).status_code == 302
    assert list(TownTarget.objects.values_list("town__code", "year", "indicator", "target")) == [
        (CANGQIAN, 2026, "jobs", D("12.00"))
    ]
