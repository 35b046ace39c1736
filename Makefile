# Kindly: `make run` serves it, `make test` tests it. Both work on a new Debian machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint unit bench eval eval-llm fuzz system-deps system-deps-test clean

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
	$(VENV)/bin/ruff check api tests bench scripts evals
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-repeatable} $(VENV)/bin/pytest

unit: $(STAMP)
	$(VENV)/bin/pytest -m "not e2e and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check api tests bench scripts evals

system-deps:
	@bash scripts/system_deps.sh redis-server

system-deps-test:
	@bash scripts/system_deps.sh redis-server chromium

## Benchmarks under the Procfile's settings; prints every round and a summary table (~8 min).
bench: $(STAMP)
	@bash scripts/system_deps.sh redis-server wrk
	$(PY) bench/run_all.py

## Score the offline engine on evals/harsh_drafts.jsonl and on the dev split (two tables).
## EVAL_ARGS="--preset formal --show 10" passes options; scripts/eval has more dev-split detail.
eval: $(STAMP)
	$(PY) evals/run.py $(EVAL_ARGS)

## Long schemathesis run (every check, stateful) with admin, team-admin and agent keys
## against `kindly serve` on a real Redis; fails on any 5xx. FUZZ_SECONDS per key kind.
fuzz: $(STAMP) system-deps
	$(PY) scripts/fuzz --seconds-per-role $${FUZZ_SECONDS:-300}

clean:
	rm -rf $(VENV) var dist build *.egg-info

## Measure the LLM path against an OpenAI-compatible server (never part of `make test`):
##   make eval-llm MODEL_URL=http://127.0.0.1:8091/v1 MODEL=qwen2.5-coder-1.5b-instruct
## EVAL_LLM_ARGS="--mode full --sample 15 --dev-sample 5 --timeout 180 --out FILE" for more.
eval-llm: $(STAMP)
	@test -n "$(MODEL_URL)" -a -n "$(MODEL)" || { echo "usage: make eval-llm MODEL_URL=... MODEL=..."; exit 2; }
	$(PY) evals/llm.py --model-url "$(MODEL_URL)" --model "$(MODEL)" $(EVAL_LLM_ARGS)
