"""What published studies measured, reproduced by running their designs inside the model (indirect inference).

    python -m experiments effects [--replicates 10] [--prior 64] [--jobs 2] [--smoke] [--out outputs/effects]

``abm/data/published_effects.csv`` (copied from the project's reference data, with its README) lists one finding a
row: the targets era of 2002-2006, gaming, special measures, inspection, leaders, pay for performance, the
sustainability fund. For each row the model can reproduce, :data:`DESIGNS` builds the same comparison, over the same
horizon, with the resources of the time where the design's period had them (the arms of
:mod:`experiments.evidence.arms`), and states a tolerance that reflects the design: a before/after with growing
budgets is compared with the era's money in the model; a cross-country gap is not causal, so it bounds a difference
and fixes its sign; a direction-only finding constrains a sign or a symmetry. The other rows are listed with the
reason they cannot be reproduced (:data:`NOT_REPRODUCIBLE`). Each replicate runs every arm at its own posterior
draw, the arms sharing their random numbers. Writes ``effects.csv`` and ``effects.md``.

**Evidence that can fail.** Each design is also run at ``--prior`` draws of the calibrated parameters from their
prior box (uniform over the calibration's priors, the other parameters at their defaults): its *pass rate across the
prior* is the share of those draws at which its figure lies within its tolerance. A row that passes at 90 % or more of
the prior's draws does not discriminate: whatever the parameters, it passes. Such a row, a row that restates a formula
of the model (by construction) and a second row of a measure already counted are listed with the reason and neither
counted as reproduced nor used in the fit. The statuses are kept in ``abm/data/design_discrimination.csv`` (written
when the command runs with its defaults), which the calibration reads.

The rows marked ``fit`` that count join the calibration's distance (``experiments.calibration.fit``); the others are
held out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from abm.units import fmt, interval
from experiments.evidence.catalogue import (
    DESIGNS,
    DISCRIMINATES,
    DISCRIMINATION_FILE,
    NOT_REPRODUCIBLE,
    Design,
    arms_of,
    fitted,
    load,
    measure,
    status,
)

__all__ = ["DESIGNS", "NOT_REPRODUCIBLE", "Design", "arms_of", "draws", "fitted", "load", "measure", "prior_draws",
           "report"]

SHOWN_AS = {d.key: d.shown_as for d in DESIGNS}      # each design's figure as a person reads it


def draws(replicates: int) -> tuple[list[dict[str, float]], list[int]]:
    """The calibrated parameters of posterior draws 0, 1, ... (one per replicate) and the replicates."""
    from abm import posterior
    table = posterior.table()
    names = posterior.parameters()
    if table is None or not names:
        return [{} for _ in range(replicates)], list(range(replicates))
    rows = [table.iloc[k % len(table)] for k in range(replicates)]
    return [{n: float(r[n]) for n in names} for r in rows], list(range(replicates))


def prior_box() -> pd.DataFrame:
    """The calibrated parameters (the shipped posterior's and those always calibrated) with their prior ranges."""
    from abm import posterior
    from experiments.calibration.fit import free_parameters
    from experiments.calibration.screening import FORCED
    free = free_parameters()
    names = set(posterior.parameters()) | set(FORCED)
    return free[free.name.isin(names)].reset_index(drop=True)


def prior_draws(n: int, seed: int = 20261207) -> tuple[list[dict[str, float]], list[int]]:
    """``n`` draws from the prior box (uniform; whole numbers rounded), each at its own replicate (from 10,000, apart
    from the posterior's)."""
    box = prior_box()
    rng = np.random.default_rng(seed)
    u = rng.random((n, len(box)))
    values = box.low.to_numpy() + u * (box.high - box.low).to_numpy()
    out = [{name: (round(v) if integer else float(v)) for name, v, integer in zip(box.name, row, box.integer,
                                                                                  strict=True)} for row in values]
    return out, list(range(10_000, 10_000 + n))


def report(figures: np.ndarray, prior: np.ndarray | None, out: Path, replicates: int) -> pd.DataFrame:
    """Write effects.csv and effects.md: every published row, reproduced (model [interval] against published, with
    its pass rate across the prior and whether it counts) or not reproducible (why)."""
    published = load().set_index("key")
    rows = []
    for j, d in enumerate(DESIGNS):
        v = figures[:, j]
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if len(v) else float("nan")
        lo, hi = (float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95))) if len(v) else (np.nan, np.nan)
        p = prior[:, j] if prior is not None else np.array([])
        passing = float(np.mean([d.ok(x) for x in p])) if len(p) else float("nan")
        src = published.loc[d.published_row]
        rows.append({"design": d.key, "row": d.published_row, "finding": f"{src.value} ({src.unit}, {src.period})",
                     "design_in_model": d.what, "model_mean": mean, "model_low": lo, "model_high": hi,
                     "published": d.published, "tolerance": d.tolerance, "within": d.ok(mean), "n": len(v),
                     "prior_pass": passing, "prior_draws": len(p), "status": status(d.key, passing),
                     "use": "fit" if d.fit else "held out", "reference": src.reference})
    for key, why in NOT_REPRODUCIBLE.items():
        src = published.loc[key]
        rows.append({"design": key, "row": key, "finding": f"{src.value} ({src.unit}, {src.period})",
                     "design_in_model": f"not reproducible: {why}", "model_mean": np.nan, "model_low": np.nan,
                     "model_high": np.nan, "published": np.nan, "tolerance": "", "within": None, "n": 0,
                     "prior_pass": np.nan, "prior_draws": 0, "status": "not reproducible", "use": "",
                     "reference": src.reference})
    table = pd.DataFrame(rows)
    missing = sorted(set(published.index) - set(table.row))
    if missing:
        raise ValueError(f"published rows with neither a design nor a reason: {', '.join(missing)}")
    fitting = {d.key for d in fitted()}
    table["use"] = [("fit" if r.design in fitting else "held out") if r.status != "not reproducible" else ""
                    for r in table.itertuples()]
    table.to_csv(out / "effects.csv", index=False)
    (out / "effects.md").write_text("\n".join(lines(table, replicates)) + "\n")
    return table


