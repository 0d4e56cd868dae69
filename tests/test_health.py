"""GET /healthz: 200 when the database and the broker answer, 503 when one does not."""

import socket

import pytest

from tests.conftest import services_configured

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # released on close: nothing listens there


def test_healthz_embedded_mode_reports_in_process_broker(client, settings):
    # given the embedded default: no broker configured, tasks run in-process
    settings.CELERY_TASK_ALWAYS_EAGER = True

    # when the probe asks
    response = client.get("/healthz")

    # then it is healthy and says tasks run in-process
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "outbox": {"pending": 0, "oldest_seconds": 0},
    }


def test_healthz_503_when_the_broker_port_is_closed(client, settings):
    # given a broker URL pointing at a port where nothing listens
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    # when the probe asks
    response = client.get("/healthz")

    # then it answers 503 and names the broker
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")
    assert body["outbox"] == {"pending": 0, "oldest_seconds": 0}


@pytest.mark.services
def test_healthz_200_with_postgresql_and_the_real_broker(client, settings):
    # given the service-backed pass (PostgreSQL + broker)
    assert services_configured() is None

    # when the probe asks
    response = client.get("/healthz")

    # then both answer
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "outbox": {"pending": 0, "oldest_seconds": 0}}
