"""Does the *way* a regulator acts matter, at the same cost? The report of the ``logic_vs_resources`` preset.

    python -m experiments run logic_vs_resources            # the sweep, the usual report, then this one
    python -m experiments fairness outputs/experiments/logic_vs_resources   # this report from a finished sweep

Every style's logic runs in every resource envelope (lean, standard, generous) under both institutional settings
(divided, aligned), with common random numbers (the same seeds and replicates in every cell). Within an envelope every
style has the same budget and spends it by its own logic. Writes ``fairness.md`` beside the sweep's report with:

- the logic effect within each envelope and setting: each style minus the baseline style, paired by replicate, with
  a 95 % interval;
- the share of the variance of each outcome due to logic, resources, institutions, their interactions and chance
  (a balanced factorial decomposition of sums of squares over runs);
- whether the sign of the headline (carrot minus stick) survives in every envelope and setting;
- what each style spent of each budget (support and interventions, as a share of the envelope), with the envelopes
  a style left more than half unspent named, and the NHS funding growth each envelope ran with (an envelope of its
  own: the money that buys capacity);
- ``frontier.png``: outcomes against what each style actually spent (a cost frontier).
"""

from __future__ import annotations

import argparse
import sys
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from abm.units import fmt, interval  # noqa: E402
from experiments.sweeps.compare import END, TOTAL, gather, mean_ci  # noqa: E402
from experiments.sweeps.outcomes import OUTCOMES as READ  # noqa: E402

FACTORS = {"regulator.name": "logic", "resources.name": "resources", "institutions.name": "institutions"}
OUTCOMES = ["perf_true", "perf_gap", "ccg_trust_in_nhse", "trust_commissioner_provider", "n_alliances", "mean_stress",
            "leader_turnover", "aggregate_deficit"]
HEADLINE = ("carrot", "stick", "perf_true")
ENVELOPE_ORDER = ["lean", "standard", "generous"]
UNSPENT = 0.5          # an envelope less than half spent is named in the report


def runs_table(sweep: Path) -> pd.DataFrame:
    """One row per run: the three factors, the replicate, end-of-run outcomes and totals (spend per year)."""
    results, _, _, _ = gather(sweep)
    last = results[results.month == results.groupby("run_id").month.transform("max")].set_index("run_id")
    flows = ["leader_turnover", "regulator_spend", "support_spend"]
    totals = results.groupby("run_id")[flows].sum()
    years = (results.groupby("run_id").month.max() / 12.0).clip(lower=1 / 12)
    envelope = [c for c in ("resources.budget", "resources.funding_growth") if c in last.columns]
    runs = last[[*FACTORS, "replicate", *envelope, *[c for c in OUTCOMES if c not in totals]]].join(totals)
    runs["spend_per_year"] = runs.regulator_spend / years
    runs["support_per_year"] = runs.support_spend / years
    if "resources.budget" in runs:
        runs["spent_share"] = runs.spend_per_year / runs["resources.budget"].astype(float).where(
            runs["resources.budget"].astype(float) > 0)
    return runs.rename(columns=FACTORS).reset_index()


def spend_lines(runs: pd.DataFrame) -> list[str]:
    """What each style spent of each envelope (GBP m a year and the share of the budget), the envelopes a style left
    more than half unspent, and the NHS funding growth every cell ran with."""
    settings = ("divided", "aligned")
    lines = ["## What each style spent of its budget", "",
             "Support plus interventions, GBP m a year (mean over replicates), and the share of the regulators' budget "
             "that is; the support part in brackets.", "",
             "| style | " + " | ".join(f"{r} / {i}" for r in ENVELOPE_ORDER for i in settings) + " |",
             "|---|" + "---|" * (len(ENVELOPE_ORDER) * len(settings))]
    cells = runs.groupby(["logic", "resources", "institutions"])[
        [c for c in ("spend_per_year", "support_per_year", "spent_share") if c in runs]].mean()
    unspent = []
    for style in sorted(runs.logic.unique()):
        row = []
        for r in ENVELOPE_ORDER:
            for i in settings:
                if (style, r, i) not in cells.index:
                    row.append("–")
                    continue
                c = cells.loc[(style, r, i)]
                share = c.get("spent_share", float("nan"))
                row.append(f"{fmt(c.spend_per_year, 'gbp_m')} ({fmt(c.support_per_year, 'gbp_m')}); "
                           f"{fmt(share, 'share', digits=0)}")
                if np.isfinite(share) and share < UNSPENT:
                    unspent.append(f"{style} in {r} / {i} ({fmt(share, 'share', digits=0)})")
        lines.append(f"| {style} | " + " | ".join(row) + " |")
    if "resources.budget" in runs:
        budgets = runs.groupby("resources")["resources.budget"].first().astype(float)
        lines += ["", "Budgets: " + ", ".join(f"{r} {fmt(budgets[r], 'gbp_m')} a year" for r in ENVELOPE_ORDER
                                              if r in budgets) + "."]
    lines += ["", ("Envelopes left more than half unspent (the style's logic asked for less than the budget holds): "
                   + "; ".join(unspent) + ".") if unspent else "Every style spent at least half of every envelope."]
    if "resources.funding_growth" in runs:
        growth = runs.groupby("resources")["resources.funding_growth"].first().astype(float)
        lines += ["", "NHS funding growth (the money that buys capacity, an envelope of its own beside the regulators' "
                  "budget): " + ", ".join(f"{r} {fmt(growth[r], 'share')} a year" for r in ENVELOPE_ORDER
                                         if r in growth) + "."]
    return lines + [""]


