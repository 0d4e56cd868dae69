# The single entry point. `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := DJANGO_DEBUG=1 $(PY) manage.py
SYSTEM_PACKAGES := gettext fonts-arphic-gbsn00lp fonts-noto-cjk fonts-hanazono fonts-babelstone-han fonts-dejavu-core libharfbuzz-subset0 poppler-utils chromium chromium-driver
PG_URL ?= postgres://postgres@127.0.0.1:5432/subsidies
REDIS_URL_CI ?= redis://127.0.0.1:6379/15
BENCH_PG_URL ?= $(PG_URL)
BENCH_PACKAGES := postgresql-contrib

.PHONY: run test acceptance test-sqlite test-services test-at-midnight lint worker beat bench bench-workflow bench-packages bench-scale bench-si-year system-packages deps deps-dev clean

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	$(PYTHON) -c "import ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.deps: requirements.txt | system-packages
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.deps-dev: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

deps: system-packages $(VENV)/.deps
deps-dev: system-packages $(VENV)/.deps-dev node_modules/.package-lock.json

# axe-core for the portal's accessibility tests, pinned in package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

run: deps
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

lint: deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run

# The whole suite twice, side by side (one pass per core): on the embedded default (SQLite, tasks in-process), its
# output kept in test-artifacts/sqlite-pass.log and printed when both have ended, and on PostgreSQL + Redis with a
# real Celery worker, printed as it runs. Without those services the second pass is skipped with its reason, except
# under CI=true. `make test-sqlite` or `make test-services` runs one pass; PYTEST_ARGS narrows both (a path, -k ...).
test: lint
	@mkdir -p test-artifacts
	@$(MAKE) --no-print-directory test-sqlite > test-artifacts/sqlite-pass.log 2>&1 & sqlite=$$!; \
	$(MAKE) --no-print-directory test-services; services=$$?; \
	wait $$sqlite; sqlite_status=$$?; \
	echo; echo "==== PostgreSQL pass: exit $$services; SQLite pass (run beside it): exit $$sqlite_status, its output: ===="; \
	cat test-artifacts/sqlite-pass.log; \
	test "$$services" = 0 && test "$$sqlite_status" = 0

# `env -u`: an empty DATABASE_URL is not "unset" for the settings (it fails to parse).
test-sqlite: deps-dev
	env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL DJANGO_DEBUG=1 $(PY) -m pytest -m "not services and not postgres and not acceptance" -p no:cacheprovider $(PYTEST_ARGS)

test-services: deps-dev
	@if $(PY) tests/services_available.py --drop-test-database "$(PG_URL)" "$(REDIS_URL_CI)"; then \
	  DJANGO_DEBUG=1 DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL_CI) REDIS_URL=$(REDIS_URL_CI) \
	    $(PY) -m pytest -m "not acceptance" -p no:cacheprovider --create-db $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then echo "CI: PostgreSQL or Redis is down; the service-backed pass must run." >&2; exit 1; \
	else echo "SKIPPED: PostgreSQL + Redis pass (services not reachable at $(PG_URL) / $(REDIS_URL_CI))."; fi

# The issues' acceptance runs at full size on PostgreSQL + Redis with a real worker (about an hour on two cores):
# 1,000 start-up cases then 50 loans on one database, 300 loans over three years. `make test` runs the same paths smaller.
acceptance: deps-dev
	$(PY) tests/services_available.py --drop-test-database "$(PG_URL)" "$(REDIS_URL_CI)"
	DJANGO_DEBUG=1 DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL_CI) REDIS_URL=$(REDIS_URL_CI) \
	  $(PY) -m pytest -m acceptance -p no:cacheprovider --create-db

# Both passes with the clock moved to 23:30 UTC today (07:30 tomorrow in Asia/Shanghai), still ticking; any instant
# with `make test TEST_CLOCK=2026-12-31T16:01:00Z` (or `make test-at-midnight TEST_CLOCK=...`).
test-at-midnight: export TEST_CLOCK ?= $(shell date -u +%F)T23:30:00Z
test-at-midnight: test-sqlite test-services

worker: deps
	DJANGO_DEBUG=1 $(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2 --prefetch-multiplier=1

beat: deps
	DJANGO_DEBUG=1 $(VENV)/bin/celery -A config beat --loglevel=INFO

# Documents, uploads and rosters on in-memory SQLite; then the workflow part on a PostgreSQL database of its own
# (bench_workflow on the server of BENCH_PG_URL, created and dropped), against pgbench: skipped, saying why, when
# PostgreSQL or pgbench is missing. `make bench-workflow` runs that part alone.
# The documents' workflow figures (documents per core, list pages, the two-worker drain) need PostgreSQL too
# (BENCH_DATABASE_URL, a database of its own, created and migrated on the first run).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/subsidies_bench
bench: deps-dev bench-packages
	env -u DATABASE_URL -u CELERY_BROKER_URL DJANGO_DEBUG=1 BENCH_PG_URL=$(BENCH_PG_URL) $(PY) -m benchmarks; first=$$?; \
	env -u DATABASE_URL -u CELERY_BROKER_URL DJANGO_DEBUG=1 BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m benchmarks.workflow_documents; \
	second=$$?; exit $$(( first > second ? first : second ))

bench-workflow: deps-dev bench-packages
	env -u DATABASE_URL -u CELERY_BROKER_URL DJANGO_DEBUG=1 BENCH_PG_URL=$(BENCH_PG_URL) $(PY) -c "import sys; from benchmarks import workflow; sys.exit(workflow.run())"

# pgbench, the workflow part's baseline (Debian ships it with the server, through postgresql-contrib).
bench-packages:
	@command -v pgbench >/dev/null 2>&1 || { \
	  echo "installing system packages: $(BENCH_PACKAGES)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(BENCH_PACKAGES) >/dev/null; }

# The inbox and the case search at 1,000,000 cases on PostgreSQL (docs/operations.md, "Scale"): the database
# bench_scale (BENCH_SCALE_URL) is built once with bulk SQL and reused by every later run.
BENCH_SCALE_URL ?= postgres://postgres@127.0.0.1:5432/bench_scale
bench-scale: deps-dev
	env -u DATABASE_URL -u CELERY_BROKER_URL BENCH_SCALE_URL=$(BENCH_SCALE_URL) DJANGO_DEBUG=1 $(PY) -m benchmarks.scale

# The social-insurance programme's year at the district report's size (20,157 people, four quarters) on PostgreSQL
# with a worker issuing every document: over an hour on two cores, so not part of `make bench`. Its database is
# dropped and created; BENCH_SI_ARGS="--people 2000 --employers 40" for a smaller run (docs/operations.md).
BENCH_SI_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_si_year
BENCH_SI_BROKER ?= redis://127.0.0.1:6379/14
bench-si-year: deps-dev
	DJANGO_DEBUG=1 BENCH_SI_DATABASE_URL=$(BENCH_SI_DATABASE_URL) CELERY_BROKER_URL=$(BENCH_SI_BROKER) \
	  REDIS_URL=$(BENCH_SI_BROKER) $(PY) -m benchmarks.si_year $(BENCH_SI_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 test-artifacts bench-results
