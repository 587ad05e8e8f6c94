"""The statistics of a sweep's report: means with confidence intervals, paired differences from a baseline over
runs paired by seed, replicate and posterior draw (common random numbers), their spread across the posterior and the
probability of doing better (with the draws it rests on), and the share of their variance due to parameters rather
than chance.

Two kinds of interval, each named where it is shown:

- **confidence interval of a mean over runs** (chance, at one parameter set): a percentile bootstrap of the mean
  (:func:`mean_ci`). Resampled means lie within the runs' own range, so an outcome bounded by its scale (a share, trust
  on 0-1, a count) never shows bounds outside it. With fewer than :data:`MIN_RUNS` runs no interval is estimated: the
  runs' range is shown, and said to be one.
- **interval across posterior draws** (parameters, chance averaged over each draw's runs): the 2.5 and 97.5 %
  quantiles of the draws' means (:func:`posterior_spread`), within the scale by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.sweeps.outcomes import BETTER, END, TOTAL

DRAW = "posterior.draw"
MIN_RUNS = 5          # fewer runs than this: no interval, the runs' range instead
BOOTSTRAP = 2000      # resamples of the percentile bootstrap
CI_KIND = "95 % confidence interval of the mean over runs (bootstrap)"
POSTERIOR_KIND = "95 % interval across the posterior draws"
RANGE_KIND = f"range of the runs (fewer than {MIN_RUNS}: no interval can be estimated)"


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


def mean_ci(values: np.ndarray, seed: int = 0) -> tuple[float, float, float, int]:
    """The mean of ``values`` and the 95 % confidence interval of the mean (percentile bootstrap, a fixed seed so a
    report is reproducible), and n. With fewer than :data:`MIN_RUNS` values the bounds are NaN: no interval."""
    values = np.asarray(values, float)
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if n < MIN_RUNS:
        return mean, float("nan"), float("nan"), n
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, n, (BOOTSTRAP, n))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return mean, float(low), float(high), n


def value_range(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, float)
    return (float(values.min()), float(values.max())) if len(values) else (float("nan"), float("nan"))


def band(values: pd.Series, month: pd.Series, draws: pd.Series | None = None) -> pd.DataFrame:
    """Month by month: the mean and a band. Across posterior draws (the 2.5-97.5 % quantiles of the draws' means)
    where there are several draws; else the bootstrap confidence interval of the mean, or the range with fewer than
    :data:`MIN_RUNS` runs. Columns ``mean``, ``low``, ``high``; the band's kind in ``attrs["kind"]``."""
    frame = pd.DataFrame({"v": np.asarray(values, float), "t": np.asarray(month)})
    if draws is not None and pd.Series(draws).nunique() > 1:
        frame["d"] = np.asarray(draws)
        per_draw = frame.groupby(["t", "d"]).v.mean()
        out = per_draw.groupby(level="t").agg(mean="mean", low=lambda x: x.quantile(0.025),
                                              high=lambda x: x.quantile(0.975))
        out["mean"] = frame.groupby("t").v.mean()
        out.attrs["kind"] = POSTERIOR_KIND
        return out
    rows = {t: mean_ci(g.to_numpy()) for t, g in frame.groupby("t").v}
    out = pd.DataFrame({t: {"mean": r[0], "low": r[1], "high": r[2]} for t, r in rows.items()}).T
    if out[["low", "high"]].isna().all().all():
        ranges = frame.groupby("t").v.agg(["min", "max"])
        out["low"], out["high"] = ranges["min"], ranges["max"]
        out.attrs["kind"] = RANGE_KIND
    else:
        out.attrs["kind"] = CI_KIND
    return out


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        for col, name in {**END, **TOTAL}.items():
            mean, lo, hi, n = mean_ci(group[col])
            low, high = value_range(group[col])
            rows.append({"setting": setting, "outcome": col, "label": name, "mean": mean, "ci_low": lo,
                         "ci_high": hi, "n": n, "min": low, "max": high, **posterior_spread(group[col], group[DRAW])})
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, baseline: str | dict[str, str]) -> pd.DataFrame:
    """Differences from the baseline over runs paired by seed, replicate and posterior draw; with several draws, also
    their spread across the posterior and the probability of doing better, and the draws it rests on. ``baseline``
    is one setting, or for each setting the setting it is paired with (within the other swept parameters)."""
    pair = ["seed", "replicate", DRAW]
    of = baseline if isinstance(baseline, dict) else {s: baseline for s in runs.setting.unique()}
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        base_setting = of.get(setting)
        if base_setting is None or setting == base_setting:
            continue
        base = runs[runs.setting == base_setting].set_index(pair)
        g = group.set_index(pair)
        common = g.index.intersection(base.index)
        draws = common.get_level_values(DRAW)
        for col, name in {**END, **TOTAL}.items():
            diff = (g.loc[common, col] - base.loc[common, col]).to_numpy(float)
            mean, lo, hi, n = mean_ci(diff)
            low, high = value_range(diff)
            spread = posterior_spread(diff, draws)
            effects = pd.Series(diff).groupby(np.asarray(draws)).mean()
            sign = BETTER.get(col, 1)
            many = spread["draws"] > 1
            wins = float((sign * effects > 0).sum() + 0.5 * (effects == 0).sum()) if many else np.nan
            p = wins / len(effects) if many else np.nan
            rows.append({"setting": setting, "baseline": base_setting, "outcome": col, "label": name,
                         "difference": mean, "ci_low": lo, "ci_high": hi, "n_pairs": n, "min": low, "max": high,
                         **spread, "p_better" if col in BETTER else "p_higher": p,
                         "draws_better" if col in BETTER else "draws_higher": wins})
    return pd.DataFrame(rows)


def draws_text(wins: float, draws: int) -> str:
    """'9 of 16 draws' (a tie counts half: '8.5 of 16 draws')."""
    if not np.isfinite(wins) or draws < 2:
        return "–"
    count = f"{wins:.0f}" if float(wins).is_integer() else f"{wins:.1f}"
    return f"{count} of {draws} draws"
