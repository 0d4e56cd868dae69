"""Graduate venture grants: eligibility, the expert draw, blind scoring, closing the panel, tiers, the award."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from cases.constants import Role, Status
from cases.demo import VENTURE_AMOUNT_RULE
from cases.exceptions import DomainError, EntitlementConflict, IneligibleApplication, PermissionDenied, TransitionForbidden
from cases.models import Application, AuditEntry, PanelSeat, RoundEvent, ScoreSheet, VentureProject, VentureRound
from cases.models.venture import RoundStatus, SeatStatus
from cases.services import venture as venture_services
from cases.synthetic import citizen_id, credit_code
from documents.models import Document
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import task_names
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all
from workflows.programmes.venture import actions as venture_flow
from workflows.programmes.venture import simulation as simulation_venture

pytestmark = pytest.mark.django_db

GOOD = {"innovation": 7, "market": 8, "team": 6, "finance": 9, "jobs": 5}  # weighted total 70.50


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here (the default language is Simplified Chinese; one test checks it)."""
    with translation.override("en"):
        yield


@pytest.fixture
def venture(district):
    programme, _ = simulation_venture.ensure_setup(year=timezone.localdate().year, cases=20)
    return programme


@pytest.fixture
def vstaff(district, venture) -> simulation.Staff:
    return simulation.staff_for(district)


@pytest.fixture
def chair(district):
    return make_user("panel-chair", Role.DISTRICT_REVIEWER, district)


@pytest.fixture
def pool(district):
    return simulation_venture.expert_pool(district, size=8)


@pytest.fixture
def round_(venture, vstaff, chair) -> VentureRound:
    return venture_services.venture_round_open(
        programme=venture, by=vstaff.district_reviewer, chair=chair, on=timezone.localdate()
    )


def reviewed(round_, vstaff, rng, community, n=1) -> list[Application]:
    """n cases filed, submitted and passed through community, town and district review."""
    cases = []
    for _ in range(n):
        application, user = simulation_venture.file_venture(rng=rng, round_=round_, community=community)
        application = flow_services.case_submit(application=application, by=user)
        assert simulation_venture._review(application, "paid", vstaff, user)
        cases.append(Application.objects.get(pk=application.pk))
    return cases


def draw_ids(round_, by, seed) -> list[int]:
    """Draw, note the experts, roll the draw back."""
    try:
        with transaction.atomic():
            seats = venture_services.panel_draw(round_=round_, by=by, seed=seed)
            drawn = [s.expert_id for s in seats]
            raise Rollback
    except Rollback:
        return drawn


def score_all(round_, points=GOOD):
    """Every seated expert scores every project still missing their sheet."""
    round_.refresh_from_db()
    for project in venture_services.round_docket(round_=round_):
        for seat in round_.seats.filter(status=SeatStatus.SEATED).select_related("expert__user"):
            if not ScoreSheet.objects.filter(project=project, expert=seat.expert).exists():
                venture_services.score_submit(project=project, by=seat.expert.user, points=points)


def draft_kwargs(rng, round_, community, **overrides):
    graduate_id = citizen_id(rng, born=dt.date(2000, 5, 5))
    code = credit_code(rng)
    user = make_user(f"ent-{code}", Role.APPLICANT, None)
    from cases import services as case_services

    enterprise = case_services.applicant_enterprise_get_or_create(name=f"公司{code[-4:]}", credit_code=code, user=user)
    kwargs = dict(
        round_=round_,
        enterprise=enterprise,
        org_unit=community,
        by=user,
        project_title="智能灌溉",
        legal_representative_name="陈晨",
        legal_representative_id_number=graduate_id,
        graduate_name="陈晨",
        graduate_id_number=graduate_id,
        graduated_on=timezone.localdate() - dt.timedelta(days=400),
        business_registered_on=timezone.localdate() - dt.timedelta(days=200),
        shareholders=[{"name": "陈晨", "id_number": graduate_id, "capital_percent": Decimal("60"), "is_graduate": True}],
        requested_amount=Decimal("200000"),
        bank_name="杭州银行",
        bank_account_name="公司",
        bank_account_number="6222000011112222333",
    )
    kwargs.update(overrides)
    return kwargs, user


