"""Reports a reader can trust: intervals on their scale and named, probabilities with their counts, pairing at each
value of a swept parameter, the everyday paths (explain, figures, cards, maps), the evidence's statuses, the value of
information and the contrast's regulators' numbers."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.config import ConfigError
from experiments.sweeps import stats

ROOT = Path(__file__).resolve().parent.parent


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=5, max_size=40))
def test_a_confidence_interval_of_a_bounded_outcome_stays_on_its_scale(values):
    mean, low, high, n = stats.mean_ci(np.array(values))
    assert n == len(values) and min(values) - 1e-12 <= low <= mean + 1e-12 and mean - 1e-12 <= high <= max(values) + 1e-12


def test_fewer_than_five_runs_give_no_interval_and_probabilities_say_their_draws():
    assert np.isnan(stats.mean_ci(np.array([0.1, 0.9]))[1])
    assert stats.draws_text(9.0, 16) == "9 of 16 draws" and stats.draws_text(8.5, 16) == "8.5 of 16 draws"
    band = stats.band(pd.Series([0.2, 0.4, 0.3, 0.5]), pd.Series([0, 0, 1, 1]))
    assert band.attrs["kind"] == stats.RANGE_KIND and band.loc[0, "low"] == 0.2 and band.loc[1, "high"] == 0.5


def _runs(styles=("carrot", "stick"), values=(0.1, 0.3), seeds=(0, 1)):
    rows = []
    for style in styles:
        for v in values:
            for seed in seeds:
                rows.append({"regulator.name": style, "behaviour.pressure_effort": v, "seed": seed, "replicate": 0,
                             "posterior.draw": -1, "run_id": f"{style}{v}{seed}",
                             "setting": f"{style}, pressure_effort={v}"})
    return pd.DataFrame(rows)


def test_a_style_is_compared_with_another_at_each_value_of_a_swept_parameter():
    from experiments.sweeps.compare import baseline_of
    results = _runs()
    of, strata, note, name = baseline_of(results, ["regulator.name", "behaviour.pressure_effort"],
                                         "regulator.name=stick")
    assert strata == ["behaviour.pressure_effort"] and not note and name == "stick"
    assert of["carrot, pressure_effort=0.1"] == "stick, pressure_effort=0.1"
    assert of["carrot, pressure_effort=0.3"] == "stick, pressure_effort=0.3"
    of, _, note, _ = baseline_of(results, ["regulator.name", "behaviour.pressure_effort"], "regulator.name=as_was_2016")
    assert "not in this sweep" in note and set(of.values()) <= {"carrot, pressure_effort=0.1", "carrot, pressure_effort=0.3"}


def test_the_most_likely_better_style_is_never_one_whose_mean_points_the_other_way():
    from experiments.sweeps.compare import answer_lines
    rows = []
    for setting, diff, p in (("carrot", -0.006, 0.56), ("responsive", 0.003, 0.52)):
        for outcome in ("perf_true", "perf_gap", "net_balance", "ccg_trust_in_nhse", "mean_stress", "leader_turnover"):
            rows.append({"setting": setting, "baseline": "stick", "outcome": outcome, "difference": diff,
                         "ci_low": np.nan, "ci_high": np.nan, "post_low": diff - 0.01, "post_high": diff + 0.01,
                         "min": diff, "max": diff, "draws": 16, "p_better": p, "draws_better": 16 * p})
    text = "\n".join(answer_lines({"stick": pd.DataFrame(rows)}))
    assert "most likely to do better on true performance is **responsive**" in text
    assert "of 16 draws" in text


def test_an_answer_over_replicates_names_its_interval():
    """At one parameter set the answer's intervals cover chance only, and the sentences say so."""
    from experiments.sweeps.compare import answer_lines
    rows = [{"setting": "carrot", "baseline": "stick", "outcome": outcome, "difference": 0.01, "ci_low": 0.005,
             "ci_high": 0.015, "min": 0.0, "max": 0.02, "draws": 1}
            for outcome in ("perf_true", "perf_gap", "net_balance", "ccg_trust_in_nhse", "mean_stress",
                            "leader_turnover")]
    text = "\n".join(answer_lines({"stick": pd.DataFrame(rows)}))
    assert "confidence interval of the mean over runs" in text and "chance only" in text
    assert "posterior" not in text


