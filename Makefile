# Kindly: `make run` serves it, `make test` tests it. Both work on a new Debian machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint unit bench eval system-deps system-deps-test clean

-include mk/extension.mk

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## Start Kindly on embedded defaults: local Redis (or $$REDIS_URL), offline engine.
run: $(STAMP)
	@bash scripts/run.sh

## Install what the tests need (redis-server, chromium, python deps) and run every test.
test: system-deps-test $(STAMP) $(if $(wildcard mk/extension.mk),e2e-deps)
	$(VENV)/bin/ruff check api tests bench scripts
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-repeatable} $(VENV)/bin/pytest

unit: $(STAMP)
	$(VENV)/bin/pytest -m "not e2e and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check api tests bench scripts

system-deps:
	@bash scripts/system_deps.sh redis-server

system-deps-test:
	@bash scripts/system_deps.sh redis-server chromium

## Benchmarks under the Procfile's settings; prints every round and a summary table (~8 min).
bench: $(STAMP)
	@bash scripts/system_deps.sh redis-server wrk
	$(PY) bench/run_all.py

eval: $(STAMP)
	$(PY) scripts/eval

clean:
	rm -rf $(VENV) var dist build *.egg-info
