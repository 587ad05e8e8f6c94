"""The statistics of a sweep's report: means with confidence intervals, paired differences from a baseline over
runs paired by seed, replicate and posterior draw (common random numbers), their spread across the posterior and the
probability of doing better, and the share of their variance due to parameters rather than chance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from experiments.sweeps.outcomes import BETTER, END, TOTAL

DRAW = "posterior.draw"


def posterior_spread(values: pd.Series, draws: pd.Series) -> dict:
    """Parameter uncertainty of ``values`` (one per run) grouped by posterior draw: the 95 % interval of the draws'
    means, and the share of the variance due to the draws (one-way random effects, method of moments)."""
    by = pd.DataFrame({"v": np.asarray(values, float), "d": np.asarray(draws)}).groupby("d").v
    means, n = by.mean(), by.count()
    if len(means) < 2:
        return {"draws": len(means), "post_low": np.nan, "post_high": np.nan, "share_parameters": np.nan}
    within = float(by.var(ddof=1).fillna(0.0).mean())
    between = max(float(means.var(ddof=1)) - within / float(n.mean()), 0.0)
    total = between + within
    return {"draws": len(means), "post_low": float(means.quantile(0.025)), "post_high": float(means.quantile(0.975)),
            "share_parameters": between / total if total > 0 else np.nan}


def mean_ci(values: np.ndarray) -> tuple[float, float, float, int]:
    values = np.asarray(values, float)
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if n < 2:                                 # one value: no interval; none: nan throughout
        return mean, mean, mean, n
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def grouped_ci(grouped) -> tuple[pd.Series, pd.Series]:
    """Mean and 95 % half-width (t interval of the mean) of each group of a pandas GroupBy of one column."""
    mean, sd, n = grouped.mean(), grouped.std(ddof=1).fillna(0.0), grouped.count()
    return mean, pd.Series(stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n), index=mean.index)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        for col, name in {**END, **TOTAL}.items():
            mean, lo, hi, n = mean_ci(group[col])
            rows.append({"setting": setting, "outcome": col, "label": name, "mean": mean, "ci_low": lo,
                         "ci_high": hi, "n": n, **posterior_spread(group[col], group[DRAW])})
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Differences from the baseline over runs paired by seed, replicate and posterior draw; with several draws, also
    their spread across the posterior and the probability of doing better (see the module's docstring)."""
    pair = ["seed", "replicate", DRAW]
    base = runs[runs.setting == baseline].set_index(pair)
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        if setting == baseline:
            continue
        g = group.set_index(pair)
        common = g.index.intersection(base.index)
        draws = common.get_level_values(DRAW)
        for col, name in {**END, **TOTAL}.items():
            diff = (g.loc[common, col] - base.loc[common, col]).to_numpy(float)
            mean, lo, hi, n = mean_ci(diff)
            spread = posterior_spread(diff, draws)
            effects = pd.Series(diff).groupby(np.asarray(draws)).mean()
            sign = BETTER.get(col, 1)
            p = float((sign * effects > 0).mean() + 0.5 * (effects == 0).mean()) if spread["draws"] > 1 else np.nan
            rows.append({"setting": setting, "baseline": baseline, "outcome": col, "label": name, "difference": mean,
                         "ci_low": lo, "ci_high": hi, "n_pairs": n, **spread,
                         "p_better" if col in BETTER else "p_higher": p})
    return pd.DataFrame(rows)