def fit_sentence() -> str:
    """What *fit* means for the shipped posterior: its calibration's distance, unless the model's designs changed
    since (a newer model version than the calibration's), when the fit rows are those the next calibration fits."""
    from abm.config.fields import CALIBRATION
    from abm.run import model_version
    if model_version() in (CALIBRATION, "unknown"):
        return "Fit rows joined the calibration's distance; the others are held out."
    return (f"Fit rows join the next calibration's distance; the others are held out. The shipped posterior is "
            f"calibration {CALIBRATION}'s, fitted to the designs of model {CALIBRATION}: designs changed since "
            f"(CHANGELOG, {model_version()}) were fitted as they were then.")


def lines(table: pd.DataFrame, replicates: int) -> list[str]:
    designed = table[table.within.notna()]
    counted = designed[designed.status == "counted"]
    excluded = designed[designed.status != "counted"]
    draws = int(designed.prior_draws.max()) if len(designed) else 0
    out = ["# Published effects reproduced inside the model", "",
           f"`python -m experiments effects`: each design run {replicates} times, each replicate at its own posterior "
           "draw with every arm sharing its random numbers; model mean [5-95 % of replicates] against the published "
           "figure, judged by the design's tolerance (`experiments/evidence/catalogue.py`). *Prior pass*: the share "
           f"of {draws} draws from the calibrated parameters' prior box at which the design's figure lies within its "
           f"tolerance; a row passing at {DISCRIMINATES:.0%} or more of them does not discriminate.", "",
           f"**{int(counted.within.sum())} of {len(counted)} counted design rows are reproduced at the posterior** "
           f"(they discriminate across the prior, restate no formula of the model, and are each the first of their "
           f"measure); {len(excluded)} rows are listed but not counted (below), and {len(NOT_REPRODUCIBLE)} published "
           f"rows cannot be reproduced. {fit_sentence()}", "",
           "| row | design in the model | model [5-95 %] | published | tolerance | prior pass | within | use |",
           "|---|---|---|---|---|---|---|---|"]
    for r in counted.itertuples():
        out.append(f"| `{r.design}` | {r.design_in_model} | {_shown(r)} | {r.finding} | {r.tolerance} | "
                   f"{_share(r.prior_pass)} | "
                   f"{'yes' if r.within else 'NO'} | {r.use} |")
    out += ["", "## Listed, not counted", "",
            "| row | why not counted | model [5-95 %] | tolerance | prior pass | within |", "|---|---|---|---|---|---|"]
    for r in excluded.itertuples():
        out.append(f"| `{r.design}` | {r.status} | {_shown(r)} | "
                   f"{r.tolerance} | {_share(r.prior_pass)} | {'yes' if r.within else 'NO'} |")
    out += ["", "Not reproducible:", ""]
    out += [f"- `{k}`: {why}." for k, why in NOT_REPRODUCIBLE.items()]
    out += ["", "References: `abm/data/published_effects.csv`.", ""]
    return out


