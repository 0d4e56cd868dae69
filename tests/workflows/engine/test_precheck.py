"""The one pre-check: a verdict with reasons for every programme kind, read from each programme's rules (the hooks the
programme packages register, the engine's fallback rules for the kinds without a package), and the service window
when no open programme takes the visitor."""

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation

from cases.constants import ProgrammeKind
from cases.models import BudgetEnvelope, Programme
from workflows.engine import precheck as engine_precheck
from workflows.engine.precheck import Answers, Outcome, Route, Verdict, precheck_run
from workflows.engine.registry import registry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def today(programme) -> dt.date:
    return timezone.localdate()


def open_programme(code: str, today: dt.date) -> Programme:
    programme = Programme.objects.get(code=code)
    programme.active = True
    programme.save(update_fields=["active"])
    BudgetEnvelope.objects.get_or_create(
        programme=programme, year=today.year, org_unit=None, defaults={"amount": Decimal("100000")}
    )
    return programme


def verdicts(answers: Answers, today: dt.date) -> dict[str, Verdict]:
    result = precheck_run(answers=answers, today=today)
    assert [v.kind for v in result.verdicts] == ProgrammeKind.values  # every kind, once (one programme per kind here)
    return {v.kind: v.verdict for v in result.verdicts}


def person(group: str, today: dt.date, **kwargs) -> Answers:
    defaults = {"resident": True, "runs_business": True, "business_registered_on": today - relativedelta(years=1)}
    return Answers(who="person", group=group, **{**defaults, **kwargs})


def test_every_programme_kind_has_a_rule_the_registered_ones_their_own():
    for kind in ("startup", "venture", "loan", "social_insurance", "disabled", "training"):
        assert registry.get(kind).precheck.__module__ == f"workflows.programmes.{kind}.precheck"
        assert engine_precheck.rule_for(kind) is registry.get(kind).precheck


def test_a_graduate_with_a_year_old_business(today):
    open_programme("venture", today)
    answers = person("graduate", today, graduated_on=today - relativedelta(years=2))
    found = verdicts(answers, today)
    assert found["startup"] == Verdict(
        Outcome.YES, ("Your group and your answers meet this programme's conditions.", "It is granted once per person.")
    )
    assert found["venture"] == Verdict(
        Outcome.YES,
        (
            "Your group and your answers meet this programme's conditions.",
            "You must be the company's legal representative, and graduates must hold at least 30 % of its capital.",
        ),
    )
    assert found["loan"] == Verdict(Outcome.YES, ("Your group and your answers meet this programme's conditions.",))
    assert found["social_insurance"] == Verdict(
        Outcome.CLOSED,
        ("Not open for applications this year.", "This subsidy is claimed by employers for the people they hired."),
        route=Route.WINDOW,
    )
    # the disabled grant is open in the reference data; its rule says why it is not for this visitor
    assert found["disabled"] == Verdict(Outcome.NO, ("This grant is for disabled people who hold a disability certificate.",))
    assert found["training"].outcome == Outcome.CLOSED


def test_a_graduate_of_long_ago_is_told_why_not(today):
    answers = person("graduate", today, graduated_on=today - relativedelta(years=8))
    assert verdicts(answers, today)["startup"] == Verdict(Outcome.NO, ("Graduates must have graduated within the last 5 years.",))


def test_a_young_business_may_apply_from_the_day_it_has_run_the_months(today):
    registered = today - relativedelta(months=2)
    found = verdicts(person("unemployed", today, business_registered_on=registered), today)
    after = registered + relativedelta(months=6)
    assert found["startup"] == Verdict(
        Outcome.LATER,
        (f"Your business must have run for 6 months; you may apply from {after.isoformat()}.",),
        after=after,
    )
    # the loan needs the SYB certificate for the unemployed
    assert found["loan"] == Verdict(
        Outcome.LATER, ("Take the SYB entrepreneurship training first: its certificate is required for your group.",)
    )
    found = verdicts(person("unemployed", today, business_registered_on=registered, syb_trained=True), today)
    assert found["loan"] == Verdict(Outcome.YES, ("Your group and your answers meet this programme's conditions.",))


def test_no_business_yet_means_register_first(today):
    found = verdicts(person("land_lost_farmer", today, runs_business=False, business_registered_on=None), today)
    assert found["startup"] == Verdict(
        Outcome.LATER, ("Register your business first; you may apply once it has run for 6 months.",)
    )


