"""Carrot against stick at England scale: the directions the literature in the model brief reports must emerge.

Over 10 seeds (paired: the same seed gives the same England under both styles), the stick must
- raise measured (reported) performance in the first two years (Propper et al. 2008, 2010),
- open a wider gap between reported and true performance (Bevan and Hood 2006),
- leave CCGs trusting NHS England less (Braithwaite and Makkai 1994; seed 000 L253),
- raise leader stress and turnover (seed 000 L79, L224),
while the carrot sustains more commissioner-provider alliances (seed 003 L1248) and a higher true performance at
the end (the long-run cost of churn and lost trust). None of these is written into the styles: they differ only in
the decisions of abm/styles.py.
"""

import numpy as np
import pandas as pd
import pytest

from abm.compose import compose
from abm.run import simulate

SEEDS = range(10)


@pytest.fixture(scope="module")
def runs():
    frames = []
    for style in ("carrot", "stick"):
        for seed in SEEDS:
            df = simulate(compose([f"regulator={style}", f"seed={seed}", "write_organisations=false"]))["model"]
            frames.append(df.assign(style=style))
    return pd.concat(frames)


def per_seed(runs, fn):
    out = {}
    for style in ("carrot", "stick"):
        out[style] = np.array([fn(runs[(runs["style"] == style) & (runs.seed == s)]) for s in SEEDS])
    return out["carrot"], out["stick"]


def assert_stick_higher(carrot, stick, min_seeds=8):
    assert stick.mean() > carrot.mean()
    assert (stick > carrot).sum() >= min_seeds, (carrot, stick)


def test_stick_raises_measured_performance_in_the_short_run(runs):
    assert_stick_higher(*per_seed(runs, lambda d: d.perf_reported.iloc[1:25].mean()))


def test_stick_opens_a_gap_between_reported_and_true_performance(runs):
    assert_stick_higher(*per_seed(runs, lambda d: d.perf_gap.mean()))


def test_stick_lowers_ccg_trust_in_nhs_england(runs):
    carrot, stick = per_seed(runs, lambda d: d.ccg_trust_in_nhse.iloc[-1])
    assert_stick_higher(stick, carrot)


def test_stick_raises_leader_stress_and_turnover(runs):
    assert_stick_higher(*per_seed(runs, lambda d: d.mean_stress.mean()))
    assert_stick_higher(*per_seed(runs, lambda d: d.leader_turnover.sum()))


def test_carrot_sustains_more_alliances_and_better_true_performance_in_the_long_run(runs):
    carrot, stick = per_seed(runs, lambda d: d.n_alliances.iloc[-1])
    assert_stick_higher(stick, carrot)
    carrot, stick = per_seed(runs, lambda d: d.perf_true.iloc[-1])
    assert_stick_higher(stick, carrot)


def test_england_mergers_reduce_the_ccg_count(runs):
    end = runs[runs.month == runs.month.max()]
    assert (runs[runs.month == 0].n_ccgs == 209).all()
    assert (end.n_ccgs < 209).mean() >= 0.8
