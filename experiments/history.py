"""Replay 2013-2022 (``scenario=england_2013`` and its policy timeline), optionally against a counterfactual style.

    python -m experiments.history [--replicates 10] [--jobs 2] [--counterfactual carrot --from 2016-04]
                                  [--out outputs/history] [Hydra overrides ...]

Writes, per NHS financial year (April to March): the CCG count and merger events, the CCG rating distribution
(published each July), trusts in deficit and the aggregate deficit, CCGs sharing an accountable officer, CCGs under
legal directions, STPs by dashboard band: ``history.csv`` (one row per arm x replicate x year), ``summary.csv`` (mean,
95 % interval, n), ``history.png`` (a panel per measure over 2013-2022, as-was solid, counterfactual dashed),
``differences.png`` (paired counterfactual minus as-was by year, same seeds and replicates) and ``history.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from scipy import stats  # noqa: E402

from abm.__main__ import precheck  # noqa: E402
from abm.compose import compose  # noqa: E402
from abm.config import REGULATOR_STYLES  # noqa: E402
from abm.run import simulate  # noqa: E402
from experiments.compare import mean_ci  # noqa: E402

YEAR_END = {"n_ccgs": "CCGs", "n_ccgs_sharing_ao": "CCGs sharing an accountable officer",
            "n_ccgs_under_directions": "CCGs under legal directions", "n_trusts_in_deficit": "trusts in deficit",
            "aggregate_deficit": "aggregate deficit (GBP m)", "dashboard_outstanding": "STPs outstanding",
            "dashboard_advanced": "STPs advanced", "dashboard_making_progress": "STPs making progress",
            "dashboard_needs_most_improvement": "STPs needing most improvement"}
SUMMED = {"mergers": "CCG merger events"}
JULY = {"ccg_rating_outstanding": "CCGs rated outstanding", "ccg_rating_good": "CCGs rated good",
        "ccg_rating_requires_improvement": "CCGs rated requires improvement",
        "ccg_rating_inadequate": "CCGs rated inadequate"}
LABELS = {**YEAR_END, **SUMMED, **JULY}
PANELS = ["n_ccgs", "mergers", "n_ccgs_sharing_ao", "n_ccgs_under_directions", "n_trusts_in_deficit",
          "aggregate_deficit", "ccg_rating_good", "ccg_rating_inadequate", "dashboard_advanced"]


def yearly(model: pd.DataFrame) -> pd.DataFrame:
    """One row per financial year (e.g. 2016 = 2016/17) from a run's monthly table."""
    period = pd.PeriodIndex(model.date, freq="M")
    fy = np.where(period.month >= 4, period.year, period.year - 1)
    df = model.assign(fy=fy, month_of_year=period.month)
    last = df.groupby("fy").tail(1).set_index("fy")[list(YEAR_END)]
    summed = df.groupby("fy")[list(SUMMED)].sum()
    july = df[df.month_of_year == 7].set_index("fy")[list(JULY)]
    return last.join(summed).join(july).reset_index().rename(columns={"fy": "year"})


def run_arm(overrides: list[str], arm: str, replicate: int) -> pd.DataFrame:
    cfg = compose([*overrides, f"replicate={replicate}", "write_organisations=false"])
    return yearly(simulate(cfg)["model"]).assign(arm=arm, replicate=replicate)


