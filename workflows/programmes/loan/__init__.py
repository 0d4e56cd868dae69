"""Guaranteed start-up loans with interest subsidy: the review graph up to qualification, then the loan's own life
(flow); the write entry for every loan page, task and command (actions); the bank and district pages (views, forms,
selectors, urls); the periodic tasks (tasks); the consistency checks (checks) and the simulation profile."""


def register(registry) -> None:
    from workflows.engine.registry import Programme
    from workflows.programmes.loan.actions import subsidy_return_row_settle
    from workflows.programmes.loan.checks import check_loans, loan_envelope_problems, loan_open_tasks_expected
    from workflows.programmes.loan.demo import demo_work
    from workflows.programmes.loan.flow import LoanFlow
    from workflows.programmes.loan.precheck import precheck
    from workflows.programmes.loan.replay import replay
    from workflows.programmes.loan.simulation import simulate
    from workflows.programmes.loan.statistics import statistics

    registry.register(
        Programme(
            kind="loan",
            flow=LoanFlow,
            icon="account_balance",
            urls="workflows.programmes.loan.urls",
            url_prefix="loans/",
            checks={"loans": check_loans},
            expected_open_tasks=loan_open_tasks_expected,
            payment_row_settle=subsidy_return_row_settle,
            envelope_check=loan_envelope_problems,
            simulation=simulate,
            replay=replay,
            demo_work=demo_work,
            precheck=precheck,
            statistics=statistics,
        )
    )
