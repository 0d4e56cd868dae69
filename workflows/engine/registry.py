"""The programmes this installation runs. The engine, the `simulate` command and `check_consistency` read them from here
and never name one.

Each package listed in settings.SUBSIDY_PROGRAMMES defines `register(registry)`; WorkflowsConfig.ready() imports
the packages in order and calls it. A kind registered twice, or a flow on the review graph that no programme
declares, stops the start-up with ImproperlyConfigured.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Programme:
    """What the engine needs to know about one programme kind.

    kind            the value of cases.Programme.kind this package handles
    flow            its viewflow Flow class (`class XFlow(ReviewGraph, Flow)`)
    icon            the Material icon of its section in the staff site
    submit_rules    called with the locked case before submission; raises DomainError to refuse
    urls            module path of its staff pages (included under `url_prefix`)
    checks          consistency checks: name -> callable returning a list of problems
    expected_open_tasks  callable returning {application id: open task name} for the cases whose open task depends
                    on more than their status ("" = none); the rest follow graph.OPEN_TASK_FOR_STATUS
    payment_row_settle   settles one row of a bank return file for this programme's payment batches
                    (keyword arguments row, by, today; returns "paid", "returned" or "unchanged"); None = the
                    one-off payment of the review graph
    envelope_check  callable(envelope, ledger_paid=...) -> problems, for a programme whose envelopes do not commit
                    per approved case (then the engine's per-case commitment check is skipped)
    simulation      callable(cases, seed) -> report with `lines()`: the programme's synthetic run for `simulate`
    replay          callable(replay=workflows.engine.replay.Replay, target=Target) -> the cases it approved: the
                    programme's part of `replay_report` (only what the report counts, in the replay's year, the
                    target's count and total exact)
    common_decisions  whether its review tasks take the common decision (pass, return, reject on the whole case:
                    `steps.task_decide`, the work queue's bulk pass); False for a programme whose tasks are decided on
                    their own pages (social insurance: row by row), which the common decision then refuses
    statistics      callable(cases=..., counted=..., period=...) -> {town id: {measure: value}}: the programme's own
                    measures (person-months, trainees, households, loans lent...; keys of
                    workflows.engine.statistics.MEASURES) over its cases in scope (`cases`) and those the period
                    counts (`counted`), in aggregate queries grouped by `statistics.town_expression`; None = only the
                    common figures
    demo_work       callable(demo) that files this programme's demo work in progress through its services
                    (workflows.engine.demo_work.Demo), for `seed_demo`
    precheck        the portal pre-check's rule for this kind: precheck(*, answers, programme, today) -> Verdict
                    (workflows.engine.precheck.Answers and Verdict), reading the programme's rules version; None =
                    shown as not open, with the service window as the way onward
    """

    kind: str
    flow: type
    icon: str = "assignment"
    submit_rules: Callable | None = None
    urls: str = ""
    url_prefix: str = ""
    checks: dict[str, Callable[[], list[str]]] = field(default_factory=dict)
    expected_open_tasks: Callable[[], dict[int, str]] | None = None
    payment_row_settle: Callable | None = None
    envelope_check: Callable[..., list[str]] | None = None
    simulation: Callable | None = None
    replay: Callable | None = None
    demo_work: Callable | None = None
    statistics: Callable | None = None
    common_decisions: bool = True
    precheck: Callable | None = None


class Registry:
    def __init__(self) -> None:
        self._programmes: dict[str, Programme] = {}

    def register(self, programme: Programme) -> None:
        if programme.kind in self._programmes:
            raise ImproperlyConfigured(f"Programme kind {programme.kind!r} is registered twice.")
        for other in self._programmes.values():
            if other.flow is programme.flow:
                raise ImproperlyConfigured(f"{programme.flow.__name__} is registered for {other.kind!r} and {programme.kind!r}.")
        self._programmes[programme.kind] = programme

    def unregister(self, kind: str) -> None:
        del self._programmes[kind]

    def get(self, kind: str) -> Programme | None:
        return self._programmes.get(kind)

    def all(self) -> list[Programme]:
        return list(self._programmes.values())

    def kinds(self) -> list[str]:
        return list(self._programmes)

    def load(self, packages: list[str]) -> None:
        """Import each programme package and let it register itself, then refuse unregistered flows."""
        for package in packages:
            module = import_module(package)
            register = getattr(module, "register", None)
            if register is None:
                raise ImproperlyConfigured(f"Programme package {package} has no register(registry) function.")
            register(self)

    def assert_every_flow_registered(self, graph: type) -> None:
        """Every Flow class built on `graph` (the review graph mixin) belongs to a registered programme."""
        registered = {p.flow for p in self._programmes.values()}
        for flow_class in _subclasses(graph):
            if flow_class not in registered:
                raise ImproperlyConfigured(
                    f"{flow_class.__module__}.{flow_class.__name__} runs the review graph but no programme registers it."
                )


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


registry = Registry()