def summarise(history: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (arm, year), g in history.groupby(["arm", "year"]):
        for col in LABELS:
            mean, low, high, n = mean_ci(g[col].dropna().to_numpy(float))
            rows.append({"arm": arm, "year": year, "measure": col, "label": LABELS[col], "mean": mean,
                         "ci_low": low, "ci_high": high, "n": n})
    return pd.DataFrame(rows)


def plot(summary: pd.DataFrame, history: pd.DataFrame, arms: list[str], out: Path) -> list[str]:
    fig, axes = plt.subplots(3, 3, figsize=(15, 11), sharex=True)
    for ax, col in zip(axes.flat, PANELS, strict=True):
        for arm, ls in zip(arms, ["-", "--"], strict=False):
            d = summary[(summary.arm == arm) & (summary.measure == col)].sort_values("year")
            ax.plot(d.year, d["mean"], ls, color="C0" if ls == "-" else "C3", label=arm, lw=1.6)
            ax.fill_between(d.year, d.ci_low, d.ci_high, color="C0" if ls == "-" else "C3", alpha=0.2, lw=0)
        ax.set_title(LABELS[col], fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("financial year (2013 = 2013/14)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Replay of 2013-2022 under the policy timeline: mean and 95 % band over replications")
    fig.tight_layout()
    fig.savefig(out / "history.png", dpi=110)
    plt.close(fig)
    figs = ["history.png"]
    if len(arms) == 2:
        a, b = (history[history.arm == arm].set_index(["replicate", "year"]) for arm in arms)
        common = a.index.intersection(b.index)
        diff = (b.loc[common, PANELS] - a.loc[common, PANELS]).reset_index()
        fig, axes = plt.subplots(3, 3, figsize=(15, 11), sharex=True)
        for ax, col in zip(axes.flat, PANELS, strict=True):
            g = diff.groupby("year")[col]
            mean, sd, n = g.mean(), g.std(ddof=1).fillna(0.0), g.count()
            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
            ax.errorbar(mean.index, mean, yerr=half, fmt="o-", color="C3", capsize=3)
            ax.axhline(0, color="grey", ls="--")
            ax.set_title(LABELS[col], fontsize=10)
            ax.grid(alpha=0.3)
        fig.suptitle(f"Paired differences, {arms[1]} minus {arms[0]} (same seeds and replicates), with 95 % intervals")
        fig.tight_layout()
        fig.savefig(out / "differences.png", dpi=110)
        plt.close(fig)
        figs.append("differences.png")
    return figs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--counterfactual", default="", help=f"a style: {', '.join(REGULATOR_STYLES)}")
    ap.add_argument("--from", dest="start", default="2016-04", help="YYYY-MM from which the counterfactual applies")
    ap.add_argument("--out", type=Path, default=Path("outputs/history"))
    args, overrides = ap.parse_known_args(argv)
    if args.replicates < 1 or args.jobs < 1:
        print(f"error: --replicates={args.replicates} and --jobs={args.jobs} must be at least 1", file=sys.stderr)
        return 2
    base = ["scenario=england_2013", *overrides]
    arms = {"as was": base}
    if args.counterfactual:
        arms[f"{args.counterfactual} from {args.start}"] = [*base, f"counterfactual.style={args.counterfactual}",
                                                            f"counterfactual.start={args.start}"]
    for arm in arms.values():
        precheck(arm)
    print(f"history: {len(arms)} arm(s) x {args.replicates} replications, 2013-2022", file=sys.stderr)
    parts = Parallel(n_jobs=args.jobs)(delayed(run_arm)(ov, name, r) for name, ov in arms.items()
                                       for r in range(args.replicates))
    history = pd.concat(parts, ignore_index=True)
    summary = summarise(history)
    args.out.mkdir(parents=True, exist_ok=True)
    history.to_csv(args.out / "history.csv", index=False)
    summary.to_csv(args.out / "summary.csv", index=False)
    figs = plot(summary, history, list(arms), args.out)
    table = summary[summary.arm == "as was"].pivot(index="year", columns="measure", values="mean")
    cols = ["n_ccgs", "mergers", "n_ccgs_sharing_ao", "n_ccgs_under_directions", "n_trusts_in_deficit",
            "aggregate_deficit", "ccg_rating_good", "ccg_rating_inadequate", "dashboard_advanced"]
    lines = ["# Replay of 2013-2022", "",
             f"`scenario=england_2013` (211 CCGs in April 2013) under the policy timeline of "
             f"`conf/scenario/england_2013.yaml`; {args.replicates} replications; arms: {', '.join(arms)}. "
             "Yearly values (financial years; means over replications) of the as-was replay:", "",
             "| year | " + " | ".join(LABELS[c] for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for year, row in table.iterrows():
        lines.append(f"| {year}/{str(year + 1)[-2:]} | " + " | ".join(f"{row[c]:,.0f}" for c in cols) + " |")
    lines += ["", *[f"![{f}]({f})" for f in figs], "",
              "For comparison, the real counts: 211 CCGs in 2013, 209 in 2016, 207 in 2017, 195 in 2018, 191 in 2019, "
              "135 in 2020, 106 in 2021 (NHS England). Files: `history.csv`, `summary.csv`."]
    (args.out / "history.md").write_text("\n".join(lines) + "\n")
    print(f"report: {(args.out / 'history.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
