"""The command line: a single run writes its outputs; bad input gives one line, exit 2 and no output."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

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


@pytest.mark.parametrize("override, names", [
    ("regulator=bogus", ["regulator", "bogus", "carrot"]),
    ("scenario=mars", ["scenario", "mars", "england"]),
    ("regulator.severity=1.5", ["regulator.severity", "1.5", "[0.0, 1.0]"]),
    ("months=0", ["months", "0", "[1, 1200]"]),
    ("months=abc", ["months", "abc"]),
    ("behaviour.trust_build=-0.1", ["behaviour.trust_build", "-0.1"]),
    ("regulator.consistency=2", ["regulator.consistency", "2"]),
    ("regulator.investment_rule=random", ["investment_rule", "random", "preferential"]),
    ("nonsense=1", ["nonsense"]),
    ("behaviour.dashboard_cuts=[0.6,0.5,0.7]", ["dashboard_cuts", "increasing"]),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, override, names):
    extra = [a for a in ("scenario=small", "months=2") if a.split("=")[0] != override.split("=")[0]]
    res = run([*extra, override], tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    for name in names:
        assert name in lines[0], lines[0]
    assert not (tmp_path / "outputs").exists()