def logic_effects(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each style minus the baseline style within each envelope and setting, paired by replicate."""
    rows = []
    for (res, inst), cell in runs.groupby(["resources", "institutions"]):
        base = cell[cell.logic == baseline].set_index("replicate")
        for style, g in cell[cell.logic != baseline].groupby("logic"):
            g = g.set_index("replicate")
            common = g.index.intersection(base.index)
            for outcome in OUTCOMES:
                mean, low, high, n = mean_ci((g.loc[common, outcome] - base.loc[common, outcome]).to_numpy(float))
                rows.append({"resources": res, "institutions": inst, "style": style, "outcome": outcome,
                             "difference": mean, "ci_low": low, "ci_high": high, "n": n})
    return pd.DataFrame(rows)


def variance_shares(runs: pd.DataFrame, outcome: str, factors: tuple[str, ...] = tuple(FACTORS.values())
                    ) -> dict[str, float]:
    """Shares of the total sum of squares due to each factor, each interaction, and chance (the residual).

    For a balanced design the sum of squares of the cell means of a set of factors is the sum of the effects of all
    its subsets; the effect of a set is what remains after its proper subsets' effects are taken off.
    """
    y = runs[outcome].to_numpy(float)
    grand = y.mean()
    total = float(((y - grand) ** 2).sum())
    names = list(factors)
    effects: dict[tuple, float] = {}
    for k in range(1, len(names) + 1):
        for subset in combinations(names, k):
            cell_means = runs.groupby(list(subset))[outcome].transform("mean").to_numpy(float)
            ss_cells = float(((cell_means - grand) ** 2).sum())
            effects[subset] = ss_cells - sum(v for s, v in effects.items() if set(s) < set(subset))
    shares = {" × ".join(s): (v / total if total > 0 else 0.0) for s, v in effects.items()}
    shares["chance (replicates)"] = 1.0 - sum(shares.values()) if total > 0 else 0.0
    return shares


def headline_survival(effects: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Carrot minus stick on the headline outcome in each envelope and setting, paired by replicate."""
    a, b, outcome = HEADLINE
    rows = []
    for (res, inst), cell in runs.groupby(["resources", "institutions"]):
        x = cell[cell.logic == a].set_index("replicate")[outcome]
        y = cell[cell.logic == b].set_index("replicate")[outcome]
        common = x.index.intersection(y.index)
        mean, low, high, n = mean_ci((x.loc[common] - y.loc[common]).to_numpy(float))
        rows.append({"resources": res, "institutions": inst, "difference": mean, "ci_low": low, "ci_high": high,
                     "n": n})
    return pd.DataFrame(rows)


def plot_frontier(runs: pd.DataFrame, path: Path) -> None:
    cells = runs.groupby(["logic", "resources", "institutions"]).agg(
        spend=("spend_per_year", "mean"), perf=("perf_true", "mean"), trust=("ccg_trust_in_nhse", "mean"),
        stress=("mean_stress", "mean")).reset_index()
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), sharex=True)
    for row, inst in enumerate(["divided", "aligned"]):
        for ax, (col, title) in zip(axes[row], (("perf", "true performance (share)"),
                                                 ("trust", "CCG trust in NHS England (0-1)"),
                                                 ("stress", "mean leader stress (0-1)")), strict=True):
            for i, (style, g) in enumerate(cells[cells.institutions == inst].groupby("logic")):
                g = g.set_index("resources").reindex([e for e in ENVELOPE_ORDER if e in set(g.resources)])
                ax.plot(g.spend, g[col], "o-", color=f"C{i}", label=style)
                for env, r in g.iterrows():
                    ax.annotate(env[0], (r.spend, r[col]), fontsize=7, xytext=(3, 3), textcoords="offset points")
            ax.set_title(f"{title}, institutions {inst}", fontsize=10)
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("regulator spend (GBP m a year, mean over runs)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Cost frontier: each style's outcomes at the end of the run against what it spent, in the lean (l), "
                 "standard (s) and generous (g) envelopes")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(sweep: Path, baseline: str = "as_was_2016") -> Path:
    runs = runs_table(sweep)
    out = Path(sweep) / "report"
    out.mkdir(parents=True, exist_ok=True)
    effects = logic_effects(runs, baseline)
    effects.to_csv(out / "logic_effects.csv", index=False)
    labels = {**END, **TOTAL}
    lines = ["# Logic versus resources", "",
             f"{len(runs)} runs from `{sweep}`: {runs.logic.nunique()} styles × {runs.resources.nunique()} resource "
             f"envelopes × {runs.institutions.nunique()} institutional settings × {runs.replicate.nunique()} "
             "replicates, with common random numbers. Within an envelope every style has the same budget and spends "
             "it by its own logic (interventions first, support from what is left). Values are at the end of the run; "
             "intervals are 95 % intervals over paired replicates and cover chance only (one parameter set).", ""]
    lines += spend_lines(runs)
    lines += ["## The headline's sign in every envelope", "",
              f"{HEADLINE[0]} minus {HEADLINE[1]} on {labels[HEADLINE[2]]}, paired by replicate:", "",
              "| resources | institutions | difference [95 % CI] |", "|---|---|---|"]
    surv = headline_survival(effects, runs)
    for r in surv.itertuples():
        lines.append(f"| {r.resources} | {r.institutions} | "
                     f"{interval(r.difference, r.ci_low, r.ci_high, READ[HEADLINE[2]].difference_unit, signed=True)} |")
    signs = np.sign(surv.difference)
    resolved = (surv.ci_low > 0) | (surv.ci_high < 0)
    verdict = ("the same sign in every envelope and setting, resolved in all"
               if len(set(signs)) == 1 and resolved.all() else
               "the same sign in every envelope and setting, but not resolved in all" if len(set(signs)) == 1 else
               "**the sign changes with the envelope or the setting**: the headline does not survive")
    lines += ["", f"Verdict: {verdict}.", ""]
    lines += ["## Share of variance", "", "Share of the variance of each outcome across all runs due to the style's "
              "logic, the resources, the institutions, their interactions and chance (replicates):", ""]
    shares = {o: variance_shares(runs, o) for o in OUTCOMES}
    parts = list(next(iter(shares.values())))
    lines += ["| outcome | " + " | ".join(parts) + " |", "|---|" + "---|" * len(parts)]
    for o in OUTCOMES:
        lines.append(f"| {labels[o]} | " + " | ".join(f"{100 * shares[o][p]:.0f} %" for p in parts) + " |")
    pd.DataFrame(shares).T.to_csv(out / "variance_shares.csv")
    lines += ["", f"## The logic effect within each envelope (each style minus {baseline})", ""]
    for outcome in ("perf_true", "ccg_trust_in_nhse", "mean_stress", "n_alliances"):
        sub = effects[effects.outcome == outcome]
        styles = sorted(sub["style"].unique())
        lines += [f"**{labels[outcome]}**", "", "| resources | institutions | " + " | ".join(styles) + " |",
                  "|---|---|" + "---|" * len(styles)]
        for (res, inst), g in sub.groupby(["resources", "institutions"]):
            g = g.set_index("style")
            unit = READ[outcome].difference_unit
            cells = [interval(g.loc[s, "difference"], g.loc[s, "ci_low"], g.loc[s, "ci_high"], unit, signed=True)
                     for s in styles]
            lines.append(f"| {res} | {inst} | " + " | ".join(cells) + " |")
        lines.append("")
    plot_frontier(runs, out / "frontier.png")
    lines += ["![frontier.png](frontier.png)", "",
              "Files: `logic_effects.csv` (every style, envelope, setting and outcome), `variance_shares.csv`."]
    path = out / "fairness.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", type=Path)
    ap.add_argument("--baseline", default="as_was_2016", help="the style the others are compared with")
    args = ap.parse_args(argv)
    if not args.sweep.is_dir():
        print(f"error: {args.sweep} is not a directory", file=sys.stderr)
        return 2
    print(f"report: {report(args.sweep, args.baseline).resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
