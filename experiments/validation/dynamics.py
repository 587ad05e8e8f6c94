"""Are the long-run dynamics credible? The bounds every style must keep over a 60-month run from April 2016.

    python -m experiments dynamics [--seeds 5] [--jobs 2] [--months 60] [Hydra overrides ...]

For every style preset and seed, runs the real England (or the scenario the overrides name) and measures, from the
monthly table: the most trusts in special measures and CCGs under legal directions in any month; the largest share
of CCGs and of trusts rated inadequate in any July; peak monthly leader turnover against its mean after the first
year; the largest fall in special measures over one quarter (from 10 or more); and whether commissioner-provider
trust ends no lower than it started, on the relationships free of payment disputes (their commissioner never in
deficit: the bound) and on all of them (reported: disputes under payment by results lower it in every style, seed 003
L808), also for the carrot with every contract sanction suspended (no sanction at all). Prints a markdown table (the
figures in ``docs/ODD.md`` §8) with the bounds.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from joblib import delayed

from abm.batch import Batch
from abm.compose import compose
from abm.config import REGULATOR_STYLES
from abm.precheck import precheck
from abm.run import simulate
from experiments.progress import run_parallel

NO_SANCTIONS = "carrot, all sanctions suspended"
BOUNDS = {"max_special_measures": 50, "max_ccgs_under_directions": 50, "max_july_ccg_inadequate": 0.25,
          "max_july_trust_inadequate": 0.15, "turnover_peak_to_mean": 3.0, "worst_quarter_sm_ratio": 0.5}
# Bounds a style is known to miss, with the looser limit it must still keep (measured and explained in docs/ODD.md
# section 8; the style contract and tests/test_regime.py hold every style to BOUNDS except these). A new style keeps
# every bound, or its miss is measured, explained in ODD section 8 and recorded here.
# (None at present: 0.2.2 rates trusts with the CQC's equal weights and removes leaders of trusts rated inadequate,
# and the stick and carrot-then-stick, which reached 21-22 % rated inadequate, keep the 15 % bound.)
KNOWN_MISSES: dict[tuple[str, str], float] = {}


def limit(style: str, key: str) -> float:
    """The limit ``style`` is held to on ``key``: its bound, or its known miss's looser limit."""
    return KNOWN_MISSES.get((style, key), BOUNDS[key])


def keeps(style: str, row: dict) -> list[str]:
    """The bounds (or known-miss limits) a run of ``style`` breaks: an empty list when it keeps them all."""
    return [f"{k} = {row[k]} (limit {limit(style, k)})" for k in BOUNDS
            if not (row[k] >= limit(style, k) if k == "worst_quarter_sm_ratio" else row[k] <= limit(style, k))]


def measure(model: pd.DataFrame) -> dict:
    """The credibility measures of one run's monthly table."""
    july = model[model.date.str.endswith("-07")]
    sm = model.n_special_measures.to_numpy()
    later = model.leader_turnover.iloc[13:]
    ratios = [sm[t + 3] / sm[t] for t in range(len(sm) - 3) if sm[t] >= 10]
    return {
        "max_special_measures": int(sm.max()),
        "max_ccgs_under_directions": int(model.n_ccgs_under_directions.max()),
        "max_july_ccg_inadequate": float((july.ccg_rating_inadequate / july.n_ccgs).max()) if len(july) else 0.0,
        "max_july_trust_inadequate": float((july.trust_rating_inadequate / july.n_trusts).max()) if len(july) else 0.0,
        "turnover_peak_to_mean": float(later.max() / later.mean()) if len(later) and later.mean() > 0 else 0.0,
        "worst_quarter_sm_ratio": float(min(ratios)) if ratios else 1.0,
        "cp_trust_undisputed_not_lower": bool(model.trust_commissioner_provider_undisputed.iloc[-1]
                                              >= model.trust_commissioner_provider_undisputed.iloc[0]),
        "cp_trust_not_lower": bool(model.trust_commissioner_provider.iloc[-1]
                                   >= model.trust_commissioner_provider.iloc[0]),
    }


