"""Value of information: which measurement would decide the answer, and at what value.

Across the posterior draws of a whole-posterior sweep, each draw has its answer (a style's paired effect on true
performance against a comparator: the mean over the draw's replicates of the last 12 months) and, run at the same draw,
each published design's figure (``experiments.evidence.catalogue``). Where the draws disagree on the answer's sign, a
design whose figure goes with the sign would decide it: had the study measured the figure at a value ``v``, only draws
whose figure is near ``v`` would remain. For each design, a logistic curve of P(the style does better | figure = v) is
fitted across the draws. Where the answer's 90 % interval across the draws includes zero, the report names the design
that separates the draws best (the area under its ROC curve farthest from a half) and the values of its figure at
which P falls to 10 %, crosses a half (the sign flips) and rises to 90 %, beside the value the study published.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from abm.units import fmt

# The designs the answer is set against: the counted ones whose arms are short (April 2002 to 2005, April 2013 to
# 2018), so that every draw of the posterior can run them (``ARMS`` below) within the preset's budget.
ARMS = ("targets", "targets_without_sanctions", "replay", "replay_foundation_autonomy")


def designs():
    from experiments.evidence.catalogue import DESIGNS, discrimination, status
    measured = discrimination().set_index("design").status if len(discrimination()) else {}
    return [d for d in DESIGNS if set(d.arms) <= set(ARMS) and status(d.key, np.nan) == "counted"
            and measured.get(d.key, "counted") == "counted"]


def figures(draws: list[int], out: Path, jobs: int = 2) -> pd.DataFrame:
    """Each design's figure at each posterior draw (one replicate, the draw's own number), cached in ``out`` for this
    model version and these draws."""
    from joblib import delayed

    from abm import posterior
    from abm.run import model_version
    from experiments.evidence.catalogue import measure
    from experiments.progress import chunks, run_parallel
    cache = out / "voi_figures.csv"
    chosen = designs()
    if cache.is_file():
        table = pd.read_csv(cache)
        if (table.model_version.iloc[0] == model_version() and set(table.draw) == set(draws)
                and str(table.get("posterior", pd.Series([""])).iloc[0]) == posterior.digest()
                and {d.key for d in chosen} <= set(table.columns)):
            return table
    shipped = posterior.table()
    names = posterior.parameters()
    values = [{n: float(shipped.iloc[d][n]) for n in names} for d in draws]
    parts = chunks(list(range(len(draws))), 32)
    results = run_parallel([delayed(measure)([values[k] for k in part], [draws[k] for k in part], chosen)
                            for part in parts], jobs, "value of information", unit="batch")
    table = pd.DataFrame(np.vstack(results), columns=[d.key for d in chosen]).assign(
        draw=draws, model_version=model_version(), posterior=posterior.digest())
    table.to_csv(cache, index=False)
    return table


def logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of P(y = 1 | x) = 1 / (1 + exp(-(a + b z))) with z the standardised x (maximum likelihood,
    with a small ridge so that a separating figure stays finite)."""
    z = (x - x.mean()) / max(x.std(), 1e-12)

    def loss(theta):
        eta = theta[0] + theta[1] * z
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.01 * theta[1] ** 2)
    fit = minimize(loss, np.zeros(2), method="BFGS")
    a, b = fit.x
    return float(a - b * x.mean() / max(x.std(), 1e-12)), float(b / max(x.std(), 1e-12))


def auc(x: np.ndarray, y: np.ndarray) -> float:
    """The probability that a draw where the style does better has a larger figure than one where it does not."""
    pos, neg = x[y == 1], x[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    return float((np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :]))
                 / (len(pos) * len(neg)))


