"""One-off start-up subsidy: the review graph as it is (community, town, district review, approval, publicity,
payment). The smallest programme: a flow, a simulation profile, its demo work and this registration."""


def register(registry) -> None:
    from workflows.engine.registry import Programme
    from workflows.programmes.startup.demo import demo_work
    from workflows.programmes.startup.flow import StartupFlow
    from workflows.programmes.startup.precheck import precheck
    from workflows.programmes.startup.replay import replay
    from workflows.programmes.startup.simulation import simulate

    registry.register(
        Programme(
            kind="startup",
            flow=StartupFlow,
            icon="assignment",
            simulation=simulate,
            replay=replay,
            demo_work=demo_work,
            precheck=precheck,
        )
    )