def test_explain_says_what_a_parameter_is_and_where_it_comes_from():
    from abm.config.explain import explain
    text = explain("behaviour.pressure_effort")
    for part in ("gain in true target performance", "range", "provenance", "source", "posterior"):
        assert part in text
    with pytest.raises(KeyError, match="did you mean behaviour.pressure_effort"):
        explain("behaviour.presure_effort")
    res = subprocess.run([sys.executable, "-m", "abm.config", "explain", "behaviour.nothing"], capture_output=True,
                         text=True, cwd=ROOT)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_one_run_writes_its_figures_and_its_stp_table(tmp_path):
    res = subprocess.run([sys.executable, "-m", "abm", "scenario=small", "months=6", "write_figures=true",
                          f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "run" / "figures.png").stat().st_size > 20_000
    stps = pd.read_parquet(tmp_path / "run" / "stps.parquet")
    assert set(stps.stp) == {"S0", "S1", "S2"} and stps.month.max() == 6 and stps.perf_true.between(0, 1).all()
    assert "%" in res.stdout and "GBP" in res.stdout                # the terminal summary in the reports' units


def test_a_bad_trust_is_refused_naming_the_nearest_and_a_name_finds_its_trust():
    from experiments.card import resolve
    with pytest.raises(ConfigError, match="RJZ King's College Hospital"):
        resolve("Kings Colege")
    with pytest.raises(ConfigError, match="names 3 trusts"):
        resolve("Leeds")
    assert resolve("rr8").code == "RR8" and resolve("Leeds Teaching").code == "RR8"


@pytest.mark.slow
def test_the_card_of_a_trust_draws_its_model_band_beside_its_own_figures(tmp_path):
    from experiments.card import make
    png, md = make("RJZ", 2, tmp_path)
    assert png.stat().st_size > 30_000
    text = md.read_text()
    assert "2016/17 (held out)" in text and "published loans" in text


def test_the_map_maps_the_model_stps_onto_the_2021_footprints():
    from abm import places
    overlap = places.overlap()
    values = pd.Series(1.0, index=overlap.stp17cd.unique())
    assert np.allclose(places.to_footprints(values), 1.0)             # a constant stays constant
    one = overlap.stp17cd.iloc[0]
    assert places.to_footprints(pd.Series({one: 2.0})).notna().sum() >= 1
    points = places.trust_points()
    assert len(points) == 236 and points.lon.between(-7, 2).all() and points.lat.between(49.8, 56).all()
    fig = places.map_figure(values, "a test", "value", points=pd.Series(1.0, index=points.index))
    assert "OpenStreetMap" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_rows_that_restate_a_formula_or_repeat_a_measure_or_pass_anyway_are_not_counted_nor_fitted():
    from experiments.evidence import catalogue
    assert catalogue.status("trust_and_compliance", 0.5).startswith("by construction")
    assert catalogue.status("target_benefit_mortality", 0.5).startswith("same measure as")
    assert catalogue.status("gaming_survey_gap", 0.95) == "does not discriminate"
    assert catalogue.status("gaming_survey_gap", 0.5) == "counted"
    fitted = {d.key for d in catalogue.fitted()}
    measured = catalogue.discrimination()
    if len(measured):
        assert not fitted & set(measured[measured.status != "counted"].design)
    assert "trust_and_compliance" not in fitted


def test_value_of_information_names_the_design_that_separates_the_draws():
    from experiments.sweeps import voi
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    better = (x + 0.3 * rng.normal(size=200) > 0).astype(int)
    a, b = voi.logistic(x, better)
    assert b > 0 and voi.auc(x, better) > 0.85
    answer = pd.Series(np.where(better == 1, 0.01, -0.01), index=range(200))
    table = pd.DataFrame({"draw": range(200), "gaming_audited_rate": x, "sm_2013_cohort_ae": rng.normal(size=200)})
    text = "\n".join(voi.lines(answer, table, "carrot", "stick"))
    assert "`gaming_audited_rate`" in text.split("The measurement that would decide it best is")[1][:80]


def test_the_contrast_scales_each_styles_own_numbers_and_a_zero_stays_zero():
    from abm.compose import compose, regulator_preset
    from experiments.sweeps.sensitivity import regulated
    cfg = compose(["scenario=small"])
    carrot = regulated(cfg, "carrot", {"regulator.severity": 1.5, "regulator.leader_removal": 1.5,
                                       "regulator.sanction_at_level": 0.5, "resources.budget": 0.5})
    assert carrot.regulator.severity == pytest.approx(1.5 * regulator_preset("carrot").severity)
    assert carrot.regulator.leader_removal == 0.0                    # the carrot removes no one, whatever the factor
    assert carrot.regulator.sanction_at_level == pytest.approx([0.5 * v for v in regulator_preset("carrot").sanction_at_level])
    assert carrot.resources.budget == pytest.approx(0.5 * cfg.resources.budget)
    stick = regulated(cfg, "stick", {"regulator.severity": 1.5})
    assert stick.regulator.severity == 1.0                           # clipped to its range


def test_value_of_information_is_asked_whenever_the_90_percent_interval_includes_zero():
    """P above 90 % is not enough: if the draws' 90 % interval still includes zero, the report names the design and
    the figure at which the sign flips; an interval clear of zero needs no measurement."""
    from experiments.sweeps import voi
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    effect = 0.015 + 0.01 * x                              # about 93 % above zero, 5th percentile below it
    table = pd.DataFrame({"draw": range(200), "gaming_audited_rate": x})
    text = "\n".join(voi.lines(pd.Series(effect), table, "carrot", "stick"))
    assert "the sign flips" in text and "`gaming_audited_rate`" in text
    # a share reads as a share, and the curve is shown only where some draw is
    assert re.search(r"\| `gaming_audited_rate` \| [0-9.]+ \| (-?[0-9.]+ %|beyond the draws) \|", text)
    assert re.search(r"\| -?[0-9.]+ % to -?[0-9.]+ % \|", text)
    # a design that separates nothing: its curve reaches 10 % or 90 % only far beyond every draw, which is not shown
    noise = table.assign(special_measures_exit_12m=0.3 + 0.05 * rng.normal(size=200))
    row = [line for line in voi.lines(pd.Series(effect), noise, "carrot", "stick")
           if line.startswith("| `special_measures_exit_12m`")][0]
    assert "beyond the draws" in row and not re.search(r"[0-9]{3,}\.[0-9] %", row)    # no 367.2 % of trusts
    clear = "\n".join(voi.lines(pd.Series(0.05 + 0.01 * x), table, "carrot", "stick"))
    assert "excludes zero" in clear and "sign flips" not in clear


def test_the_contrasts_samples_with_every_regulators_number_scaled_run_in_one_batch():
    """Every factor the contrast varies (REGULATORS, MEANS) can differ between the runs of one batch: the samples
    of a Sobol design run together, one batch per style."""
    from abm.compose import compose
    from experiments.sweeps.sensitivity import MEANS, REGULATORS, outcomes_of
    cfg = compose(["scenario=small", "months=3"])
    factors = [{**{f"regulator.{n}": f for n in REGULATORS}, **{f"resources.{n}": f for n in MEANS}} for f in (0.5, 1.5)]
    out = outcomes_of([cfg, cfg], ["perf_true"], ["carrot", "stick"], factors)
    assert len(out) == 2 and all(np.isfinite(o["perf_true"]) for o in out)
