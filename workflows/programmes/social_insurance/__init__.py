"""Employer social-insurance subsidy (社保补贴): the claim's review graph, town then district deciding each roster row
(flow, views, forms); the ledger's consistency checks (checks); the write entry for the claim's tasks, its payment and its clawbacks (actions). A claim's flow
starts when its roster is submitted (cases.services.social_insurance.claims.claim_submitted)."""


def register(registry) -> None:
    from cases.services.applications import case_rejected
    from cases.services.social_insurance.claims import claim_submitted
    from workflows.engine.registry import Programme
    from workflows.programmes.social_insurance.actions import claim_flow_start, claim_payment_row_settle, claim_rejected
    from workflows.programmes.social_insurance.checks import check_ledger
    from workflows.programmes.social_insurance.flow import SocialInsuranceFlow
    from workflows.programmes.social_insurance.precheck import precheck
    from workflows.programmes.social_insurance.replay import replay
    from workflows.programmes.social_insurance.simulation import simulate
    from workflows.programmes.social_insurance.statistics import statistics

    registry.register(
        Programme(
            kind="social_insurance",
            flow=SocialInsuranceFlow,
            icon="badge",
            checks={"social_insurance_ledger": check_ledger},
            payment_row_settle=claim_payment_row_settle,
            simulation=simulate,
            replay=replay,
            common_decisions=False,
            precheck=precheck,
            statistics=statistics,
        )
    )
    claim_submitted.connect(claim_flow_start, dispatch_uid="social_insurance_claim_flow_start")
    case_rejected.connect(claim_rejected, dispatch_uid="social_insurance_claim_rejected")
