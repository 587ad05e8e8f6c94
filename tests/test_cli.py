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


def test_a_plain_install_finds_its_configuration_from_another_directory(tmp_path):
    """Build the wheel, install it (not editable) into a fresh target directory and run it from elsewhere: the
    configuration ships inside the package."""
    import os
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(wheels)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import abm; print(abm.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    res = subprocess.run([sys.executable, "-m", "abm", "scenario=small", "months=2", "regulator=stick",
                          "resources=lean"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert list((work / "outputs" / "runs").glob("*/model.parquet"))


def test_every_experiment_is_one_command_of_python_m_experiments():
    from experiments.__main__ import COMMANDS
    res = subprocess.run([sys.executable, "-m", "experiments", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and all(name in res.stdout for name in COMMANDS)
    bad = subprocess.run([sys.executable, "-m", "experiments", "histroy"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "histroy" in bad.stderr
    for module, _ in COMMANDS.values():                  # each command's module exists and has a main(argv)
        import importlib
        assert callable(importlib.import_module(module).main)