def file_with_documents(kwargs, user, round_):
    from cases import services as case_services

    application = venture_services.venture_application_create(**kwargs)
    for kind in round_.programme.required_documents:
        case_services.attachment_add(
            application=application,
            by=user,
            kind=kind,
            content=simulation.SAMPLE_PDF,
            name="x.pdf",
        )
    return application


# --- configuration: tiers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "tier", "amount"),
    [
        ("0", None, None),
        ("59.99", None, None),
        ("60", 1, "20000"),
        ("64.99", 1, "20000"),
        ("65", 2, "50000"),
        ("69.99", 2, "50000"),
        ("70", 3, "80000"),
        ("74.99", 3, "80000"),
        ("75", 4, "100000"),
        ("79.99", 4, "100000"),
        ("80", 5, "150000"),
        ("89.99", 5, "150000"),
        ("90", 6, "200000"),
        ("100", 6, "200000"),
    ],
)
def test_a_score_on_a_boundary_gets_the_tier_that_starts_there(score, tier, amount):
    found = venture_services.tier_for(score=Decimal(score), tiers=venture_services.tiers_parse(VENTURE_AMOUNT_RULE["tiers"]))
    assert (found.number if found else None, found.amount if found else None) == (tier, Decimal(amount) if amount else None)


def test_weighted_total_of_a_sheet():
    criteria = venture_services.rubric_parse(VENTURE_AMOUNT_RULE["rubric"])
    assert venture_services.sheet_total(points={k: Decimal(v) for k, v in GOOD.items()}, criteria=criteria) == Decimal("70.50")


def test_rounds_are_quarterly_by_default(round_):
    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    assert round_.code == f"{today.year}Q{quarter + 1}"
    assert round_.opens_on == dt.date(today.year, quarter * 3 + 1, 1)
    assert (round_.panel_size, round_.outlier_distance, round_.status) == (5, Decimal("20"), RoundStatus.OPEN)


# --- eligibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ("other_representative", "legal representative"),
        ({"graduated_on": timezone.localdate() - dt.timedelta(days=6 * 366)}, "graduated within"),
        ({"business_registered_on": timezone.localdate() - dt.timedelta(days=30)}, "3 months"),
        ("low_share", "at least 30"),
    ],
)
def test_ineligible_venture_is_refused_and_stays_a_draft(overrides, fragment, round_, community, rng):
    kwargs, user = draft_kwargs(rng, round_, community)
    if overrides == "other_representative":
        kwargs.update(legal_representative_name="赵六", legal_representative_id_number=citizen_id(rng))
    elif overrides == "low_share":
        holder = kwargs["shareholders"][0]
        kwargs["shareholders"] = [
            {**holder, "capital_percent": Decimal("29.99")},
            {"name": "外部股东", "credit_code": credit_code(rng), "capital_percent": Decimal("70.01")},
        ]
    else:
        kwargs.update(overrides)
    application = file_with_documents(kwargs, user, round_)
    audits = AuditEntry.objects.filter(application=application).count()

    with pytest.raises(IneligibleApplication) as error:
        flow_services.case_submit(application=application, by=user)

    assert any(fragment in str(d) for d in error.value.details), error.value.details
    application.refresh_from_db()
    assert (application.status, application.process_id) == (Status.DRAFT, None)
    assert AuditEntry.objects.filter(application=application).count() == audits


def _same_as(earlier, kwargs, same):
    if same == "credit_code":
        kwargs["enterprise"] = earlier.applicant
        kwargs["by"] = earlier.applicant.user
    else:
        graduate = earlier.venture.graduate_id_number
        kwargs.update(
            legal_representative_id_number=graduate,
            graduate_id_number=graduate,
            shareholders=[{"name": "陈晨", "id_number": graduate, "capital_percent": Decimal("60"), "is_graduate": True}],
        )
    return kwargs["by"]


