# The two commands of the quick start. Both create .venv (with a Python >= 3.12) and install the project first.
VENV_PY := .venv/bin/python

.PHONY: run test lint venv clean

venv:
	@bash scripts/bootstrap.sh

run: venv  ## every regulatory style on the real England (3 seeds each), compared in one table
	$(VENV_PY) -m experiments.compare_styles --seeds 3

test: venv  ## the whole test suite (CI=true runs the heavier profile)
	$(VENV_PY) -m pytest

lint: venv
	.venv/bin/ruff check .

clean:
	rm -rf .venv outputs/* .pytest_cache
