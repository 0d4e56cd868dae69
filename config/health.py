"""GET /healthz: database and broker state, 200 when both answer, 503 otherwise; and the backlog of owed work."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return f"error: {type(error).__name__}"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from config.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {type(error).__name__}"


def _outbox() -> dict | str:
    """Owed documents and notifications not yet done: they wait here while the broker or the workers are down."""
    from django.utils import timezone

    from cases.services import outbox_backlog

    try:
        return outbox_backlog(now=timezone.now())
    except Exception as error:  # noqa: BLE001
        return f"error: {type(error).__name__}"


def healthz(request):
    state = {"database": _database(), "broker": _broker()}
    healthy = state["database"] == "ok" and state["broker"] in ("ok", "in-process")
    if state["database"] == "ok":
        state["outbox"] = _outbox()
    return JsonResponse({"status": "ok" if healthy else "error", **state}, status=200 if healthy else 503)
