"""The batched engine: runs stepped side by side give the very tables they give alone, stay independent of one
another, keep money and counts per run, and a Hydra job of many runs writes each as its own result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.batch import Batch, expand
from abm.compose import compose
from abm.config import CHANGEABLE, ConfigError, with_values
from abm.params import merge, numeric, varying
from abm.run import config_key, simulate
from abm.styles import STYLES

ROOT = Path(__file__).resolve().parent.parent


def same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.mark.parametrize("style", list(STYLES))
def test_batched_runs_give_the_tables_of_single_runs_bit_for_bit(style):
    cfg = compose(["scenario=small", "months=36", f"regulator={style}", "seed=5"])
    replicates = [2, 0, 7]
    batch = Batch(cfg, replicates).run()
    for k, rep in enumerate(replicates):
        same_tables(batch.tables(k), simulate(replace(cfg, replicate=rep)))


def test_england_batch_with_organisations_matches_single_runs():
    cfg = compose(["months=30", "regulator=carrot_then_stick", "write_organisations=true"])
    batch = Batch(cfg, [0, 1]).run()
    for k in (0, 1):
        same_tables(batch.tables(k), simulate(replace(cfg, replicate=k)))


@pytest.mark.slow
def test_the_2013_replay_batched_matches_single_runs():
    """The whole replay: timeline events, placements, COVID-19 regime, CCG mergers and abolition, a posterior draw."""
    cfg = compose(["scenario=england_2013", "posterior.draw=2", "write_organisations=false"])
    batch = Batch(cfg, [3, 4]).run()
    assert batch.abolished
    for k, rep in enumerate((3, 4)):
        same_tables(batch.tables(k), simulate(replace(cfg, replicate=rep)))


def varied(cfg, k: int, step: float = 0.07):
    """``cfg`` with every non-zero numeric parameter of the parameter groups moved by ``step * (k - 1)`` of itself
    (within its range): runs k = 0, 1, 2, ... differ in all of them at once."""
    from dataclasses import fields
    values = {}
    for group in CHANGEABLE:
        part = getattr(cfg, group)
        for f in fields(part):
            v = getattr(part, f.name)
            if numeric(v) and v != 0:
                lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
                values[f"{group}.{f.name}"] = min(max(v * (1 + step * (k - 1)), lo), hi)
    return with_values(cfg, values)


@pytest.mark.parametrize("style", list(STYLES))
def test_runs_whose_every_numeric_parameter_differs_give_in_a_batch_the_tables_they_give_alone(style):
    cfg = compose(["scenario=small", "months=40", f"regulator={style}", "seed=5"])
    runs = [replace(varied(cfg, k), replicate=r) for k, r in enumerate([2, 0, 7])]
    batch = Batch.of(runs).run()
    assert len(varying(batch.config)) > 100           # every non-zero number of the schema differs between runs
    for k, run in enumerate(runs):
        same_tables(batch.tables(k), simulate(run))


@pytest.mark.slow
def test_the_2013_replay_with_different_parameters_per_run_matches_single_runs():
    """Timeline events overriding varied parameters, placements, mergers (allowed at different months), abolition."""
    cfg = compose(["scenario=england_2013", "write_organisations=false"])
    runs = [replace(varied(cfg, k), replicate=r) for k, r in enumerate([1, 4])]
    batch = Batch.of(runs).run()
    for k, run in enumerate(runs):
        same_tables(batch.tables(k), simulate(run))


def test_runs_that_differ_in_more_than_numbers_cannot_share_a_batch():
    cfg = compose(["scenario=small", "months=6"])
    with pytest.raises(ConfigError, match="regulator.name"):
        merge([cfg, replace(cfg, regulator=replace(cfg.regulator, name="carrot"))])
    with pytest.raises(ConfigError, match="months"):
        merge([cfg, replace(cfg, months=7)])
    with pytest.raises(ConfigError, match="behaviour.merger_needs_shared_ao"):
        merge([cfg, replace(cfg, behaviour=replace(cfg.behaviour, merger_needs_shared_ao=False))])
    merged = merge([cfg, with_values(cfg, {"behaviour.trust_build": 0.05})])
    assert list(merged.behaviour.trust_build) == [cfg.behaviour.trust_build, 0.05]
    assert merged.behaviour.trust_loss_threat == cfg.behaviour.trust_loss_threat      # shared: a plain number


def test_a_run_does_not_depend_on_the_company_it_keeps():
    cfg = compose(["scenario=small", "months=24", "regulator=stick"])
    alone = Batch(cfg, [1]).run().tables(0)
    crowd = Batch(cfg, [4, 1, 9, 2]).run().tables(1)
    same_tables(alone, crowd)
    other = Batch(cfg, [4, 2]).run().tables(0)
    assert not other["model"].perf_true.equals(alone["model"].perf_true)     # different replicates do differ


def test_money_is_conserved_and_counts_add_up_in_every_run_of_a_batch():
    cfg = compose(["scenario=england", "months=14", "write_organisations=false"])
    batch = Batch(cfg, [0, 1, 2])
    o = batch.orgs
    for _ in range(14):
        before = np.array([o.balance[b].sum() for b in batch.org_runs])
        batch.step()
        after = np.array([o.balance[b].sum() for b in batch.org_runs])
        f = batch.run_flows
        np.testing.assert_allclose(after - before, f.external_in - f.external_out, atol=1e-8)
        for r, rec in enumerate(batch.recorders):
            own = batch.org_runs[r]
            assert rec.row["n_ccgs"] == int((o.alive[own] & (o.kind[own] == "ccg")).sum())
            assert rec.row["total_balance"] == pytest.approx(o.balance[own].sum())
    assert batch.t == 14 and len(batch.recorders[0].model_frame()) == 15


def test_expand_lists_the_runs_of_a_batch_job():
    cfg = compose(["replicate=3", "batch.replicates=2", "posterior.draw=5", "batch.draws=2"])
    runs = expand(cfg)
    assert [(r.posterior.draw, r.replicate) for r in runs] == [(5, 3), (5, 4), (6, 3), (6, 4)]
    assert all(r.batch.replicates == 1 and r.batch.draws == 1 for r in runs)
    single = compose(["replicate=4", "posterior.draw=6"])
    assert config_key(runs[-1]) == config_key(single)        # the result key of the job `replicate=4 posterior.draw=6`


def abm(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "abm", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_a_hydra_job_of_many_runs_writes_each_as_its_own_result_and_resumes_run_by_run(tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", f"hydra.sweep.dir={sweep}", "scenario=small", "months=12", "batch.replicates=3", "replicate=1"]
    res = abm(args, tmp_path)
    assert res.returncode == 0, res.stderr
    (job,) = [d for d in sweep.iterdir() if d.is_dir()]
    runs = sorted(d.name for d in job.iterdir() if (d / "done.json").is_file())
    assert runs == ["r1", "r2", "r3"]
    single = tmp_path / "single"
    res = abm([f"hydra.run.dir={single}", "scenario=small", "months=12", "replicate=2"], tmp_path)
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(job / "r2" / "model.parquet"),
                                  pd.read_parquet(single / "model.parquet"), check_exact=True)
    assert json.loads((job / "r2" / "done.json").read_text())["key"] == \
        json.loads((single / "done.json").read_text())["key"]
    (job / "r3" / "done.json").unlink()                       # as if killed while writing run r3
    res = abm(args, tmp_path)
    assert res.returncode == 0, res.stderr
    assert "1 runs done, 2 complete already" in res.stdout
    assert (job / "r3" / "done.json").is_file()


@pytest.mark.slow
def test_calibration_replays_batched_answer_as_single_replays():
    from experiments.calibration import fit
    values = {"behaviour.trust_threshold": 0.6}
    assert fit.replays(values, [5, 6]) == [fit.replay(values, 5), fit.replay(values, 6)]


def test_runs_with_different_seeds_can_share_a_batch():
    from experiments.validation import dynamics
    together = pd.DataFrame(dynamics.some("stick", [0, 3], 24, ["scenario=small"]))
    alone = pd.DataFrame([dynamics.one("stick", s, 24, ["scenario=small"]) for s in (0, 3)])
    pd.testing.assert_frame_equal(together, alone, check_exact=True)


def test_the_numba_probe_kernel_matches_the_model_bit_for_bit():
    pytest.importorskip("numba")                   # an optional probe (docs/performance.md), not a dependency
    from experiments.performance import numba_probe
    assert numba_probe.main(["--runs", "2"]) == 0


def test_the_recorder_measures_each_run_of_a_batch_as_its_own_arrays_say():
    """The monthly outcomes, computed for all runs at once, against each run's own block measured directly (numpy's
    own means and sums, networkx's connected components): equal to 1e-12 (they are summed in another order)."""
    import networkx as nx

    from abm.mechanisms.collaboration import CCG_CCG
    cfg = compose(["scenario=england", "months=14", "write_organisations=false"])
    batch = Batch(cfg, [0, 5, 9]).run()
    o, e, s = batch.orgs, batch.edges, batch.stps
    prov, ccg = batch.mask("provider"), batch.mask("ccg")
    for r, rec in enumerate(batch.recorders):
        own, edges, stps = batch.org_runs[r], batch.edge_runs[r], batch.stp_runs[r]
        row = rec.row
        bodies = (prov | ccg)[own]
        assert row["perf_true"] == pytest.approx(o.perf_true[own][prov[own]].mean(), rel=1e-12)
        assert row["aggregate_deficit"] == pytest.approx(-o.balance[own][bodies & (o.balance[own] < 0)].sum(), rel=1e-12)
        assert row["n_in_deficit"] == int((bodies & (o.balance[own] < 0)).sum())
        assert row["mean_stress"] == pytest.approx(o.stress[own][bodies].mean(), rel=1e-12)
        assert row["stp_maturity_sd"] == pytest.approx(s.maturity[stps].std(), rel=1e-12)
        jc = e.active[edges] & e.link[edges] & (e.kind[edges] == CCG_CCG)
        assert row["trust_ccg_ccg"] == pytest.approx(e.trust[edges][e.active[edges] & (e.kind[edges] == CCG_CCG)].mean(),
                                                     rel=1e-12)
        graph = nx.Graph(list(zip(e.src[edges][jc].tolist(), e.dst[edges][jc].tolist(), strict=True)))
        assert row["n_joint_committees"] == nx.number_connected_components(graph)
        assert row["n_ccgs"] == int(ccg[own].sum()) and row["month"] == 14
