# TechLink Dispatch: `make run` starts everything locally, `make test` runs the test suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The first Python 3.12+ found: on PATH, then pyenv's installed versions.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -V -r); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
SANDBOX_PORT ?= 8001
WEB_PORT ?= 8000
CI ?=

ifneq ($(filter true 1 yes,$(CI)),)
# CI runs the suite against the real services of the machine.
TEST_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} RABBITMQ_URL=$${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672//}
endif

.PHONY: run test install lint bench bench-load clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required (none found on PATH or in pyenv)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var/staticfiles var/media
	$(PY) manage.py migrate --noinput
	$(PY) -m techlink_sandbox seed --data-dir var/sandbox --if-empty
	$(PY) manage.py demo_staff --url http://127.0.0.1:$(WEB_PORT)/
	SANDBOX_PORT=$(SANDBOX_PORT) WEB_PORT=$(WEB_PORT) \
	TECHLINK_BASE_URL=$${TECHLINK_BASE_URL:-http://127.0.0.1:$(SANDBOX_PORT)/api/light/} \
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(WEB_PORT)} \
	$(VENV)/bin/honcho -f docker/Procfile.dev start

test: install
	DJANGO_SETTINGS_MODULE=portal_ui.settings.test $(TEST_ENV) $(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check portal_ui techlink_sandbox tests bench

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Concurrent load on the production web server (needs PostgreSQL and wrk): BENCH_ARGS="--servers all --soak 300"
bench-load: install
	$(PY) bench/load.py $(BENCH_ARGS)

clean:
	rm -rf var/broker var/staticfiles
