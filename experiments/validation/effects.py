"""What published studies measured, reproduced by running their designs inside the model (indirect inference).

    python -m experiments effects [--replications 10] [--jobs 2] [--smoke] [--out outputs/effects]

``abm/data/published_effects.csv`` (copied from the project's reference data, with its README) lists one finding a
row: the targets era of 2002-2006, gaming, special measures, inspection, leaders, pay for performance, the
sustainability fund. For each row the model can reproduce, :data:`DESIGNS` builds the same comparison, over the same
horizon, with the resources of the time where the design's period had them (the arms of
:mod:`experiments.evidence.arms`), and states a tolerance that reflects the design: a before/after with growing
budgets is compared with the era's money in the model; a cross-country gap is not causal, so it bounds a difference
and fixes its sign; a direction-only finding constrains a sign or a symmetry. The other rows are listed with the
reason they cannot be reproduced (:data:`NOT_REPRODUCIBLE`). Each replication runs every arm at its own posterior
draw, the arms sharing their random numbers. Writes ``effects.csv`` and ``effects.md``.

The rows marked ``fit`` join the calibration's distance (``experiments.calibration.fit``); the others are held out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from abm.units import fmt
from experiments.evidence.catalogue import DESIGNS, NOT_REPRODUCIBLE, Design, arms_of, fitted, load, measure

__all__ = ["DESIGNS", "NOT_REPRODUCIBLE", "Design", "arms_of", "draws", "fitted", "load", "measure", "report"]


def draws(replications: int) -> tuple[list[dict[str, float]], list[int]]:
    """The calibrated parameters of posterior draws 0, 1, ... (one per replication) and the replicates."""
    from abm import posterior
    table = posterior.table()
    names = posterior.parameters()
    if table is None or not names:
        return [{} for _ in range(replications)], list(range(replications))
    rows = [table.iloc[k % len(table)] for k in range(replications)]
    return [{n: float(r[n]) for n in names} for r in rows], list(range(replications))


def report(figures: np.ndarray, out: Path, replications: int) -> pd.DataFrame:
    """Write effects.csv and effects.md: every published row, reproduced (model [interval] against published) or
    not reproducible (why)."""
    published = load().set_index("key")
    rows = []
    for j, d in enumerate(DESIGNS):
        v = figures[:, j]
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if len(v) else float("nan")
        lo, hi = (float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95))) if len(v) else (np.nan, np.nan)
        src = published.loc[d.published_row]
        rows.append({"design": d.key, "row": d.published_row, "finding": f"{src.value} ({src.unit}, {src.period})",
                     "design_in_model": d.what, "model_mean": mean, "model_low": lo, "model_high": hi,
                     "published": d.published, "tolerance": d.tolerance, "within": d.ok(mean), "n": len(v),
                     "use": "fit" if d.fit else "held out", "reference": src.reference})
    for key, why in NOT_REPRODUCIBLE.items():
        src = published.loc[key]
        rows.append({"design": key, "row": key, "finding": f"{src.value} ({src.unit}, {src.period})",
                     "design_in_model": f"not reproducible: {why}", "model_mean": np.nan, "model_low": np.nan,
                     "model_high": np.nan, "published": np.nan, "tolerance": "", "within": None, "n": 0,
                     "use": "", "reference": src.reference})
    table = pd.DataFrame(rows)
    missing = sorted(set(published.index) - set(table.row))
    if missing:
        raise ValueError(f"published rows with neither a design nor a reason: {', '.join(missing)}")
    table.to_csv(out / "effects.csv", index=False)
    designed = table[table.within.notna()]
    rows_ok = designed.groupby("row").within.all()
    lines = ["# Published effects reproduced inside the model", "",
             f"`python -m experiments effects`: each design run {replications} times, each replication at its own "
             "posterior draw with every arm sharing its random numbers; model mean [5-95 % of replications] against "
             "the published figure, judged by the design's tolerance (`experiments/evidence/catalogue.py`).", "",
             f"**{int(rows_ok.sum())} of {len(rows_ok)} published rows with a design are reproduced within tolerance** "
             f"({int(designed.within.sum())} of {len(designed)} design figures); "
             f"{len(NOT_REPRODUCIBLE)} rows cannot be reproduced (reasons below). Fit rows joined the calibration's "
             "distance; the others are held out.", "",
             "| row | design in the model | model [5-95 %] | published | tolerance | within | use |",
             "|---|---|---|---|---|---|---|"]
    for r in designed.itertuples():
        lines.append(f"| `{r.design}` | {r.design_in_model} | {_fmt(r.model_mean)} [{_fmt(r.model_low)}, "
                     f"{_fmt(r.model_high)}] | {r.finding} | {r.tolerance} | {'yes' if r.within else 'NO'} | {r.use} |")
    lines += ["", "Not reproducible:", ""]
    lines += [f"- `{k}`: {why}." for k, why in NOT_REPRODUCIBLE.items()]
    lines += ["", "References: `abm/data/published_effects.csv`.", ""]
    (out / "effects.md").write_text("\n".join(lines))
    return table


def _fmt(x: float) -> str:
    return fmt(x, "number")


def main(argv: list[str] | None = None) -> int:
    from joblib import delayed

    from experiments.progress import chunks, run_parallel
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10, help="replications, each at its own posterior draw")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--smoke", action="store_true", help="two replications (the tests' profile)")
    ap.add_argument("--out", type=Path, default=Path("outputs/effects"))
    args = ap.parse_args(argv)
    reps = 2 if args.smoke else args.replications
    if reps < 1 or args.jobs < 1:
        print(f"error: --replications={reps} and --jobs={args.jobs} must be at least 1", file=sys.stderr)
        return 2
    values, replicates = draws(reps)
    parts = chunks(list(range(reps)), -(-reps // args.jobs))
    results = run_parallel([delayed(measure)([values[k] for k in part], [replicates[k] for k in part])
                            for part in parts], args.jobs, "effects", unit="batch")
    args.out.mkdir(parents=True, exist_ok=True)
    table = report(np.vstack(results), args.out, reps)
    designed = table[table.within.notna()]
    if reps == 10 and not args.smoke:
        from experiments import misses
        misses.record("effects", f"{int(designed.groupby('row').within.all().sum())} of {designed.row.nunique()} "
                      "published rows with a design reproduced", [
                          f"`{r.design}` ({r.use}): model {_fmt(r.model_mean)} against {_fmt(r.published)} "
                          f"({r.tolerance})" for r in designed.itertuples() if not r.within],
                      "python -m experiments effects")
    print(f"{int(designed.groupby('row').within.all().sum())} of {designed.row.nunique()} published rows reproduced "
          f"within tolerance; report: {(args.out / 'effects.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
