# The two commands of the quick start. Both create .venv (with a Python >= 3.12) and install the project first.
VENV_PY := .venv/bin/python

HOST ?= 127.0.0.1
PORT ?= 8765

.PHONY: run test test-fast viz bench lint venv clean

venv:
	@bash scripts/bootstrap.sh

run: venv  ## the headline experiment: all five styles on the real England, 16 posterior draws x 2 replicates, report
	$(VENV_PY) -m experiments run carrot_vs_stick --jobs 2

test: venv  ## the whole test suite (CI=true runs the heavier profile)
	$(VENV_PY) -m pytest

test-fast: venv  ## the fast loop for development: every test not marked slow or browser
	$(VENV_PY) -m pytest -m "not slow and not browser" -q

viz: venv  ## the browser view on http://$(HOST):$(PORT) (loopback only unless HOST is changed)
	@echo "serving the model at http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(VENV_PY) -m solara run abm/viz/app.py --host $(HOST) --port $(PORT) --no-open --production

bench: venv  ## benchmarks (not tests): cost per agent-step vs Mesa's VirusOnNetwork, scaling, sweep launchers
	$(VENV_PY) -m experiments bench

lint: venv  ## ruff, and mypy on the package (the model's Protocol in abm/protocol.py)
	.venv/bin/ruff check .
	.venv/bin/mypy

clean:
	rm -rf .venv outputs/* .pytest_cache
