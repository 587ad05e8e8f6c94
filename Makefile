# The two commands of the quick start. Both create .venv (with a Python >= 3.12) and install the project first.
VENV_PY := .venv/bin/python

.PHONY: run test lint venv clean

venv:
	@bash scripts/bootstrap.sh

run: venv  ## the headline experiment: all five styles on the real England, 20 paired replications, report
	$(VENV_PY) -m experiments.run carrot_vs_stick --jobs 2

test: venv  ## the whole test suite (CI=true runs the heavier profile)
	$(VENV_PY) -m pytest

lint: venv
	.venv/bin/ruff check .

clean:
	rm -rf .venv outputs/* .pytest_cache
