"""One pre-check for every programme: the visitor's answers, one verdict per programme kind with its reasons, and
where to go when no open programme takes them.

Each programme judges the answers itself: its package registers `precheck` on its registry entry
(workflows.engine.registry.Programme), a callable

    precheck(*, answers: Answers, programme: cases.models.Programme, today: datetime.date) -> Verdict

reading its rules version (`programme.eligibility_rules`). A kind whose package is not installed, or whose package
registers no `precheck`, is shown as not open, with the service window as the way onward. A programme that is closed (not active, or no budget envelope with money left this year) says so, with the
rule's reasons beside it.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.constants import ApplicantCategory, ProgrammeKind
from cases.models import Application, BudgetEnvelope, Programme
from cases.services.eligibility import eligibility_problems
from workflows.engine.registry import registry


class Who(models.TextChoices):
    PERSON = "person", gettext_lazy("A person who has started or wants to start a business")
    EMPLOYER = "employer", gettext_lazy("An employer (enterprise or individual business that hires staff)")
    PROVIDER = "provider", gettext_lazy("A training provider")


class Group(models.TextChoices):
    """The groups a person may belong to. The first four and `disabled` are applicant categories of the programmes
    (cases.constants.ApplicantCategory); the others are asked so that the answer can point somewhere."""

    GRADUATE = "graduate", gettext_lazy("College graduate")
    UNEMPLOYED = "unemployed", gettext_lazy("Registered unemployed")
    LAND_LOST_FARMER = "land_lost_farmer", gettext_lazy("Land-lost farmer")
    RETURNING_MIGRANT = "returning_migrant", gettext_lazy("Migrant worker back in the home area")
    EX_SERVICEMAN = "ex_serviceman", gettext_lazy("Ex-serviceman")
    DISABLED = "disabled", gettext_lazy("Disabled person with a disability certificate")
    OTHER = "other", gettext_lazy("None of these")


class Outcome(models.TextChoices):
    YES = "yes", gettext_lazy("You may apply")
    LATER = "later", gettext_lazy("You may apply later")
    NO = "no", gettext_lazy("Not for you")
    CLOSED = "closed", gettext_lazy("Not open this year")


class Route(models.TextChoices):
    """Where a visitor who may apply goes next: the portal's filing form, the employers' pages, the training providers'
    pages, or the window."""

    FILE = "file", "file"
    EMPLOYER = "employer", "employer"
    PROVIDER = "provider", "provider"
    WINDOW = "window", "window"


@dataclass(frozen=True)
class Answers:
    """What the visitor answered. Dates are None when not asked or not given; `hired` counts staff besides the
    visitor (0 = none)."""

    who: str
    group: str = ""
    graduated_on: dt.date | None = None
    resident: bool = False
    runs_business: bool = False
    business_registered_on: dt.date | None = None
    hired: int = 0
    syb_trained: bool = False

    @property
    def category(self) -> str:
        """The applicant category of the programmes' rules, or "" for a group no programme names."""
        if self.who == Who.EMPLOYER:
            return ApplicantCategory.EMPLOYER
        return self.group if self.group in ApplicantCategory.values else ""


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reasons: tuple[str, ...] = ()
    after: dt.date | None = None  # LATER: the first day the visitor may apply, when known
    route: str = Route.FILE


@dataclass
class ProgrammeVerdict:
    kind: str
    programme: Programme | None
    verdict: Verdict
    open: bool = True

    @property
    def name(self) -> str:
        return self.programme.name if self.programme else str(ProgrammeKind(self.kind).label)

    @property
    def name_en(self) -> str:
        return (self.programme.name_en if self.programme else "") or str(ProgrammeKind(self.kind).label)


@dataclass
class PrecheckResult:
    verdicts: list[ProgrammeVerdict] = field(default_factory=list)

    @property
    def open_to_visitor(self) -> list[ProgrammeVerdict]:
        """The verdicts that lead somewhere now or later."""
        return [v for v in self.verdicts if v.verdict.outcome in (Outcome.YES, Outcome.LATER)]

    @property
    def needs_window(self) -> bool:
        """No open programme takes the visitor, now or later: the service window is the next step."""
        return not self.open_to_visitor