def within_bounds(row: dict) -> bool:
    return all(row[k] >= v if k == "worst_quarter_sm_ratio" else row[k] <= v for k, v in BOUNDS.items())


def one(style: str, seed: int, months: int, overrides: list[str]) -> dict:
    cfg = compose([f"regulator={style}", f"seed={seed}", f"months={months}", "write_organisations=false", *overrides])
    return {"style": style, "seed": seed, **measure(simulate(cfg)["model"])}


def some(style: str, seeds: list[int], months: int, overrides: list[str]) -> list[dict]:
    """:func:`one` for several seeds of a style, stepped together (``abm.batch``): the same rows."""
    cfg = compose([f"regulator={style}", f"months={months}", "write_organisations=false", *overrides])
    batch = Batch(cfg, [cfg.replicate] * len(seeds), organisations=False, seed_of=seeds).run()
    return [{"style": style, "seed": sd, **measure(batch.tables(k)["model"])} for k, sd in enumerate(seeds)]


# Shares of runs, not bounds of one run: the carrot's runs whose commissioner-provider trust ends no lower.
SHARES = {"cp_trust_undisputed_not_lower": "≥ 90 % (carrot)", "cp_trust_not_lower": "reported"}
CARROT_SHARE = 0.9


def table(results: pd.DataFrame) -> str:
    cols = list(BOUNDS) + list(SHARES)
    lines = ["| style | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols),
             "| bound | " + " | ".join(f"≥ {BOUNDS[c]}" if c == "worst_quarter_sm_ratio" else
                                    (f"≤ {BOUNDS[c]}" if c in BOUNDS else SHARES[c]) for c in cols) + " |"]
    for style, g in results.groupby("style", sort=False):
        cells = []
        for c in cols:
            if c in SHARES:
                cells.append(f"{100 * g[c].mean():.0f} %")
            elif c == "worst_quarter_sm_ratio":
                cells.append(f"{g[c].min():.2f}")
            else:
                cells.append(f"{g[c].max():.2f}" if g[c].dtype.kind == "f" else f"{g[c].max()}")
        lines.append(f"| {style} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--months", type=int, default=60)
    args, overrides = ap.parse_known_args(argv)
    if args.seeds < 1 or args.jobs < 1 or args.months < 13:
        print(f"error: --seeds={args.seeds}, --jobs={args.jobs} must be at least 1 and --months={args.months} at "
              "least 13", file=sys.stderr)
        return 2
    precheck([f"months={args.months}", *overrides])       # a bad override: one line and exit 2, before any run
    parts = [list(p) for p in np.array_split(np.arange(args.seeds), min(args.jobs, args.seeds))]
    rows = [row for part in run_parallel((delayed(some)(s, [int(x) for x in seeds], args.months, overrides)
                                          for s in REGULATOR_STYLES for seeds in parts), args.jobs, "styles")
            for row in part]
    # The carrot with every contract sanction suspended as well: trust without any sanction at all.
    free = [row for part in run_parallel((delayed(some)("carrot", [int(x) for x in seeds], args.months,
                                                        [*overrides, "regime.sanctions_suspended=all"])
                                          for seeds in parts), args.jobs, "carrot without sanctions") for row in part]
    results = pd.concat([pd.DataFrame(rows), pd.DataFrame(free).assign(style=NO_SANCTIONS)], ignore_index=True)
    print(table(results))
    ok = results.apply(lambda r: within_bounds(r.to_dict()), axis=1)
    carrot = results[results["style"] == "carrot"]
    undisputed = carrot.cp_trust_undisputed_not_lower.mean()
    print(f"\n{int(ok.sum())} of {len(ok)} runs within every bound; the carrot's runs whose commissioner-provider "
          f"trust ends no lower than it started: {100 * undisputed:.0f} % on relationships free of payment disputes "
          f"(bound {100 * CARROT_SHARE:.0f} %: {'kept' if undisputed >= CARROT_SHARE else 'NOT kept'}), "
          f"{100 * carrot.cp_trust_not_lower.mean():.0f} % on all of them (reported)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