def test_a_disabled_person_is_offered_the_household_grant(today):
    open_programme("disabled", today)
    result = precheck_run(answers=person("disabled", today), today=today)
    found = {v.kind: v.verdict for v in result.verdicts}
    assert found["disabled"] == Verdict(
        Outcome.YES, ("You hold a disability certificate, live in the district and run a business.",)
    )
    assert found["startup"] == Verdict(
        Outcome.NO, ("This programme is for: College graduate within 5 years、Registered unemployed、Land-lost farmer.",)
    )
    assert found["loan"].outcome == Outcome.YES  # a key group of the loan programme
    assert not result.needs_window
    # without a business yet: later, saying what to register; living elsewhere: not this grant
    later = verdicts(person("disabled", today, runs_business=False, business_registered_on=None), today)["disabled"]
    assert later.outcome == Outcome.LATER
    assert later.reasons == (
        "Register your business first (an individual business licence, or a firm of which you are the legal "
        "representative); then you may apply.",
    )
    elsewhere = verdicts(person("disabled", today, resident=False), today)["disabled"]
    assert elsewhere == Verdict(Outcome.NO, ("This grant is for residents of the district.",))


def test_an_employer_is_led_to_the_social_insurance_subsidy(today):
    open_programme("social-insurance", today)
    employer = Answers(who="employer", resident=True, runs_business=True, business_registered_on=today, hired=3)
    found = verdicts(employer, today)
    assert found["social_insurance"] == Verdict(
        Outcome.YES,
        ("You may claim per quarter for staff of the supported groups on a contract of at least 1 year(s).",),
        route=Route.EMPLOYER,
    )
    assert found["startup"] == Verdict(Outcome.NO, ("This programme is for people who start a business themselves.",))
    no_staff = verdicts(Answers(who="employer", runs_business=True, business_registered_on=today), today)
    assert no_staff["social_insurance"].outcome == Outcome.LATER
    assert no_staff["social_insurance"].route == Route.EMPLOYER


def test_a_group_no_open_programme_takes_goes_to_the_window(today):
    answers = person("ex_serviceman", today, runs_business=False, business_registered_on=None, syb_trained=True)
    result = precheck_run(answers=answers, today=today)
    assert {v.kind: v.verdict.outcome for v in result.verdicts} == {
        "startup": Outcome.NO,
        "social_insurance": Outcome.CLOSED,
        "disabled": Outcome.NO,
        "venture": Outcome.CLOSED,
        "loan": Outcome.NO,
        "training": Outcome.CLOSED,
    }
    assert result.needs_window


def test_training_for_people_not_trained_before_and_for_providers(today):
    open_programme("training", today)
    found = verdicts(person("returning_migrant", today, runs_business=False, business_registered_on=None), today)
    assert found["training"] == Verdict(
        Outcome.YES,
        ("You may join a free SYB class; the designated training provider claims the subsidy.",),
        route=Route.WINDOW,
    )
    trained = verdicts(person("returning_migrant", today, syb_trained=True), today)["training"]
    assert trained == Verdict(Outcome.NO, ("SYB training is subsidised once per person; you have taken it already.",))
    old = verdicts(person("other", today, business_registered_on=today - relativedelta(years=4)), today)["training"]
    assert old == Verdict(Outcome.NO, ("The training is for people who started a business within the last 3 years.",))
    provider = verdicts(Answers(who="provider"), today)["training"]
    assert provider.outcome == Outcome.YES and provider.route == Route.PROVIDER


def test_an_active_programme_without_money_left_this_year_is_closed(today):
    envelope = BudgetEnvelope.objects.get(programme__code="startup", year=today.year, org_unit=None)
    BudgetEnvelope.objects.filter(pk=envelope.pk).update(committed=envelope.amount)
    found = verdicts(person("unemployed", today), today)
    assert found["startup"] == Verdict(
        Outcome.CLOSED,
        (
            "Not open for applications this year.",
            "Your group and your answers meet this programme's conditions.",
            "It is granted once per person.",
        ),
        route=Route.WINDOW,
    )


def test_a_kind_no_installed_package_judges_is_closed_with_the_window_onward(today, monkeypatch):
    """An installation without the disabled grant's package (or a package without a rule): shown as not open."""
    open_programme("disabled", today)
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda kind: None if kind == "disabled" else real_get(kind))
    assert verdicts(person("disabled", today), today)["disabled"] == Verdict(
        Outcome.CLOSED, ("Not open for applications this year.",), route=Route.WINDOW
    )