# --- the shared rule: categories, business age, graduation (cases.services.eligibility) --------------------------


def rules_verdict(*, answers: Answers, programme: Programme, today: dt.date, needs_business: bool = True) -> Verdict:
    """The programme's rule keys read by cases.services.eligibility (categories, business_min_months,
    graduate_within_years), judged on the answers: YES; LATER when only the business is too young (or not yet
    registered); NO with each reason otherwise."""
    rules = programme.eligibility_rules or {}
    categories = rules.get("categories") or []
    if categories and answers.category not in categories:
        allowed = "、".join(str(ApplicantCategory(c).label) for c in categories if c in ApplicantCategory.values)
        return Verdict(Outcome.NO, (_("This programme is for: %(groups)s.") % {"groups": allowed},))
    months = int(rules.get("business_min_months") or 0)
    registered = answers.business_registered_on if answers.runs_business else None
    # The business's age is judged below (it gives a date); the probe's business is just old enough.
    probe = Application(
        programme=programme,
        category=answers.category,
        business_registered_on=today - relativedelta(months=months),
        graduated_on=answers.graduated_on,
    )
    problems = eligibility_problems(application=probe, today=today)
    if problems:
        return Verdict(Outcome.NO, tuple(problems))
    if needs_business and not answers.runs_business:
        if months:
            reason = _("Register your business first; you may apply once it has run for %(months)s months.") % {"months": months}
        else:
            reason = _("Register your business first; then you may apply.")
        return Verdict(Outcome.LATER, (reason,))
    if months and registered is not None and registered > today - relativedelta(months=months):
        after = registered + relativedelta(months=months)
        return Verdict(
            Outcome.LATER,
            (
                _("Your business must have run for %(months)s months; you may apply from %(date)s.")
                % {"months": months, "date": after.isoformat()},
            ),
            after=after,
        )
    return Verdict(Outcome.YES, (_("Your group and your answers meet this programme's conditions."),))


def persons_only(answers: Answers) -> Verdict | None:
    """NO for an employer or a training provider, None for a person."""
    if answers.who == Who.PERSON:
        return None
    return Verdict(Outcome.NO, (_("This programme is for people who start a business themselves."),))


PrecheckRule = Callable[..., Verdict]


# --- every programme ---------------------------------------------------------------------------------------------


def programme_open(*, programme: Programme, year: int) -> bool:
    """Active, and a budget envelope of the year with money left."""
    if not programme.active or programme.current_rules_id is None:
        return False
    return any(e.remaining > 0 for e in BudgetEnvelope.objects.filter(programme=programme, year=year))


def rule_for(kind: str) -> PrecheckRule | None:
    """The programme package's rule; None for a kind no installed package judges (then: closed, ask the window)."""
    entry = registry.get(kind)
    return entry.precheck if entry is not None else None


def precheck_run(*, answers: Answers, today: dt.date) -> PrecheckResult:
    """One verdict per programme kind, in the order of ProgrammeKind (several programmes of a kind: each)."""
    closed_reason = _("Not open for applications this year.")
    by_kind: dict[str, list[Programme]] = {}
    for programme in Programme.objects.select_related("current_rules").order_by("code"):
        by_kind.setdefault(programme.kind, []).append(programme)
    result = PrecheckResult()
    for kind in ProgrammeKind.values:
        programmes = by_kind.get(kind) or []
        rule = rule_for(kind)
        if not programmes or rule is None:
            result.verdicts.append(
                ProgrammeVerdict(kind, None, Verdict(Outcome.CLOSED, (closed_reason,), route=Route.WINDOW), open=False)
            )
            continue
        for programme in programmes:
            if programme.current_rules_id is None:
                verdict = Verdict(Outcome.CLOSED, (closed_reason,), route=Route.WINDOW)
                result.verdicts.append(ProgrammeVerdict(kind, programme, verdict, open=False))
                continue
            verdict = rule(answers=answers, programme=programme, today=today)
            is_open = programme_open(programme=programme, year=today.year)
            if not is_open:
                verdict = Verdict(Outcome.CLOSED, (closed_reason, *verdict.reasons), route=Route.WINDOW)
            result.verdicts.append(ProgrammeVerdict(kind, programme, verdict, open=is_open))
    return result
