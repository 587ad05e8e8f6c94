"""The re-runnable procedure that set the initial collaboration and the cut-offs (docs/ODD.md, section 8).

    python -m experiments cutoffs [--replicates 10] [--jobs 2] [--out outputs/cutoffs]

Two steps:

1. **Initial collaboration** (``behaviour.init_joint_committee``, ``behaviour.init_shared_ao``), on the default
   configuration (``as_was_2016``, real England, months 0-15): a grid search scored on the March 2017 NHSCC survey
   shares (joint committees 70 %, shared accountable officers 40 %; seed 002 L125), score = sum of squared
   differences of the replicate means.
2. **Cut-offs** on the 2013 replay (``scenario=england_2013``; replicate r at posterior draw r, as ``history --check``
   and ``validate`` run it), each the quantiles (pooled over replicates) that
   reproduce an observed distribution (``abm/data/observed_2013_2019.csv``; these rows are then fit rows, not tests):
   ``behaviour.dashboard_cuts`` from STP maturity in July 2017 (5 / 14 / 20 / 5 of 44 STPs),
   ``behaviour.ccg_rating_cuts`` from the CCGs' mean assessed score of 2015/16 (July 2016 ratings: 26 inadequate,
   91 requires improvement, 82 good, 10 outstanding) and ``behaviour.cqc_rating_cuts`` from the CQC's overall
   assessment of every trust at its latest inspection before May 2016 (12 / 109 / 53 / 5 of 179 rated).

Writes ``calibration.md`` and ``grid.csv`` and prints the overrides to use. The behavioural effect sizes are not
calibrated (the seeds give none); explore them with ``experiments.sweeps.sensitivity``.
"""

from __future__ import annotations

import argparse
import sys
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import delayed

from abm import posterior
from abm.compose import compose
from abm.mechanisms.collaboration import CCG_CCG
from abm.mechanisms.leadership import shared_ao
from abm.model import CommissioningModel
from abm.vocabulary import DASHBOARD_BANDS, RATINGS
from experiments.evidence.observed import SURVEY_2017, observed_counts
from experiments.progress import run_parallel

JC_TARGET, AO_TARGET = SURVEY_2017["joint_committees"], SURVEY_2017["shared_ao"]
# Observed distributions, lowest band first (abm/data/observed_2013_2019.csv).
DASHBOARD_COUNTS = observed_counts("stp_dashboard_", "2017-07", DASHBOARD_BANDS)
CCG_RATING_COUNTS = observed_counts("ccg_rating_", "2016-07", RATINGS)
CQC_RATING_COUNTS = observed_counts("cqc_trust_rating_", "2016-05", RATINGS)
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
    return out


def replay(replicate: int, draw: int | None = None) -> dict:
    """One 2013 replay to July 2017, at posterior draw ``draw`` (the defaults if None): the distributions the cut-offs
    are read from."""
    from abm.mechanisms import oversight, ratings
    at = [] if draw is None else [f"posterior.draw={draw}"]
    m = CommissioningModel(compose(["scenario=england_2013", "months=52", "write_organisations=false",
                                    f"replicate={replicate}", *at]))
    out = {}
    prov = m.mask("provider")
    inspected = np.full(len(m.orgs.kind), np.nan)      # each trust's overall assessment at its latest inspection
    noise = np.random.default_rng(replicate)
    while m.t < m.months:
        month = m.t
        m.step()
        date = str(m.date)
        # the CQC's overall assessment with its noise, as ratings.inspect rates the trusts due this month
        due = np.flatnonzero(prov & (m.orgs.inspect_slot == month % m.beh.inspection_interval))
        overall = ratings.cqc_overall(m, oversight.domains(m))[due]
        inspected[due] = overall + noise.normal(0.0, m.beh.indicator_noise, len(due))
        if date == "2016-05":
            # May 2016's ratings are those of each trust's latest inspection (the CQC rated trusts over 2014-16)
            out["cqc"] = inspected[prov & ~np.isnan(inspected)].tolist()
        if date == "2016-06":
            ccg = m.mask("ccg")
            out["ccg"] = (m.orgs.year_scores / np.maximum(m.orgs.year_n, 1))[ccg].tolist()
    out["maturity"] = m.stps.maturity.tolist()
    return out


def cuts(values, counts) -> list[float]:
    return np.quantile(np.concatenate(values), np.cumsum(counts)[:3] / counts.sum()).round(2).tolist()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("outputs/cutoffs"))
    args = ap.parse_args(argv)
    if args.replicates < 1 or args.jobs < 1:
        print("error: --replicates and --jobs must be at least 1", file=sys.stderr)
        return 2
    runs = pd.DataFrame(run_parallel((delayed(run)(jc, ao, r) for jc, ao in product(GRID_JC, GRID_AO)
                                      for r in range(args.replicates)), args.jobs, "calibration grid"))
    grid = runs.groupby(["init_joint_committee", "init_shared_ao"])[["joint_committees", "shared_ao"]].mean()
    grid["score"] = (grid.joint_committees - JC_TARGET) ** 2 + (grid.shared_ao - AO_TARGET) ** 2
    best_jc, best_ao = grid.score.idxmin()
    # Replicate r of the replays runs posterior draw r, as `history --check` and `validate` do: the bands are read
    # where they are judged.
    shipped = posterior.table()
    draws = len(shipped) if shipped is not None else 0
    replays = run_parallel((delayed(replay)(r, r % draws if draws else None) for r in range(args.replicates)),
                           args.jobs, "2013 replays")
    found = {"dashboard_cuts": cuts([r["maturity"] for r in replays], DASHBOARD_COUNTS),
             "ccg_rating_cuts": cuts([r["ccg"] for r in replays], CCG_RATING_COUNTS),
             "cqc_rating_cuts": cuts([r["cqc"] for r in replays], CQC_RATING_COUNTS)}
    args.out.mkdir(parents=True, exist_ok=True)
    grid.reset_index().to_csv(args.out / "grid.csv", index=False)
    overrides = [f"behaviour.init_joint_committee={best_jc}", f"behaviour.init_shared_ao={best_ao}",
                 *(f"behaviour.{k}=[{','.join(str(c) for c in v)}]" for k, v in found.items())]
    lines = ["# Calibration", "", f"{args.replicates} replicates per grid point (default configuration); the 2013 "
             f"replays {'each at its own posterior draw' if draws else 'at the defaults'}.", "",
             "| init_joint_committee | init_shared_ao | joint committees (70 %) | shared AO (40 %) | score |",
             "|---|---|---|---|---|"]
    for (jc, ao), r in grid.iterrows():
        mark = " **chosen**" if (jc, ao) == (best_jc, best_ao) else ""
        lines.append(f"| {jc} | {ao} | {r.joint_committees:.2f} | {r.shared_ao:.2f} | {r.score:.4f}{mark} |")
    lines += ["", "Cut-offs from quantiles of the 2013 replay (observed distributions, lowest band first): "
              + "; ".join(f"`{k}` = {v}" for k, v in found.items()) + ".", "",
              "Overrides: `" + " ".join(overrides) + "`"]
    (args.out / "calibration.md").write_text("\n".join(lines) + "\n")
    print(" ".join(overrides))
    print(f"report: {(args.out / 'calibration.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