def lines(answer: pd.Series, table: pd.DataFrame, style: str, comparator: str) -> list[str]:
    """The report's section: the share of draws where ``style`` does better, and each design's power to decide it."""
    from experiments.evidence.catalogue import DESIGNS
    by_key = {d.key: d for d in DESIGNS}
    joined = table.set_index("draw").join(answer.rename("effect"), how="inner")
    better = (joined.effect > 0).astype(int).to_numpy()
    p = better.mean()
    low, high = np.quantile(joined.effect, [0.05, 0.95])
    out = ["## Value of information", "",
           f"{style} does better than {comparator} on true performance at {int(better.sum())} of {len(better)} "
           f"posterior draws ({fmt(p, 'share', digits=0)}; each draw's mean over its replicates, the last 12 months); "
           f"the 90 % interval of the difference across the draws is {fmt(low, 'points')} to {fmt(high, 'points')}."]
    if low < 0.0 < high:
        rows = []
        for key in [c for c in table.columns if c in by_key]:
            x = joined[key].to_numpy(float)
            ok = np.isfinite(x)
            if ok.sum() < 10 or len(set(better[ok])) < 2:
                continue
            a, b = logistic(x[ok], better[ok])
            at = {q: (np.log(q / (1 - q)) - a) / b if abs(b) > 1e-12 else np.nan for q in (0.1, 0.5, 0.9)}
            lo, hi = np.nanmin(x[ok]), np.nanmax(x[ok])
            rows.append({"design": key, "auc": auc(x[ok], better[ok]), "p10": at[0.1], "p50": at[0.5], "p90": at[0.9], "lo": lo,
                         "hi": hi, "published": by_key[key].published})
        ranked = sorted(rows, key=lambda r: -abs(r["auc"] - 0.5))
        if ranked:
            best = ranked[0]

            def shown(v: float, key: str) -> str:                  # in the design's own unit (points, %, ...)
                return fmt(v, by_key[key].shown_as)

            def within(v: float) -> str:
                return (shown(v, best["design"]) + ("" if best["lo"] <= v <= best["hi"] else
                                                    " (beyond what any draw gives)")) if np.isfinite(v) else "–"
            published = (f"the study published {shown(best['published'], best['design'])}"
                         if np.isfinite(best["published"]) else "the study published its direction, not its size")
            out += ["", f"The interval includes zero. The measurement that would decide it best is the figure of "
                    f"**`{best['design']}`** ({by_key[best['design']].what}; area under the ROC curve "
                    f"{fmt(best['auc'], 'number', digits=2)}): had it been measured at {within(best['p10'])}, P({style} "
                    f"better) would fall to 10 %; at {within(best['p50'])}, to a half (the sign flips); at "
                    f"{within(best['p90'])}, it would rise to 90 % (the draws give {shown(best['lo'], best['design'])} "
                    f"to {shown(best['hi'], best['design'])}; {published}).", "",
                    "| design | AUC | figure at P = 10 % | at P = 50 % | at P = 90 % | range across draws | published |",
                    "|---|---|---|---|---|---|---|"]
            def cell(r: dict, q: str) -> str:                    # the fitted curve only where some draw is
                v = r[q]
                return shown(v, r["design"]) if np.isfinite(v) and r["lo"] <= v <= r["hi"] else "beyond the draws"
            for r in ranked:
                k = r["design"]
                out.append(f"| `{k}` | {fmt(r['auc'], 'number', digits=2)} | {cell(r, 'p10')} | "
                           f"{cell(r, 'p50')} | {cell(r, 'p90')} | {shown(r['lo'], k)} to {shown(r['hi'], k)} | "
                           f"{shown(r['published'], k)} |")
            out += ["", "*Beyond the draws*: the fitted curve reaches that probability only at a figure no draw gives "
                    "(an extrapolation, not shown); a design with an AUC near a half separates nothing."]
    else:
        out += ["", "The interval excludes zero: no single measurement is needed to decide the sign."]
    return out + [""]


def report(sweep: Path, style: str = "carrot", comparator: str = "stick", jobs: int = 2) -> Path:
    """The value-of-information section of a whole-posterior sweep, written as ``report/voi.md``."""
    from experiments.sweeps.compare import gather
    from experiments.sweeps.stats import DRAW
    results, *_ = gather(sweep)
    last = results[results.month > results.month.max() - 12]
    means = last.groupby(["regulator.name", "seed", "replicate", DRAW]).perf_true.mean()
    effect = (means.xs(style, level="regulator.name") - means.xs(comparator, level="regulator.name")).dropna()
    answer = effect.groupby(level=DRAW).mean()
    out = sweep / "report"
    out.mkdir(parents=True, exist_ok=True)
    answer.rename("effect").rename_axis("draw").reset_index().to_csv(out / "answer_by_draw.csv", index=False)
    table = figures(sorted(int(d) for d in answer.index), out, jobs)
    path = out / "voi.md"
    path.write_text("\n".join(["# Which measurement would decide it", "", *lines(answer, table, style, comparator)]))
    return path
