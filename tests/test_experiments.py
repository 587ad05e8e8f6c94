"""Sweeps: every config option composes, launchers run, results are complete or absent, resume, aggregation."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import posterior
from abm.batch import expand
from abm.compose import CONF_DIR, compose
from abm.config import ConfigError, validate
from abm.precheck import precheck
from abm.run import is_complete, simulate
from experiments.sweeps.compare import compare, finished_jobs, gather
from experiments.sweeps.run import plan, runs_per_job

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["scenario=small", "months=6"]
PRESETS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))


def abm(args, cwd, timeout=600):
    return subprocess.run([sys.executable, "-m", "abm", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "HYDRA_FULL_ERROR": "1"})


@pytest.mark.parametrize("group", ["regulator", "scenario"])
def test_every_option_of_every_group_composes(group):
    for option in sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")):
        cfg = compose([f"{group}={option}"])
        assert getattr(cfg, group).name == option


@pytest.mark.parametrize("preset", PRESETS)
def test_every_experiment_preset_and_every_job_it_plans_is_valid(preset):
    cfg = compose([f"+experiment={preset}"])
    assert cfg.experiment.name == preset
    sweep_dir, jobs = plan(preset, [])
    assert sweep_dir == Path("outputs/experiments") / preset
    if preset in ("sensitivity", "contrast"):
        assert (cfg.sensitivity.parameters or cfg.sensitivity.assumptions) and cfg.sensitivity.outcomes
        return
    assert len(jobs) * runs_per_job(preset, []) >= 20
    expand(cfg)                                   # the preset alone is a valid batch job (as the pre-check sees it)
    precheck(["-m", f"+experiment={preset}"])     # exits 2 on a bad job
    for job in jobs[:: max(1, len(jobs) // 15)]:
        runs = expand(compose([f"+experiment={preset}", *job]))
        for run in (runs[0], runs[-1]):
            validate(posterior.apply(run))


def test_sensitivity_ranges_are_checked():
    with pytest.raises(ConfigError, match="behaviour.gaming low=0.2, high=0.1"):
        compose(["+experiment=sensitivity", "sensitivity.parameters=[{name:behaviour.gaming,low:0.2,high:0.1}]"])
    with pytest.raises(ConfigError, match="'behaviour.nothing' is not a numeric model parameter"):
        compose(["+experiment=sensitivity", "sensitivity.parameters=[{name:behaviour.nothing,low:0,high:1}]"])


def test_the_contrast_varies_the_escalation_threshold_only_where_the_observed_history_allows_it():
    """The contrast's factor on the 2016 mix's threshold stays strictly inside the thresholds at which the replay
    misses an observed row (0.35: NHS Improvement's first segmentation; 0.5: the CCGs under directions in 2013; docs/ODD.md
    section 8), and every other regulators' number keeps the wide box."""
    from abm.compose import regulator_preset
    from experiments.sweeps import sensitivity

    threshold = regulator_preset("as_was_2016").escalation_threshold
    low, high = sensitivity.factor_range("regulator.escalation_threshold")
    assert 0.35 < low * threshold < threshold < high * threshold < 0.5
    wide = sensitivity.FACTOR
    assert wide[0] < low and high < wide[1]
    for name in sensitivity.REGULATORS:
        if name != "escalation_threshold":
            assert sensitivity.factor_range(f"regulator.{name}") == wide
    assert all(sensitivity.factor_range(f"resources.{n}") == wide for n in sensitivity.MEANS)


def test_common_random_numbers_pair_settings_and_replicates_differ():
    a = simulate(compose([*SMALL, "regulator=carrot", "replicate=3"]))["model"]
    b = simulate(compose([*SMALL, "regulator=stick", "replicate=3"]))["model"]
    c = simulate(compose([*SMALL, "regulator=stick", "replicate=4"]))["model"]
    cols = ["perf_true", "perf_reported", "total_balance", "mean_stress", "trust_commissioner_provider"]
    pd.testing.assert_frame_equal(a.loc[:0, cols], b.loc[:0, cols])     # same draws until the styles act
    assert not a[cols].equals(b[cols])
    assert not b.loc[:0, cols].equals(c.loc[:0, cols])


