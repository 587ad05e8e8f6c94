"""The re-runnable procedure that chose the calibrated defaults (documented in docs/ODD.md, section 8).

    python -m experiments.calibrate [--replicates 6] [--jobs 2] [--out outputs/calibration]

Two steps, both on the default configuration (``as_was_2016``, real England, months 0-15):

1. **Initial collaboration** (``behaviour.init_joint_committee``, ``behaviour.init_shared_ao``): a grid search scored
   on the March 2017 NHSCC survey shares (joint committees 70 %, shared accountable officers 40 %; seed 002 L125),
   score = sum of squared differences of the replication means.
2. **Dashboard cut-offs** (``behaviour.dashboard_cuts``): with the chosen initial collaboration, the cut-offs are the
   quantiles of STP maturity in July 2017 (pooled over replications) that give the July 2017 dashboard shares
   (4 / 14 / 20 / 5 of 43 STPs; seed 004 L98): the 9th, 42nd and 88th percentiles.

Writes ``calibration.md`` and ``grid.csv`` and prints the overrides to use. The behavioural effect sizes are not
calibrated (the seeds give none); explore them with ``experiments.sensitivity``.
"""

from __future__ import annotations

import argparse
import sys
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from abm.compose import compose
from abm.mechanisms.collaboration import CCG_CCG
from abm.mechanisms.leadership import shared_ao
from abm.model import CommissioningModel

JC_TARGET, AO_TARGET = 0.70, 0.40
DASHBOARD_SHARES = np.array([4, 14, 20, 5]) / 43.0
GRID_JC = (0.4, 0.5, 0.6, 0.7)
GRID_AO = (0.2, 0.3, 0.4)


def run(jc: float, ao: float, replicate: int) -> dict:
    m = CommissioningModel(compose(["months=15", "write_organisations=false", f"replicate={replicate}",
                                    f"behaviour.init_joint_committee={jc}", f"behaviour.init_shared_ao={ao}"]))
    out = {"init_joint_committee": jc, "init_shared_ao": ao, "replicate": replicate}
    while m.t < m.months:
        m.step()
        if m.t == 11:
            e, ccg = m.edges, m.mask("ccg")
            jc_member = np.zeros(len(m.orgs.kind), bool)
            jc_member[e.src[e.active & e.link & (e.kind == CCG_CCG)]] = True
            out["joint_committees"] = float(jc_member[ccg].mean())
            out["shared_ao"] = float(shared_ao(m)[ccg].mean())
    out["maturity"] = m.stps.maturity.tolist()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=6)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("outputs/calibration"))
    args = ap.parse_args(argv)
    if args.replicates < 1 or args.jobs < 1:
        print("error: --replicates and --jobs must be at least 1", file=sys.stderr)
        return 2
    runs = pd.DataFrame(Parallel(n_jobs=args.jobs)(
        delayed(run)(jc, ao, r) for jc, ao in product(GRID_JC, GRID_AO) for r in range(args.replicates)))
    grid = runs.groupby(["init_joint_committee", "init_shared_ao"])[["joint_committees", "shared_ao"]].mean()
    grid["score"] = (grid.joint_committees - JC_TARGET) ** 2 + (grid.shared_ao - AO_TARGET) ** 2
    best_jc, best_ao = grid.score.idxmin()
    chosen = runs[(runs.init_joint_committee == best_jc) & (runs.init_shared_ao == best_ao)]
    maturity = np.concatenate(chosen.maturity.to_list())
    cuts = np.quantile(maturity, np.cumsum(DASHBOARD_SHARES)[:3]).round(2).tolist()
    args.out.mkdir(parents=True, exist_ok=True)
    grid.reset_index().to_csv(args.out / "grid.csv", index=False)
    overrides = [f"behaviour.init_joint_committee={best_jc}", f"behaviour.init_shared_ao={best_ao}",
                 f"behaviour.dashboard_cuts=[{','.join(str(c) for c in cuts)}]"]
    lines = ["# Calibration", "", f"{args.replicates} replications per grid point (default configuration).", "",
             "| init_joint_committee | init_shared_ao | joint committees (70 %) | shared AO (40 %) | score |",
             "|---|---|---|---|---|"]
    for (jc, ao), r in grid.iterrows():
        mark = " **chosen**" if (jc, ao) == (best_jc, best_ao) else ""
        lines.append(f"| {jc} | {ao} | {r.joint_committees:.2f} | {r.shared_ao:.2f} | {r.score:.4f}{mark} |")
    lines += ["", f"Dashboard cut-offs from the July 2017 maturity quantiles: {cuts}.", "",
              "Overrides: `" + " ".join(overrides) + "`"]
    (args.out / "calibration.md").write_text("\n".join(lines) + "\n")
    print(" ".join(overrides))
    print(f"report: {(args.out / 'calibration.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
