"""The case in hand while a step moves its flow: the routing (workflows.engine.graph) reads the step's locked instance,
the one the service just changed and saved, instead of reading the row again."""

from contextlib import contextmanager
from contextvars import ContextVar

from cases.models import Application

_in_hand: ContextVar[Application | None] = ContextVar("case_in_hand", default=None)


@contextmanager
def routing_from(application: Application):
    """While the step moves the flow, the routing reads the case from the step's locked instance (the one the
    service just changed and saved) instead of reading the row again."""
    token = _in_hand.set(application)
    try:
        yield
    finally:
        _in_hand.reset(token)


def case_in_hand(process_id: int) -> Application | None:
    application = _in_hand.get()
    return application if application is not None and application.process_id == process_id else None