def test_joblib_multirun_writes_complete_jobs_with_provenance(tmp_path):
    res = abm(["-m", *SMALL, "regulator=carrot,stick", "replicate=0,1", f"hydra.sweep.dir={tmp_path}",
               "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], ROOT)
    assert res.returncode == 0, res.stderr
    jobs = finished_jobs(tmp_path)
    assert len(jobs) == 4
    for job in jobs:
        prov = json.loads((job / "provenance.json").read_text())
        assert prov["packages"]["mesa"] and "revision" in prov["git"]
        assert json.loads((job / "config_resolved.json").read_text())["scenario"]["name"] == "small"
        assert not list(job.glob(".*.tmp"))


def test_submitit_local_launcher_runs_jobs(tmp_path):
    res = abm(["-m", *SMALL, "regulator=responsive", "replicate=0,1", f"hydra.sweep.dir={tmp_path}",
               "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"], ROOT)
    assert res.returncode == 0, res.stderr
    assert len(finished_jobs(tmp_path)) == 2


def test_the_cluster_launcher_example_composes():
    res = abm([*SMALL, "hydra/launcher=cluster", "--cfg", "hydra", "-p", "hydra.launcher"], ROOT)
    assert res.returncode == 0, res.stderr
    assert "SlurmLauncher" in res.stdout and "array_parallelism: 100" in res.stdout


def test_resume_skips_finished_jobs_and_redoes_partial_ones(tmp_path):
    args = ["-m", *SMALL, "regulator=carrot,stick", "replicate=0,1", f"hydra.sweep.dir={tmp_path}"]
    assert abm(args, ROOT).returncode == 0
    jobs = finished_jobs(tmp_path)
    assert len(jobs) == 4
    partial = jobs[0]
    (partial / "done.json").unlink()                     # as if the job had been killed before finishing
    (partial / "model.parquet").write_bytes(b"half a file")
    stamps = {j: (j / "model.parquet").stat().st_mtime_ns for j in jobs[1:]}
    assert len(finished_jobs(tmp_path)) == 3             # a partial job never counts
    res = abm(args, ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("complete already, skipped") == 3
    assert len(finished_jobs(tmp_path)) == 4
    assert all((j / "model.parquet").stat().st_mtime_ns == t for j, t in stamps.items())
    assert len(pd.read_parquet(partial / "model.parquet")) == 7
    assert is_complete(partial)


def test_a_run_finished_by_another_model_version_is_run_again(tmp_path, monkeypatch):
    """Results change only with a new version (CHANGELOG): resuming must not reuse an older version's result."""
    from abm import run
    cfg = compose([*SMALL, "write_organisations=false"])
    assert run.run_job(cfg, tmp_path)[0]                     # runs
    assert not run.run_job(cfg, tmp_path)[0]                 # same version: complete, skipped
    run.model_version.cache_clear()
    monkeypatch.setattr(run.metadata, "version", lambda name: "99.0.0")
    try:
        assert not is_complete(tmp_path, cfg) and not is_complete(tmp_path)     # nor counted as finished
        assert run.run_job(cfg, tmp_path)[0]                 # another version: run again
        assert is_complete(tmp_path)
        assert json.loads((tmp_path / "done.json").read_text())["key"] == run.config_key(cfg)
    finally:
        run.model_version.cache_clear()


def test_a_run_finished_with_other_shipped_draws_is_run_again(tmp_path, monkeypatch):
    """posterior.draw=K names a row of the shipped draws: a new calibration (the same version) must not reuse it."""
    from abm import posterior, run
    cfg = compose([*SMALL, "write_organisations=false"])
    assert run.run_job(cfg, tmp_path)[0] and is_complete(tmp_path, cfg)
    monkeypatch.setattr(posterior, "digest", lambda: "0123456789ab")
    assert not is_complete(tmp_path, cfg) and run.run_job(cfg, tmp_path)[0]
    assert json.loads((tmp_path / "done.json").read_text())["posterior"] == "0123456789ab"


def test_basic_and_joblib_launchers_give_identical_results(tmp_path):
    tables = []
    for launcher, extra in (("basic", []), ("joblib", ["hydra.launcher.n_jobs=2"])):
        out = tmp_path / launcher
        res = abm(["-m", *SMALL, "regulator=carrot,as_was_2016", "replicate=0,1", f"hydra.sweep.dir={out}",
                   f"hydra/launcher={launcher}", *extra], ROOT)
        assert res.returncode == 0, res.stderr
        results = gather(out)[0].sort_values(["run_id", "month"]).reset_index(drop=True)
        tables.append(results)
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_aggregation_writes_table_summary_figures_and_report(tmp_path, monkeypatch):
    res = abm(["-m", "scenario=small", "months=12", "regulator=carrot,stick", "replicate=0,1,2",
               f"hydra.sweep.dir={tmp_path}", "hydra/launcher=joblib"], ROOT)
    assert res.returncode == 0, res.stderr
    report = compare(tmp_path, baseline="regulator.name=stick")
    out = report.parent
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 6 * 13 and set(results.setting) == {"carrot", "stick"}
    summary = pd.read_csv(out / "summary.csv")
    # Three runs a setting: too few for an interval (NaN bounds); the runs' range is shown instead.
    assert (summary.n == 3).all() and summary.ci_low.isna().all() and (summary["min"] <= summary["mean"]).all()
    diffs = pd.read_csv(out / "paired_differences.csv")
    assert set(diffs.setting) == {"carrot"} and (diffs.n_pairs == 3).all()
    text = report.read_text()
    for fig in ("answer.png", "timeseries.png", "endpoints.png", "dashboard.png", "network.png"):
        assert (out / fig).stat().st_size > 10_000 and f"]({fig})" in text
    first = text.index("![")
    assert text[first:].startswith("![answer](answer.png)")          # the answer is the report's first figure
    assert text.index("## The answer") < first < text.index("## Every key outcome")
    assert "- **carrot** against stick: true performance" in text and "(runs " in text
    assert "range of the runs (fewer than 5: no interval can be estimated)" in text
    # Built once: a second call with the same runs, baseline and code reuses the report; another baseline rebuilds it.
    stamp = (out / ".built_from").read_text()
    assert compare(tmp_path, baseline="regulator.name=stick").read_text() == text
    compare(tmp_path, baseline="regulator.name=carrot")
    assert (out / ".built_from").read_text() != stamp and "against carrot" in (out / "report.md").read_text()
    # Misses measured again (abm/data/model_misses.json) rebuild it: the report quotes them beside the answer.
    from experiments import misses
    stamp = (out / ".built_from").read_text()
    fake = tmp_path / "misses.json"
    fake.write_text(json.dumps({"history": {"model_version": "0.0.0", "date": "2026-01-01", "command": "history",
                                            "passed": "1 of 2 observed rows", "misses": ["a row missed"]}}))
    monkeypatch.setattr(misses, "FILE", fake)
    text = compare(tmp_path, baseline="regulator.name=carrot").read_text()
    assert (out / ".built_from").read_text() != stamp and "1 of 2 observed rows" in text


def test_no_report_of_a_small_preset_prints_scientific_notation(tmp_path):
    """Every number a person reads in a preset's reports is in readable units: no 1.2e+04, no 9.47e-05."""
    import re

    from experiments.sweeps.run import main as run_preset
    sweep = tmp_path / "lvr"
    assert run_preset(["logic_vs_resources", "--jobs", "1", "--launcher", "basic", "scenario=small", "months=6",
                       f"hydra.sweep.dir={sweep}"]) == 0
    reports = list(sweep.rglob("*.md"))
    assert {p.name for p in reports} >= {"report.md", "fairness.md"}
    for path in reports:
        assert not re.findall(r"\d\.?\d*e[+-]\d+", path.read_text()), path.name


@pytest.mark.parametrize("args", [
    ["-m", "regulator=carrot,bogus"],
    ["-m", "regulator.severity=0.2,3"],
    ["-m", "replicate=0,1", "months=x"],
    ["-m", "foo=1,2"],
    ["-m", "+experiment=nope"],
    ["-m", "+experiment=logic_vs_resources", "hydra.sweeper.params.resources='lean,bogus'"],   # a preset's sweep
])
def test_bad_sweeps_exit_2_with_one_line_and_no_output(tmp_path, args):
    res = abm([*args, "scenario=small"], tmp_path)
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("error:")
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()


def test_the_precheck_checks_the_sweeps_a_preset_declares():
    """Hydra's sweeper no longer composes every job before launching (abm.precheck.trust_precheck): the pre-check must
    see the preset's own sweeps, less the keys the command line sets itself."""
    from abm.precheck import _preset_sweeps
    assert _preset_sweeps(["+experiment=logic_vs_resources"], []) == [
        "regulator=carrot,stick,responsive,carrot_then_stick,as_was_2016", "resources=lean,standard,generous",
        "institutions=divided,aligned", "replicate=0"]
    assert _preset_sweeps(["+experiment=logic_vs_resources", "regulator=stick"], [])[0].startswith("resources=")
    assert _preset_sweeps(["regulator=stick"], []) == []


def test_morris_screening_finds_the_parameters_that_drive_an_outcome(tmp_path):
    from experiments.sweeps import sensitivity
    # capacity short of demand, so that trusts fall short of the standard and can misreport whatever the defaults
    rc = sensitivity.main(["--jobs=2", f"--out={tmp_path}", "scenario=small", "months=12", "sensitivity.n=4",
                           "behaviour.capacity_headroom=0.9",
                           "sensitivity.parameters=[{name:behaviour.gaming,low:0.0,high:0.2},"
                           "{name:behaviour.la_memory,low:0.1,high:0.9},{name:regulator.severity,low:0.1,high:1.0}]",
                           "sensitivity.outcomes=[perf_gap,mean_stress]"])
    assert rc == 0
    idx = pd.read_csv(tmp_path / "indices.csv")
    mu = idx[idx["index"] == "mu_star"].set_index(["outcome", "parameter"]).value
    assert mu["perf_gap", "behaviour.gaming"] > mu["perf_gap", "behaviour.la_memory"]
    assert mu["mean_stress", "regulator.severity"] > mu["mean_stress", "behaviour.la_memory"]
    assert len(pd.read_parquet(tmp_path / "samples.parquet")) == 4 * 4
    assert (tmp_path / "indices.png").stat().st_size > 10_000


def test_sensitivity_rejects_unknown_outcomes(tmp_path, capsys):
    from experiments.sweeps import sensitivity
    rc = sensitivity.main([f"--out={tmp_path}", "scenario=small", "sensitivity.outcomes=[nonsense]"])
    assert rc == 2 and "nonsense" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_logic_vs_resources_runs_on_the_small_scenario_and_writes_its_report(tmp_path):
    from experiments.sweeps import fairness
    from experiments.sweeps.run import main as run_preset
    assert run_preset(["logic_vs_resources", "--jobs=2", "scenario=small", "months=18", "batch.replicates=2",
                       f"hydra.sweep.dir={tmp_path}"]) == 0
    runs = fairness.runs_table(tmp_path)
    assert len(runs) == 5 * 3 * 2 * 2
    assert set(runs.resources) == {"lean", "standard", "generous"} and set(runs.institutions) == {"divided", "aligned"}
    # every style spends within its envelope's budget (GBP m a year)
    budgets = {"lean": 15.0, "standard": 40.0, "generous": 120.0}
    assert (runs.spend_per_year <= runs.resources.map(budgets) + 1e-9).all()
    assert runs.spent_share.between(0.0, 1.0 + 1e-9).all()
    assert (runs.support_per_year <= runs.spend_per_year + 1e-9).all()
    shares = fairness.variance_shares(runs, "mean_stress")
    assert abs(sum(shares.values()) - 1.0) < 1e-9 and all(v > -1e-9 for v in shares.values())
    text = (tmp_path / "report" / "fairness.md").read_text()
    for part in ("What each style spent of its budget", "Budgets: lean GBP 15m a year", "NHS funding growth",
                 "headline's sign", "Share of variance", "logic effect within each envelope"):
        assert part in text
    assert (tmp_path / "report" / "frontier.png").stat().st_size > 10_000
    assert "resources=generous" in (tmp_path / "report" / "report.md").read_text()


def test_variance_shares_recover_a_known_design():
    from experiments.sweeps import fairness
    rng = np.random.default_rng(0)
    rows = []
    for logic in range(3):
        for res in range(3):
            for inst in range(2):
                for rep in range(4):
                    rows.append({"logic": logic, "resources": res, "institutions": inst, "replicate": rep,
                                 "y": 2.0 * logic + 0.0 * res + 0.01 * rng.normal()})
    shares = fairness.variance_shares(pd.DataFrame(rows), "y")
    assert shares["logic"] > 0.99 and shares["resources"] < 0.01 and shares["chance (replicates)"] < 0.01


def test_a_contrast_is_the_paired_difference_of_two_styles_and_names_what_decides_its_sign(tmp_path):
    from abm.config import with_values
    from experiments.sweeps import sensitivity
    cfg = compose(["scenario=small", "months=12"])
    samples = [cfg, with_values(cfg, {"behaviour.gaming": 0.2})]
    same = sensitivity.outcomes_of(samples, ["perf_true", "mean_stress"], ["stick", "stick"])
    assert same == [{"perf_true": 0.0, "mean_stress": 0.0}] * 2      # common random numbers: a style against itself
    together = sensitivity.outcomes_of(samples, ["perf_gap"], ["carrot", "stick"])
    alone = [sensitivity.outcomes_of([c], ["perf_gap"], ["carrot", "stick"])[0] for c in samples]
    assert together == alone                                          # a batch of samples: each as if alone
    rc = sensitivity.main(["--jobs=2", f"--out={tmp_path}", "--preset=contrast", "scenario=small", "months=12",
                           "sensitivity.method=morris", "sensitivity.n=2", "sensitivity.assumptions=false",
                           "sensitivity.parameters=[{name:behaviour.gaming,low:0.0,high:0.2},"
                           "{name:behaviour.stress_sanction,low:0.05,high:0.5}]",
                           "sensitivity.outcomes=[perf_gap,mean_stress]"])
    assert rc == 0
    samples = pd.read_parquet(tmp_path / "samples.parquet")
    assert (samples.mean_stress != 0).any()
    sign = pd.read_csv(tmp_path / "sign_mean_stress.csv")
    assert set(sign.parameter) == {"behaviour.gaming", "behaviour.stress_sanction"}
    assert set(sign.direction) <= {-1.0, 0.0, 1.0} and (sign["index"] >= 0).all()
    report = (tmp_path / "report.md").read_text()
    assert "carrot` minus `stick" in report
    assert "decide the sign" in report or "no parameter decides it" in report     # a sign that varies, or one that never does


def test_a_contrast_must_name_two_styles():
    with pytest.raises(ConfigError, match="contrast"):
        compose(["+experiment=contrast", "sensitivity.contrast=[carrot]"])
    with pytest.raises(ConfigError, match="contrast"):
        compose(["+experiment=contrast", "sensitivity.contrast=[carrot,bogus]"])


def test_profile_step_times_each_mechanism_for_a_batch():
    res = subprocess.run([sys.executable, "-m", "experiments", "profile_step", "--runs", "2", "scenario=small", "months=3"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "2 run(s), 3 months" in res.stdout and "oversight.review" in res.stdout and "recording" in res.stdout
    res = subprocess.run([sys.executable, "-m", "experiments", "profile_step", "--runs", "2", "--phases", "scenario=small",
                          "months=3"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert all(f"  {phase}" in res.stdout for phase in ("build", "step", "tables", "write"))
