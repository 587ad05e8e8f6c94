"""Calibration: what is fitted and how far a replay is from England, the ABC-SMC run (smoke budget, resume, Dask),
the shipped posterior and the parameter uncertainty of the experiments' results."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import posterior
from abm.compose import compose
from abm.config import CHANGEABLE, BehaviourConfig, Config, ConfigError, RegimeConfig
from abm.run import simulate
from experiments.calibration import calibrate, fit, predictive, smc
from experiments.evidence import observed as targets
from experiments.sweeps.compare import paired_differences, posterior_spread

ROOT = Path(__file__).resolve().parent.parent


# --- what is fitted -----------------------------------------------------------------------------------------------
def test_free_parameters_are_the_numeric_assumptions_with_priors_inside_their_ranges():
    free = fit.free_parameters().set_index("name")
    declared = {f"{g}.{f.name}": f for g, s in (("behaviour", BehaviourConfig), ("regime", RegimeConfig))
                for f in fields(s)}
    assert len(free) > 50
    for name, row in free.iterrows():
        meta = declared[name].metadata
        # an assumption, or one this calibration fitted (its prior centred on the value assumed before)
        assert meta["provenance"] == "assumption" or meta.get("assumed") == row["default"], name
        assert meta["lo"] <= row.low < row.high <= meta["hi"], name
        assert row.low <= row["default"] <= row.high, name
    assert "behaviour.target" not in free.index            # a source-number is not free
    # the replay's own inputs are not free: its observed starting share in deficit, what the timeline changes
    assert {"behaviour.initial_deficit_share", "behaviour.tender_rate", "behaviour.merger_rate"} <= fit.replay_inputs()
    assert not fit.replay_inputs() & set(free.index)
    assert "behaviour.cost_drift" not in free.index        # nor is one calibrated by hand
    fitted = {n for n, f in declared.items() if f.metadata.get("assumed") is not None}
    assert fitted <= set(free.index) and not fitted & set(fit.free_parameters(calibrated=False).name)


def test_fit_rows_end_by_march_2016_or_set_a_parameter_and_the_rest_are_held_out():
    obs = fit.observations()
    assert set(obs.use) == {"fit", "held out"}
    from experiments.evidence import catalogue as effects
    designs = {d.key: d for d in effects.DESIGNS}
    published = obs[obs.measure == "effect"]
    assert set(published.period) == set(designs)             # every design, fit or held out as it says
    fitted = {d.key for d in effects.fitted()}
    assert all((r.use == "fit") == (r.period in fitted) for r in published.itertuples())
    assert fitted <= {k for k, d in designs.items() if d.fit}            # only rows marked fit, and only evidence
    per_trust = obs[obs.measure.str.startswith("trust_")]     # the replay's fit window, all fit
    assert len(per_trust) >= 7 and set(per_trust.use) == {"fit"}
    obs = obs[(obs.measure != "effect") & ~obs.measure.str.startswith("trust_")]
    for r in obs.itertuples():
        early = fit._end(r.period) <= fit.FIT_UNTIL
        assert (r.use == "fit") == (early or (r.measure, r.period) in targets.FIT), r
    assert (obs.use == "held out").sum() >= 10
    assert not set(obs.measure) & set(targets.NOT_MODELLED)
    assert all(targets.months_of(p)[0] >= targets.REPLAY_START for p in obs.period)       # none before the replay


def test_distance_is_zero_on_the_observations_and_grows_with_the_error():
    obs = fit.observations()
    exact = dict(zip(obs.key, obs.low, strict=True))              # inside every row's tolerance interval
    assert fit.distance(exact) == 0.0
    off = dict(exact)
    first = obs[obs.use == "fit"].iloc[0]
    off[first.key] = first.real + first.scale               # one fit row a tolerance away
    further = dict(off, **{first.key: first.real + 2 * first.scale})
    assert 0.0 < fit.distance(off) < fit.distance(further)
    held = obs[obs.use == "held out"].iloc[0]
    assert fit.distance(dict(exact, **{held.key: held.real * 5 + 50})) == 0.0    # held-out rows do not count
    missing = dict(exact)
    del missing[first.key]
    assert fit.distance(missing) == pytest.approx(fit.MISSING / np.sqrt((obs.use == "fit").sum()))


def test_settings_take_the_budget_and_refuse_anything_else():
    smoke = calibrate.settings(["calibrate.budget=smoke"])
    assert smoke.population == calibrate.BUDGETS["smoke"]["population"]
    assert calibrate.settings(["calibrate.budget=smoke", "calibrate.population=5"]).population == 5
    for bad in (["regulator=stick"], ["calibrate.bogus=1"], ["calibrate.budget=huge"], ["calibrate.population=-1"]):
        with pytest.raises(ConfigError):
            calibrate.settings(bad)


def test_resampling_follows_the_weights():
    particles = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    draws = predictive.resample(particles, np.array([0.0, 0.25, 0.75]), 400, seed=1)
    assert len(draws) == 400 and 0.0 not in set(draws.x)
    assert (draws.x == 2.0).mean() == pytest.approx(0.75, abs=0.01)


# --- the ABC-SMC run ----------------------------------------------------------------------------------------------
def _chosen(k: int = 2) -> pd.DataFrame:
    free = fit.free_parameters().set_index("name")
    return free.loc[["behaviour.capacity_headroom", "behaviour.cquin_floor"][:k]].reset_index()


def finished_generation(out: Path) -> int:
    """The last generation the calibration finished, read from its state (-1 before the first)."""
    try:
        return int(json.loads((out / "smc" / "state.json").read_text())["t"])
    except (OSError, ValueError, KeyError):                 # not written yet, or being replaced
        return -1


@pytest.mark.slow
def test_a_killed_calibration_resumes_where_it_stopped_and_ends_as_if_never_killed(tmp_path):
    # a wall-time limit no run reaches: on a busy machine the smoke budget's 2 minutes stopped the uninterrupted run
    # a generation early, which is the clock, not the resume
    args = ["calibrate.budget=smoke", "calibrate.population=6", "calibrate.generations=3",
            "calibrate.walltime_minutes=600"]
    whole = tmp_path / "whole"
    assert calibrate.main([*args, "--out", str(whole)]) == 0
    killed = tmp_path / "killed"
    (killed / "smc").mkdir(parents=True)
    shutil.copy(whole / "screening.csv", killed / "screening.csv")        # the same screening, reused
    proc = subprocess.Popen([sys.executable, "-m", "experiments", "calibrate", *args, "--out", str(killed)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 600
    while proc.poll() is None and time.time() < deadline and finished_generation(killed) < 1:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)                     # killed mid-calibration
    proc.wait()
    done = finished_generation(killed)
    assert 1 <= done < 3
    first = pd.read_parquet(killed / "smc" / "generation_0.parquet")
    assert calibrate.main([*args, "--out", str(killed)]) == 0       # started again: it carries on
    assert finished_generation(killed) == 3
    pd.testing.assert_frame_equal(first, pd.read_parquet(killed / "smc" / "generation_0.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(whole / "posterior.parquet"),
                                  pd.read_parquet(killed / "posterior.parquet"))   # as if it had never been killed
    tolerance = pd.DataFrame(json.loads((killed / "smc" / "state.json").read_text())["rows"]).tolerance.to_numpy()
    assert (np.diff(tolerance[1:]) <= 0).all()


@pytest.mark.slow
def test_the_dask_workers_run_the_calibration_on_a_local_cluster(tmp_path):
    pytest.importorskip("distributed")
    cfg = calibrate.settings(["calibrate.budget=smoke", "calibrate.population=4", "calibrate.generations=1",
                              "calibrate.sampler=dask"])
    history = smc.run(cfg, _chosen(1), 2, tmp_path)
    particles = history.particles
    assert len(particles) == 4 and np.isclose(particles.weight.sum(), 1.0)
    lo, hi = _chosen(1).low[0], _chosen(1).high[0]
    assert particles.iloc[:, 0].between(lo, hi).all() and history.n_generations == 2


def test_replenishment_keeps_every_particle_equally_weighted_and_inside_the_prior(tmp_path, monkeypatch):
    """The sampler itself, on a toy distance (no replay): equal weights, the tolerance never rises, particles stay
    inside the prior and move towards the target."""
    def toy(items):
        return [abs(v["behaviour.capacity_headroom"] - 0.94) * 100 + (r % 7) / 100 for v, r in items]
    monkeypatch.setattr(smc, "_evaluate", toy)
    cfg = calibrate.settings(["calibrate.budget=smoke", "calibrate.population=40", "calibrate.generations=4"])
    history = smc.run(cfg, _chosen(1), 1, tmp_path)
    p = history.particles
    assert np.allclose(p.weight, 1 / 40) and smc.effective_size(p.weight) == pytest.approx(40)
    lo, hi = _chosen(1).low[0], _chosen(1).high[0]
    assert p.iloc[:, 0].between(lo, hi).all()
    tol = history.generations.tolerance.to_numpy()[1:]
    assert (np.diff(tol) <= 0).all() and tol[-1] < tol[0]
    assert abs(p.iloc[:, 0].mean() - 0.94) < 0.5 * abs(0.5 * (lo + hi) - 0.94)        # towards the target
    assert p.iloc[:, 0].std() < 0.5 * (hi - lo) / np.sqrt(12)                              # narrower than the prior


@pytest.mark.slow
def test_the_smoke_budget_writes_a_complete_calibration(tmp_path):
    assert calibrate.main(["calibrate.budget=smoke", "--out", str(tmp_path)]) == 0
    for name in ("screening.csv", "screening.png", "smc/state.json", "posterior.parquet", "pairs.png", "predictive.png",
                 "predictive.csv", "report.md"):
        assert (tmp_path / name).is_file(), name
    post = pd.read_parquet(tmp_path / "posterior.parquet")
    screening = pd.read_csv(tmp_path / "screening.csv")
    chosen = screening[screening.calibrated].name.tolist()
    assert chosen and list(post.columns[: len(chosen)]) == chosen
    assert np.isclose(post.weight.sum(), 1.0) and (post.distance >= 0).all()
    bounds = screening.set_index("name")
    for name in chosen:
        assert post[name].between(bounds.loc[name, "low"], bounds.loc[name, "high"]).all()
    report = (tmp_path / "report.md").read_text()
    assert "held out" in report and "posterior" in report
    pred = pd.read_csv(tmp_path / "predictive.csv")
    assert set(pred.arm) == {"posterior", "assumed"}


# --- the shipped posterior ----------------------------------------------------------------------------------------
shipped = pytest.mark.skipif(posterior.table() is None, reason="no posterior shipped")


@shipped
def test_the_schema_defaults_are_the_shipped_posteriors_medoid_a_real_draw():
    t = posterior.table()
    assert len(t) >= 16 and posterior.parameters()
    centre = posterior.centre()
    assert any(all(row[n] == pytest.approx(v) for n, v in centre.items()) for _, row in t.iterrows())
    for name in posterior.parameters():
        group, key = name.split(".", 1)
        default = getattr(CHANGEABLE[group](), key)
        assert default == pytest.approx(centre[name], rel=1e-3, abs=1e-6), name
        field = {f.name: f for f in fields(CHANGEABLE[group])}[key]
        assert field.metadata["provenance"] == "calibrated", name


@shipped
def test_a_draw_sets_the_calibrated_parameters_and_keeps_values_set_by_hand():
    t = posterior.table()
    name = posterior.parameters()[0]
    group, key = name.split(".", 1)
    cfg = posterior.apply(compose(["posterior.draw=3"]))
    assert getattr(getattr(cfg, group), key) == pytest.approx(t[name][3])
    assert posterior.apply(Config()) == Config()                       # the defaults (the medoid): nothing to change
    by_hand = compose(["posterior.draw=3", f"{name}={1.01 * getattr(getattr(Config(), group), key)}"])
    assert getattr(getattr(posterior.apply(by_hand), group), key) == getattr(getattr(by_hand, group), key)
    best = posterior.apply(compose(["posterior.best=true"]))
    assert getattr(getattr(best, group), key) == pytest.approx(t.loc[t.distance.idxmin(), name])
    with pytest.raises(ConfigError, match="out of range"):
        posterior.apply(compose([f"posterior.draw={len(t)}"]))


@shipped
def test_a_run_at_a_draw_records_the_draws_values():
    name = posterior.parameters()[0]
    tables = simulate(compose(["scenario=small", "months=3", "write_organisations=false", "posterior.draw=1"]))
    assert tables["model"][name].iloc[0] == pytest.approx(posterior.table()[name][1])
    assert (tables["model"]["posterior.draw"] == 1).all()


# --- parameter uncertainty in the results --------------------------------------------------------------------------
def test_variance_shares_separate_parameters_from_chance():
    rng = np.random.default_rng(0)
    draws = np.repeat(np.arange(20), 5)
    by_draw = rng.normal(0, 1, 20)[draws]
    chance = rng.normal(0, 1, 100)
    assert posterior_spread(by_draw + 0.01 * chance, draws)["share_parameters"] > 0.95
    assert posterior_spread(0.01 * by_draw + chance, draws)["share_parameters"] < 0.1
    one = posterior_spread(chance, np.zeros(100))
    assert one["draws"] == 1 and np.isnan(one["post_low"])


def test_probability_of_doing_better_counts_draws_on_the_better_side():
    rows = []
    for draw in range(10):
        for rep in range(2):
            base = {"seed": 0, "replicate": rep, "posterior.draw": draw, "run_id": f"b{draw}{rep}"}
            rows.append({**base, "setting": "as_was", "perf_true": 0.8, "mean_stress": 0.5})
            # the style raises true performance in 7 draws of 10 and always lowers stress
            rows.append({**base, "run_id": f"s{draw}{rep}", "setting": "carrot",
                         "perf_true": 0.8 + (0.01 if draw < 7 else -0.01), "mean_stress": 0.4})
    runs = pd.DataFrame(rows)
    from experiments.sweeps.compare import END, TOTAL
    for col in {**END, **TOTAL}:
        if col not in runs:
            runs[col] = 0.0
    d = paired_differences(runs, "as_was").set_index("outcome")
    assert d.loc["perf_true", "p_better"] == pytest.approx(0.7)
    assert d.loc["mean_stress", "p_better"] == pytest.approx(1.0)      # lower stress is better
    assert d.loc["perf_true", "post_low"] < 0 < d.loc["perf_true", "post_high"]
    assert d.loc["perf_true", "share_parameters"] == pytest.approx(1.0)
