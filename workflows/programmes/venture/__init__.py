"""Graduate venture grants: the review graph with an expert panel and an award by tier (flow), the panel and award
actions, the round pages (views, forms, urls), the consistency facts (checks) and the simulation profile."""


def register(registry) -> None:
    from workflows.engine.registry import Programme
    from workflows.programmes.venture.actions import venture_rules
    from workflows.programmes.venture.checks import expected_open_tasks
    from workflows.programmes.venture.flow import VentureFlow
    from workflows.programmes.venture.precheck import precheck
    from workflows.programmes.venture.replay import replay
    from workflows.programmes.venture.simulation import simulate

    registry.register(
        Programme(
            kind="venture",
            flow=VentureFlow,
            icon="groups",
            submit_rules=venture_rules,
            urls="workflows.programmes.venture.urls",
            url_prefix="venture/",
            expected_open_tasks=expected_open_tasks,
            simulation=simulate,
            replay=replay,
            precheck=precheck,
        )
    )
