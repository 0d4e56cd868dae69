"""`python -m tests.worker_at_clock -A config worker ...`: the `celery` command at the test clock.

With TEST_CLOCK set (an ISO 8601 instant with a zone) the process travels there first, still ticking, so the real
worker of the service-backed pass reads the same clock as the test process that started it. TEST_CLOCK_READ_AT (the
real epoch seconds at which the parent read TEST_CLOCK, see tests/conftest.py clock_env) adds the time the child took
to start. Without TEST_CLOCK this is plain `celery`.
"""

import datetime as dt
import os
import time

import time_machine
from celery.__main__ import main

if __name__ == "__main__":
    clock = os.environ.get("TEST_CLOCK")
    if clock:
        read_at = float(os.environ.get("TEST_CLOCK_READ_AT") or time.time())
        time_machine.travel(dt.datetime.fromisoformat(clock) + dt.timedelta(seconds=time.time() - read_at), tick=True).start()
    main()
