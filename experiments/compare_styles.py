"""Run every regulatory style on the same Englands (common seeds) and print how they compare.

    python -m experiments.compare_styles [--seeds 3] [--months 60] [--scenario england] [--out DIR]

Writes ``runs.parquet`` (every run's monthly table) and ``comparison.csv`` (per style: mean over seeds of each
outcome at the end of the run, or summed over the run for counts of events) to ``--out``
(default ``outputs/compare_styles/<timestamp>``), and prints the comparison table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from abm.compose import compose
from abm.config import REGULATOR_STYLES, SCENARIOS
from abm.run import simulate

END = {"perf_true": "true performance", "perf_reported": "reported performance", "perf_gap": "reported - true",
       "aggregate_deficit": "aggregate deficit, GBP m", "n_in_deficit": "bodies in deficit", "n_ccgs": "CCGs",
       "share_ccgs_in_joint_committee": "CCGs in joint committees", "share_ccgs_sharing_ao": "CCGs sharing an AO",
       "n_pooled_budgets": "pooled budgets", "n_alliances": "alliances", "n_risk_shares": "risk shares",
       "mean_stress": "leader stress", "ccg_trust_in_nhse": "CCG trust in NHSE",
       "trust_commissioner_provider": "commissioner-provider trust", "stp_maturity_mean": "STP maturity",
       "stp_maturity_sd": "STP maturity spread"}
TOTAL = {"leader_turnover": "leader changes", "enforcement_actions": "enforcement actions",
         "support_spend": "support spend, GBP m"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="replications per style (seeds 0..N-1), 1-1000")
    ap.add_argument("--months", type=int, default=60, help="horizon in months, 1-1200")
    ap.add_argument("--scenario", default="england", help=f"one of: {', '.join(SCENARIOS)}")
    ap.add_argument("--out", type=Path, default=None, help="output directory")
    args = ap.parse_args(argv)
    if not 1 <= args.seeds <= 1000:
        ap.error(f"--seeds={args.seeds} is out of range; allowed: 1-1000")
    if args.scenario not in SCENARIOS:
        ap.error(f"--scenario={args.scenario!r} is not allowed; choose one of: {', '.join(SCENARIOS)}")
    if not 1 <= args.months <= 1200:
        ap.error(f"--months={args.months} is out of range; allowed: 1-1200")
    out = args.out or Path("outputs") / "compare_styles" / time.strftime("%Y-%m-%d_%H-%M-%S")
    frames, started = [], time.time()
    total = len(REGULATOR_STYLES) * args.seeds
    for i, style in enumerate(REGULATOR_STYLES):
        for seed in range(args.seeds):
            cfg = compose([f"regulator={style}", f"seed={seed}", f"months={args.months}",
                           f"scenario={args.scenario}", "write_organisations=false"])
            frames.append(simulate(cfg)["model"].assign(style=style))
            done = i * args.seeds + seed + 1
            print(f"\r[{done}/{total}] {style} seed {seed}  ({time.time() - started:.0f}s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    runs = pd.concat(frames, ignore_index=True)
    last = runs[runs.month == runs.month.max()].groupby("style")[list(END)].mean().rename(columns=END)
    sums = runs.groupby(["style", "seed"])[list(TOTAL)].sum().groupby("style").mean().rename(columns=TOTAL)
    table = pd.concat([last, sums], axis=1).T[list(REGULATOR_STYLES)]
    out.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(out / "runs.parquet", index=False)
    table.to_csv(out / "comparison.csv")
    with pd.option_context("display.width", 200, "display.float_format", "{:,.3f}".format):
        print(f"{args.scenario}, {args.months} months, mean of {args.seeds} seed(s) per style; end of run unless a total")
        print(table.to_string())
    print(f"outputs: {out.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