def _shown(r) -> str:
    """The model's mean and its 5-95 % range in the design's own unit (points, %, months, GBP m ...)."""
    return interval(r.model_mean, r.model_low, r.model_high, SHOWN_AS[r.design])


def _fmt(x: float, design: str) -> str:
    return fmt(x, SHOWN_AS[design])


def _share(x: float) -> str:
    return fmt(x, "share", digits=0) if np.isfinite(x) else "–"


def main(argv: list[str] | None = None) -> int:
    from joblib import delayed

    from experiments.progress import chunks, run_parallel
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", "--replications", dest="replicates", type=int, default=10,
                    help="replicates, each at its own posterior draw")
    ap.add_argument("--prior", type=int, default=64, help="draws from the prior box for the pass rates (0: none)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--smoke", action="store_true", help="two replicates and eight prior draws (the tests' profile)")
    ap.add_argument("--out", type=Path, default=Path("outputs/effects"))
    args = ap.parse_args(argv)
    reps, prior_n = (2, 8) if args.smoke else (args.replicates, args.prior)
    if reps < 1 or args.jobs < 1 or prior_n < 0:
        print(f"error: --replicates={reps}, --jobs={args.jobs} must be at least 1 and --prior={prior_n} at least 0",
              file=sys.stderr)
        return 2
    values, replicates = draws(reps)
    if prior_n:
        more, extra = prior_draws(prior_n)
        values, replicates = values + more, replicates + extra
    n = len(values)
    parts = chunks(list(range(n)), -(-n // max(args.jobs, 1)))
    results = np.vstack(run_parallel([delayed(measure)([values[k] for k in part], [replicates[k] for k in part])
                                      for part in parts], args.jobs, "effects", unit="batch"))
    args.out.mkdir(parents=True, exist_ok=True)
    table = report(results[:reps], results[reps:] if prior_n else None, args.out, reps)
    designed = table[table.within.notna()]
    counted = designed[designed.status == "counted"]
    if reps == 10 and prior_n >= 64 and not args.smoke:
        from abm.run import model_version
        from experiments import misses
        path = Path(__file__).resolve().parents[2] / "abm" / "data" / DISCRIMINATION_FILE
        designed[["design", "prior_pass", "prior_draws", "status"]].assign(model_version=model_version()).to_csv(
            path, index=False, float_format="%.4g")
        misses.record("effects", f"{int(counted.within.sum())} of {len(counted)} counted design rows reproduced", [
            f"`{r.design}` ({r.use}): model {_fmt(r.model_mean, r.design)} against "
            f"{_fmt(r.published, r.design)} ({r.tolerance})"
            for r in counted.itertuples() if not r.within], "python -m experiments effects")
    print(f"{int(counted.within.sum())} of {len(counted)} counted design rows reproduced at the posterior "
          f"({len(designed) - len(counted)} listed, not counted); report: {(args.out / 'effects.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
