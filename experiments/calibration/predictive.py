"""The posterior predictive: posterior draws re-run over the whole replay (2013-2022) against every observed series.

``predictive_draws`` particles drawn by weight, each re-run at a new replicate (all of them in batches of runs with
different parameters), and as many replicates at the assumed values (the prior point) for comparison; the held-out
rows judged with ``experiments.evidence.observed``' tolerances.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import delayed  # noqa: E402

from experiments.calibration import fit  # noqa: E402
from experiments.evidence import observed as targets  # noqa: E402
from experiments.progress import (
    chunks,  # noqa: E402
    run_parallel,  # noqa: E402
)

WHOLE_REPLAY = ["scenario=england_2013", "write_organisations=false"]       # April 2013 to July 2022


def series_rows() -> list[tuple[str, str]]:
    """Every (measure, period) the predictive bands show: each observation itself (a winter, a quarter, a month or a
    financial year), and each observed measure at its observed month of the year (or financial year) in every year
    2013-2021."""
    obs = fit.history_rows()
    rows = list(dict.fromkeys(zip(obs.measure, obs.period, strict=True)))
    for measure, periods in obs.groupby("measure").period:
        if "/" in periods.iloc[0]:
            rows += [(measure, f"{y}/{str(y + 1)[2:]}") for y in range(2013, 2022)]
        else:
            months = sorted({p[5:] for p in periods})
            rows += [(measure, f"{y}-{m}") for y in range(2013, 2022) for m in months]
    return list(dict.fromkeys(rows))


def _whole(values: list[dict[str, float]], replicates: list[int], rows: list[tuple[str, str]]) -> list[dict]:
    from abm.compose import compose
    return fit.batch_answers(values, replicates, compose(WHOLE_REPLAY), rows)


def resample(particles: pd.DataFrame, weights: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """``n`` draws from a weighted particle population (systematic resampling), equally weighted."""
    rng = np.random.default_rng(seed)
    w = np.asarray(weights, float) / np.sum(weights)
    positions = (rng.random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    return particles.iloc[idx].reset_index(drop=True)


def predictive(draws: pd.DataFrame, names: list[str], jobs: int, width: int) -> pd.DataFrame:
    """Re-run each draw (posterior) and the assumed values (prior point) over 2013-2022; long table of answers."""
    rows = series_rows()
    runs = [("posterior", i, {n: float(d[n]) for n in names}) for i, d in draws.iterrows()]
    runs += [("assumed", i, {}) for i in range(len(draws))]
    parts = chunks(runs, width)
    results = run_parallel([delayed(_whole)([v for _, _, v in part], [10_000 + i for _, i, _ in part], rows)
                            for part in parts], jobs, "posterior predictive", unit="batch")
    out = []
    for part, answers in zip(parts, results, strict=True):
        for (arm, i, _), res in zip(part, answers, strict=True):
            for k, v in res.items():
                measure, period = k.split("@")
                out.append({"arm": arm, "draw": i, "measure": measure, "period": period, "value": v})
    return pd.DataFrame(out)


def _when(period: str) -> float:
    if "/" in period and " " not in period:
        return int(period[:4]) + 0.75       # the middle of the financial year's second half (its end: March)
    months = targets.months_of(period)      # a month, or part of a financial year: the middle of its months
    return float(np.mean([int(d[:4]) + (int(d[5:7]) - 0.5) / 12 for d in months]))


def plot_predictive(pred: pd.DataFrame, path: Path) -> None:
    obs = fit.history_rows()
    measures = list(dict.fromkeys(obs.measure))
    cols = 4
    rows = int(np.ceil(len(measures) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.6 * rows), squeeze=False)
    for ax, measure in zip(axes.flat, measures, strict=False):
        for arm, colour in (("assumed", "tab:grey"), ("posterior", "tab:blue")):
            d = pred[(pred.arm == arm) & (pred.measure == measure) & ~pred.period.str.contains(" ")]   # the series
            q = d.groupby("period").value.quantile([0.05, 0.5, 0.95]).unstack().dropna()
            if q.empty:
                continue
            x = [_when(p) for p in q.index]
            ax.fill_between(x, q[0.05], q[0.95], color=colour, alpha=0.25, lw=0)
            ax.plot(x, q[0.5], color=colour, lw=1.2, label=f"{arm} (median, 90 % band)")
        o = obs[obs.measure == measure]
        for use, face in (("fit", "k"), ("held out", "white")):
            s = o[o.use == use]
            ax.scatter([_when(p) for p in s.period], s.real, facecolor=face, edgecolor="k", zorder=3, s=22,
                       label=f"observed ({use})")
        ax.set_title(measure.replace("_", " "), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(measures):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("2013 replay against observed England: posterior predictive (blue) and the assumed values (grey); "
                 "filled points were fitted, hollow points held out", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_pairs(particles: pd.DataFrame, weights: np.ndarray, chosen: pd.DataFrame, path: Path) -> None:
    names = chosen.name.tolist()
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.7 * k + 1, 1.7 * k + 1), squeeze=False)
    w = weights / weights.sum()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            ax.tick_params(labelsize=5)
            if i == j:
                ax.hist(particles[a], bins=12, weights=w, range=(chosen.low.iloc[i], chosen.high.iloc[i]),
                        color="tab:blue", alpha=0.8)
                ax.axvline(chosen["default"].iloc[i], color="k", lw=0.8, ls="--")
            elif i > j:
                ax.scatter(particles[b], particles[a], s=4 + 200 * w, alpha=0.5, color="tab:blue")
                ax.set_xlim(chosen.low.iloc[j], chosen.high.iloc[j])
                ax.set_ylim(chosen.low.iloc[i], chosen.high.iloc[i])
            else:
                ax.axis("off")
            if i == k - 1:
                ax.set_xlabel(b.split(".")[-1], fontsize=6)
            if j == 0:
                ax.set_ylabel(a.split(".")[-1], fontsize=6)
    fig.suptitle("Posterior (last ABC-SMC generation): weighted histograms on the prior ranges (dashed: the assumed "
                 "value) and pairwise particles", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def judge_rows(pred: pd.DataFrame) -> pd.DataFrame:
    """Every observed row against the predictive mean and 90 % band of each arm, with pass or fail."""
    obs = fit.history_rows()
    rows = []
    for r in obs.itertuples():
        row = {"measure": r.measure, "period": r.period, "use": r.use, "real": r.real}
        for arm in ("assumed", "posterior"):
            v = pred[(pred.arm == arm) & (pred.measure == r.measure) & (pred.period == r.period)].value.dropna()
            mean = float(v.mean()) if len(v) else float("nan")
            row |= {f"{arm}_mean": mean, f"{arm}_low": float(v.quantile(0.05)) if len(v) else np.nan,
                    f"{arm}_high": float(v.quantile(0.95)) if len(v) else np.nan,
                    f"{arm}_pass": targets.judge(r.measure, r.real, mean)}
        rows.append(row)
    return pd.DataFrame(rows)


def predictive_distances(pred: pd.DataFrame, arm: str, use: str) -> np.ndarray:
    """The distance of each re-run of ``arm`` on the ``use`` rows."""
    d = pred[pred.arm == arm]
    keys = d.measure + "@" + d.period
    return np.array([fit.distance(dict(zip(keys[d.draw == i], d.value[d.draw == i], strict=True)), use, "history")
                     for i in sorted(d.draw.unique())])
