"""SYB entrepreneurship training subsidy (创业培训补贴), claimed by designated training providers: a settled claim's
review graph, district review then approval of the settled amount (flow, views, forms); the write entry for its
tasks and its settlement (actions); the consistency checks (checks); the simulation and the demo work. A claim's
flow starts when it is settled (cases.services.training.claims.claim_settled)."""


def register(registry) -> None:
    from cases.services.training.claims import claim_settled
    from workflows.engine.registry import Programme
    from workflows.programmes.training.actions import claim_flow_start
    from workflows.programmes.training.checks import check_training
    from workflows.programmes.training.demo import demo_work
    from workflows.programmes.training.flow import TrainingFlow
    from workflows.programmes.training.precheck import precheck
    from workflows.programmes.training.replay import replay
    from workflows.programmes.training.simulation import simulate
    from workflows.programmes.training.statistics import statistics

    registry.register(
        Programme(
            kind="training",
            flow=TrainingFlow,
            icon="school",
            urls="workflows.programmes.training.urls",
            url_prefix="training/",
            checks={"training": check_training},
            simulation=simulate,
            replay=replay,
            precheck=precheck,
            statistics=statistics,
            demo_work=demo_work,
            common_decisions=False,
        )
    )
    claim_settled.connect(claim_flow_start, dispatch_uid="training_claim_flow_start")