@pytest.mark.parametrize("same", ["credit_code", "id_number"])
def test_an_application_from_an_enterprise_or_graduate_already_funded_is_refused(same, round_, vstaff, community, rng):
    # given a case of this programme that went through review (any case not withdrawn or refused counts)
    earlier = reviewed(round_, vstaff, rng, community)[0]
    kwargs, _ = draft_kwargs(rng, round_, community)
    _same_as(earlier, kwargs, same)
    before = (Application.objects.count(), VentureProject.objects.count(), AuditEntry.objects.count())

    with pytest.raises(EntitlementConflict) as error:
        venture_services.venture_application_create(**kwargs)

    assert str(error.value.message) == (
        f"This enterprise or its graduate already has case {earlier.number} in this programme; the grant is given once."
    )
    assert (Application.objects.count(), VentureProject.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("same", ["credit_code", "id_number"])
def test_two_drafts_of_the_same_enterprise_only_one_is_submitted(same, round_, vstaff, community, rng):
    # given two drafts filed before either was submitted (a draft does not count as funded)
    kwargs, user = draft_kwargs(rng, round_, community)
    first = file_with_documents(kwargs, user, round_)
    kwargs2, _ = draft_kwargs(rng, round_, community)
    user2 = _same_as(first, kwargs2, same)
    second = file_with_documents(kwargs2, user2, round_)
    flow_services.case_submit(application=first, by=user)

    with pytest.raises(EntitlementConflict) as error:
        flow_services.case_submit(application=second, by=user2)

    assert first.number in str(error.value.message) and error.value.details == [first.number]
    second.refresh_from_db()
    assert (second.status, second.process_id) == (Status.DRAFT, None)
    assert list(AuditEntry.objects.filter(application=second).values_list("action", flat=True)) == ["create"]


def test_a_case_waits_for_the_panel_in_district_reviewed(round_, vstaff, community, rng):
    application = reviewed(round_, vstaff, rng, community)[0]
    assert application.status == Status.DISTRICT_REVIEWED
    assert task_names(application) == ["await_panel"]
    assert check_all()["flows"] == []


# --- the draw -------------------------------------------------------------------------------------


def test_the_draw_is_reproducible_with_its_seed(round_, vstaff, pool, community, rng):
    reviewed(round_, vstaff, rng, community, n=2)
    by = vstaff.district_reviewer

    first, again, other = draw_ids(round_, by, 42), draw_ids(round_, by, 42), draw_ids(round_, by, 43)
    seats = venture_services.panel_draw(round_=round_, by=by, seed=42)

    assert first == again == [s.expert_id for s in seats]
    assert len(set(first)) == 5 and first != other
    round_.refresh_from_db()
    assert (round_.seed, round_.status) == (42, RoundStatus.SCORING)
    event = RoundEvent.objects.get(round=round_, action="draw")
    assert event.detail["seed"] == 42 and event.actor == by
    assert sorted(event.detail["drawn"]) == ["E01", "E02", "E03", "E04", "E05"]


def test_conflicted_experts_are_never_drawn(round_, vstaff, pool, community, rng):
    a, b = reviewed(round_, vstaff, rng, community, n=2)
    declared, relative, shareholder = pool[0], pool[1], pool[2]
    declared.affiliated_credit_codes = [a.applicant.credit_code]
    declared.save()
    relative.relatives = [{"name": b.venture.graduate_name, "id_number": ""}]
    relative.save()
    # detected, not declared: the expert's own ID number is on a shareholder register
    holder = b.venture.shareholders.first()
    holder.id_number = shareholder.id_number
    holder.save()
    conflicted = {declared.pk, relative.pk, shareholder.pk}
    free = {e.pk for e in pool} - conflicted  # exactly five left

    for seed in range(15):
        assert set(draw_ids(round_, vstaff.district_reviewer, seed)) == free

    venture_services.panel_draw(round_=round_, by=vstaff.district_reviewer, seed=7)
    excluded = RoundEvent.objects.get(round=round_, action="draw").detail["excluded"]
    assert sorted(excluded) == sorted(e.user.username for e in (declared, relative, shareholder))


def test_too_few_experts_without_conflict_refuses_the_draw(round_, vstaff, pool, community, rng):
    a = reviewed(round_, vstaff, rng, community)[0]
    for expert in pool[:4]:
        expert.affiliated_credit_codes = [a.applicant.credit_code]
        expert.save()
    with pytest.raises(DomainError, match="Only 4 experts"):
        venture_services.panel_draw(round_=round_, by=vstaff.district_reviewer, seed=1)
    round_.refresh_from_db()
    assert (round_.status, round_.seats.count(), round_.events.filter(action="draw").count()) == (RoundStatus.OPEN, 0, 0)


def test_replacement_is_drawn_the_same_way(round_, vstaff, pool, community, rng):
    a = reviewed(round_, vstaff, rng, community)[0]
    by = vstaff.district_reviewer
    seats = venture_services.panel_draw(round_=round_, by=by, seed=5)
    drawn = {s.expert_id for s in seats}
    conflicted = next(e for e in pool if e.pk not in drawn)
    conflicted.affiliated_credit_codes = [a.applicant.credit_code]
    conflicted.save()

    def replace():
        return venture_services.panel_replace(seat=seats[1], by=by, reason="回避")

    try:
        with transaction.atomic():
            first = replace().expert_id
            raise Rollback
    except Rollback:
        pass
    new_seat = replace()

    assert new_seat.expert_id == first
    assert new_seat.expert_id not in drawn | {conflicted.pk}
    assert (new_seat.code, new_seat.draw_number, new_seat.status) == ("E06", 2, SeatStatus.SEATED)
    assert PanelSeat.objects.get(pk=seats[1].pk).status == SeatStatus.REPLACED
    assert RoundEvent.objects.get(round=round_, action="replace").detail["replaced"] == seats[1].code


def test_a_conflicted_expert_seated_by_hand_is_refused(round_, vstaff, pool, community, rng):
    a = reviewed(round_, vstaff, rng, community)[0]
    seats = venture_services.panel_draw(round_=round_, by=vstaff.district_reviewer, seed=3)
    outsider = next(e for e in pool if e.pk not in {s.expert_id for s in seats})
    outsider.relatives = [{"name": "某某", "id_number": a.venture.legal_representative_id_number}]
    outsider.save()
    events = RoundEvent.objects.count()

    with pytest.raises(venture_services.ConflictOfInterest) as error:
        venture_services.panel_seat_add(round_=round_, expert=outsider, by=vstaff.district_reviewer)

    assert "conflict of interest" in str(error.value.message)
    assert any(a.number in str(d) for d in error.value.details)
    assert (round_.seats.count(), RoundEvent.objects.count()) == (5, events)


# --- scoring --------------------------------------------------------------------------------------


@pytest.fixture
def drawn(round_, vstaff, pool, community, rng):
    cases = reviewed(round_, vstaff, rng, community, n=2)
    seats = venture_services.panel_draw(round_=round_, by=vstaff.district_reviewer, seed=11)
    return cases, seats


def test_a_score_above_a_criterion_maximum_is_refused(drawn, round_):
    cases, seats = drawn
    with pytest.raises(DomainError) as error:
        venture_services.score_submit(project=cases[0].venture, by=seats[0].expert.user, points={**GOOD, "market": 11})
    assert error.value.details == ["市场前景: 11 is outside 0 to 10 points."]
    assert ScoreSheet.objects.count() == 0


def test_refusals_speak_simplified_chinese(drawn, pool):
    cases, seats = drawn
    with translation.override("zh-hans"), pytest.raises(DomainError) as error:
        venture_services.score_submit(project=cases[0].venture, by=seats[0].expert.user, points={**GOOD, "market": 11})
    assert (str(error.value.message), error.value.details) == ("评分表未保存。", ["市场前景：11 超出 0 至 10 分的范围。"])
    assert ScoreSheet.objects.count() == 0


def test_a_score_from_an_expert_not_on_the_panel_is_refused(drawn, round_, pool):
    cases, seats = drawn
    outsider = next(e for e in pool if e.pk not in {s.expert_id for s in seats})
    with pytest.raises(PermissionDenied, match="not on the panel"):
        venture_services.score_submit(project=cases[0].venture, by=outsider.user, points=GOOD)
    assert ScoreSheet.objects.count() == 0


def test_a_second_score_sheet_from_the_same_expert_is_refused(drawn):
    cases, seats = drawn
    venture_services.score_submit(project=cases[0].venture, by=seats[0].expert.user, points=GOOD)
    with pytest.raises(DomainError, match="already scored"):
        venture_services.score_submit(project=cases[0].venture, by=seats[0].expert.user, points={**GOOD, "jobs": 10})
    sheet = ScoreSheet.objects.get()
    assert (sheet.total, sheet.points["jobs"]) == (Decimal("70.50"), "5")


def test_a_panel_with_missing_sheets_cannot_close(drawn, round_, chair):
    cases, seats = drawn
    for seat in seats[1:]:
        venture_services.score_submit(project=cases[0].venture, by=seat.expert.user, points=GOOD)
    with pytest.raises(venture_services.PanelIncomplete) as error:
        venture_flow.venture_panel_close(round_=round_, by=chair)
    assert "6 score sheets are missing" in str(error.value.message)
    assert f"E01: {cases[0].number}" in error.value.details
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCORING
    assert VentureProject.objects.filter(mean_score__isnull=False).count() == 0
    assert [task_names(c) for c in cases] == [["await_panel"], ["await_panel"]]


def test_scoring_is_blind_until_the_panel_closes(drawn, round_, chair, client):
    cases, seats = drawn
    project = cases[0].venture
    venture_services.score_submit(project=project, by=seats[0].expert.user, points=GOOD)  # 70.50
    url = reverse("venture_round", args=[round_.pk])
    score_url = reverse("venture_score", args=[round_.pk, project.pk])

    # the expert who scored sees their own total
    client.force_login(seats[0].expert.user)
    assert "70.50" in client.get(url).content.decode()
    # another expert of the panel sees neither the score nor a name, on the round page or the score page
    client.force_login(seats[1].expert.user)
    for page in (client.get(url), client.get(score_url)):
        assert page.status_code == 200
        body = page.content.decode()
        assert "70.50" not in body and "70.5" not in body
        assert seats[0].expert.user.first_name not in body
    # the chair sees progress counts, not scores
    client.force_login(chair)
    body = client.get(url).content.decode()
    assert "1 / 2" in body and "70.50" not in body and "70.5" not in body
    # someone outside the round gets nothing
    client.force_login(make_user("town-x", Role.TOWN_REVIEWER, cases[0].org_unit.parent))
    assert client.get(url).status_code == 404

    # after the close the staff see the results
    for seat in seats:
        for p in (c.venture for c in cases):
            if not ScoreSheet.objects.filter(project=p, expert=seat.expert).exists():
                venture_services.score_submit(project=p, by=seat.expert.user, points=GOOD)
    venture_flow.venture_panel_close(round_=round_, by=chair)
    client.force_login(chair)
    body = client.get(url + "?sort=-score").content.decode()
    assert "70.50" in body and cases[0].number in body


def test_draw_through_the_page_and_results_sorted_by_score(round_, vstaff, pool, community, rng, chair, client):
    low, high = reviewed(round_, vstaff, rng, community, n=2)
    client.force_login(vstaff.district_reviewer)
    assert client.post(reverse("venture_round_draw", args=[round_.pk]), {"seed": "99"}).status_code == 302
    round_.refresh_from_db()
    assert (round_.seed, round_.seats.count()) == (99, 5)
    for seat in round_.seats.select_related("expert__user"):
        venture_services.score_submit(project=high.venture, by=seat.expert.user, points=dict.fromkeys(GOOD, 10))
    score_all(round_)
    venture_flow.venture_panel_close(round_=round_, by=chair)

    url = reverse("venture_round", args=[round_.pk])
    best_first = client.get(url + "?sort=score").content.decode()
    worst_first = client.get(url + "?sort=-score").content.decode()
    assert best_first.index(high.number, best_first.index('id="results"')) < best_first.index(
        low.number, best_first.index('id="results"')
    )
    assert worst_first.index(low.number, worst_first.index('id="results"')) < worst_first.index(
        high.number, worst_first.index('id="results"')
    )
    assert "100.00" in best_first and "70.50" in best_first


def test_score_entry_through_the_page(drawn, round_, client):
    cases, seats = drawn
    project = cases[0].venture
    client.force_login(seats[0].expert.user)
    data = {f"c_{k}": v for k, v in GOOD.items()}
    response = client.post(reverse("venture_score", args=[round_.pk, project.pk]), data)
    assert response.status_code == 302
    assert ScoreSheet.objects.get().total == Decimal("70.50")
    # over the maximum: the service's message is shown (in the default language, Simplified Chinese), nothing saved
    response = client.post(reverse("venture_score", args=[round_.pk, cases[1].venture.pk]), {**data, "c_team": "12"})
    assert response.status_code == 400 and "团队能力：12 超出 0 至 10 分的范围。" in response.content.decode()
    assert ScoreSheet.objects.count() == 1


def test_outliers_need_the_chair_before_the_panel_closes(drawn, round_, chair, vstaff):
    cases, seats = drawn
    # one harsh sheet, far from the median (70.50) of its project
    low = venture_services.score_submit(project=cases[0].venture, by=seats[0].expert.user, points=dict.fromkeys(GOOD, 1))
    assert low.total == Decimal("10.00")
    score_all(round_)
    outliers = venture_services.panel_outliers(round_=round_)
    assert [s.pk for s in outliers] == [low.pk]

    with pytest.raises(TransitionForbidden, match="1 outlying scores"):
        venture_flow.venture_panel_close(round_=round_, by=chair)
    with pytest.raises(PermissionDenied, match="chair"):
        venture_services.outlier_confirm(sheet=low, by=vstaff.district_reviewer, note="ok")
    venture_services.outlier_confirm(sheet=low, by=chair, note="独立意见，保留。")
    projects = venture_flow.venture_panel_close(round_=round_, by=chair)

    means = {p.application_id: p.mean_score for p in projects}
    assert means == {cases[0].pk: Decimal("58.40"), cases[1].pk: Decimal("70.50")}  # (4 x 70.50 + 10) / 5 = 58.40


# --- decision, publicity, payment ----------------------------------------------------------------


def test_award_confirm_override_with_reason_and_refusal(drawn, round_, chair, vstaff, run_on_commit, settings):
    cases, seats = drawn
    score_all(round_)
    run_on_commit(venture_flow.venture_panel_close, round_=round_, by=chair)
    first, second = (VentureProject.objects.get(application=c) for c in cases)
    assert (first.mean_score, first.tier, first.proposed_amount) == (Decimal("70.50"), 3, Decimal("80000"))
    assert [task_names(c) for c in cases] == [["award"], ["award"]]
    assert Application.objects.get(pk=cases[0].pk).deadline > timezone.localdate()  # the approval clock restarts
    assert Document.objects.filter(kind="venture_panel_record").count() == 2
    record = Document.objects.get(kind="venture_panel_record", application=cases[0])
    with record.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    assert all(seat.code in text for seat in seats) and "70.50" in text
    assert not any(seat.expert.user.first_name in text or seat.expert.user.username in text for seat in seats)
    task = venture_flow.SubsidyTask.objects.get(process_id=cases[0].process_id, status="NEW")

    # an override without a reason is refused and changes nothing
    with pytest.raises(DomainError, match="needs a reason"):
        venture_flow.venture_task_award(task_id=task.pk, by=vstaff.approver, amount=Decimal("100000"))
    assert Application.objects.get(pk=cases[0].pk).status == Status.DISTRICT_REVIEWED
    assert task_names(cases[0]) == ["award"]

    # with a reason it stands, and the reason is recorded
    application = run_on_commit(
        venture_flow.venture_task_award, task_id=task.pk, by=vstaff.approver, amount=Decimal("100000"), reason="带动就业显著"
    )
    assert (application.status, application.approved_amount) == (Status.DISTRICT_APPROVED, Decimal("100000"))
    assert VentureProject.objects.get(pk=first.pk).override_reason == "带动就业显著"
    assert "带动就业显著" in application.opinions.last().opinion
    assert Document.objects.filter(application=application, kind="venture_approval_decision").count() == 1

    # the other is refused with its score
    task2 = venture_flow.SubsidyTask.objects.get(process_id=cases[1].process_id, status="NEW")
    refused = run_on_commit(venture_flow.venture_task_award, task_id=task2.pk, by=vstaff.approver, refuse=True, reason="市场不明")
    assert refused.status == Status.REJECTED
    assert "70.50" in refused.opinions.last().opinion
    notice = Document.objects.get(application=refused, kind="venture_refusal_notice")
    with notice.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "70.50" in text and "余杭区人民政府" in text

    # publicity and payment through the engine
    from workflows.engine import steps as flow_services

    publicity = flow_services.publicity_publish(
        programme=round_.programme, applications=[application], by=vstaff.approver, starts_on=timezone.localdate()
    )
    flow_services.publicity_close_due(today=publicity.ends_on + dt.timedelta(days=1))
    simulation.pay(round_.programme, [application], vstaff, set(), random.Random(1))
    assert Application.objects.get(pk=application.pk).status == Status.CLOSED
    assert {k: v for k, v in check_all().items() if v} == {}


def test_the_generic_review_task_cannot_award_a_venture_case(drawn, round_, chair, vstaff):
    cases, _ = drawn
    score_all(round_)
    venture_flow.venture_panel_close(round_=round_, by=chair)
    task = venture_flow.SubsidyTask.objects.get(process_id=cases[0].process_id, status="NEW")
    from workflows.engine import steps as flow_services

    with pytest.raises(TransitionForbidden):
        flow_services.task_decide(task_id=task.pk, by=vstaff.approver, decision="pass", opinion="ok", amount=Decimal("200000"))
    assert Application.objects.get(pk=cases[0].pk).status == Status.DISTRICT_REVIEWED


def test_projects_still_under_review_move_to_the_next_round(round_, vstaff, pool, community, rng):
    ready = reviewed(round_, vstaff, rng, community)[0]
    assert ready.deadline is not None
    late, user = simulation_venture.file_venture(rng=rng, round_=round_, community=community)
    late = flow_services.case_submit(application=late, by=user)
    draft, _ = simulation_venture.file_venture(rng=rng, round_=round_, community=community)

    venture_services.panel_draw(round_=round_, by=vstaff.district_reviewer, seed=1)

    assert VentureProject.objects.get(application=ready).round_id == round_.pk
    assert Application.objects.get(pk=ready.pk).deadline is None  # the clock pauses while the panel works
    moved = VentureProject.objects.get(application=late).round
    assert moved.pk != round_.pk and moved.opens_on == round_.closes_on + dt.timedelta(days=1)
    assert VentureProject.objects.get(application=draft).round_id == moved.pk
    # and a closed-for-filing round takes no new application
    kwargs, user = draft_kwargs(rng, round_, community)
    with pytest.raises(TransitionForbidden, match="no longer accepts"):
        venture_services.venture_application_create(**kwargs)


@pytest.mark.slow
def test_simulate_a_whole_round_of_44_applications(district, capsys):
    call_command("simulate", programme="venture", cases=44, seed=2011)
    out = capsys.readouterr().out
    assert "simulation consistent" in out
    assert Application.objects.filter(programme__code="venture").count() == 44
    round_ = VentureRound.objects.get(status=RoundStatus.CLOSED)
    assert round_.seats.filter(status=SeatStatus.SEATED).count() == 5
    assert ScoreSheet.objects.filter(round=round_).count() == 5 * round_.projects.filter(mean_score__isnull=False).count()
    call_command("check_consistency")
    assert {k: v for k, v in check_all().items() if v} == {}


def test_award_through_the_task_page(drawn, round_, chair, vstaff, client):
    cases, _ = drawn
    score_all(round_)
    venture_flow.venture_panel_close(round_=round_, by=chair)
    task = venture_flow.SubsidyTask.objects.get(process_id=cases[0].process_id, status="NEW")
    url = f"/venture/{task.process_id}/award/{task.pk}/execute/"
    sign_in(client, vstaff.approver)

    page = client.get(url)
    assert page.status_code == 200 and "70.50" in page.content.decode() and "80000" in page.content.decode()
    refused = client.post(url, {"outcome": "override", "amount": "90000", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "needs a reason" in refused.content.decode()
    assert Application.objects.get(pk=cases[0].pk).status == Status.DISTRICT_REVIEWED

    assert client.post(url, {"outcome": "confirm"}).status_code == 302
    application = Application.objects.get(pk=cases[0].pk)
    assert (application.status, application.approved_amount) == (Status.DISTRICT_APPROVED, Decimal("80000"))
    assert task_names(application) == ["await_publicity"]


def test_a_round_is_opened_from_the_round_list(venture, vstaff, chair, client):
    client.force_login(vstaff.district_reviewer)
    assert client.get(reverse("venture_rounds")).status_code == 200
    response = client.post(reverse("venture_rounds"), {"on": "2026-05-20", "chair": str(chair.pk)})
    round_ = VentureRound.objects.get()
    assert response.status_code == 302 and (round_.code, round_.chair, round_.opens_on) == ("2026Q2", chair, dt.date(2026, 4, 1))
    assert RoundEvent.objects.get(round=round_).action == "open"
    # a town reviewer may not open one
    client.force_login(make_user("town-y", Role.TOWN_REVIEWER, vstaff.district_reviewer.org_unit.children.first()))
    client.post(reverse("venture_rounds"), {"on": "2026-08-20", "chair": str(chair.pk)})
    assert VentureRound.objects.count() == 1
