"""The command line: a single run writes its outputs; bad input gives one line, exit 2 and no output."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def run(args, cwd):
    return subprocess.run([sys.executable, "-m", "abm", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_single_run_writes_model_and_organisation_tables(tmp_path):
    out = tmp_path / "run"
    res = run(["scenario=small", "regulator=stick", "seed=3", "months=12", f"hydra.run.dir={out}"], ROOT)
    assert res.returncode == 0, res.stderr
    model = pd.read_parquet(out / "model.parquet")
    orgs = pd.read_parquet(out / "organisations.parquet")
    assert len(model) == 13 and (model.seed == 3).all() and (model["regulator.name"] == "stick").all()
    assert (orgs.seed == 3).all() and "regulator.severity" in orgs.columns
    assert (out / "config_resolved.json").is_file() and (out / ".hydra" / "config.yaml").is_file()
    assert "performance, true" in res.stdout and str(out) in res.stdout
    assert not list(out.glob(".*.tmp"))


# The full bad-input catalogue (one line, exit 2, nothing written) is in tests/test_reliability.py.
