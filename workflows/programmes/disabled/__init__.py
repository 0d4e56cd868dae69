"""Disabled entrepreneurs' household grant (残疾人自主创业扶持): the review graph with the district review done by the
disabled persons' federation (flow), the household consistency facts (checks), the simulation profile and the demo
work. The applicant's filing pages are the portal's (workflows.portal.views.disabled, `portal:disabled_file`)."""


def register(registry) -> None:
    from workflows.engine.registry import Programme
    from workflows.programmes.disabled.checks import CHECKS
    from workflows.programmes.disabled.demo import demo_work
    from workflows.programmes.disabled.flow import DisabledFlow
    from workflows.programmes.disabled.precheck import precheck
    from workflows.programmes.disabled.replay import replay
    from workflows.programmes.disabled.rules import disabled_rules
    from workflows.programmes.disabled.simulation import simulate
    from workflows.programmes.disabled.statistics import statistics

    registry.register(
        Programme(
            kind="disabled",
            flow=DisabledFlow,
            icon="accessible",
            submit_rules=disabled_rules,
            checks=CHECKS,
            simulation=simulate,
            replay=replay,
            precheck=precheck,
            statistics=statistics,
            demo_work=demo_work,
        )
    )
