"""Replay 2013-2022 (``scenario=england_2013`` and its policy timeline), optionally against a counterfactual style.

    python -m experiments history [--replicates 10] [--jobs 2] [--counterfactual carrot --from 2016-04]
                                  [--out outputs/history] [--check] [Hydra overrides ...]

Writes, per NHS financial year (April to March): the CCG count and merger events, the CCG rating distribution
(published each July), trusts in deficit and the aggregate deficit, CCGs sharing an accountable officer, CCGs under
legal directions, STPs by dashboard band: ``history.csv`` (one row per arm x replicate x year), ``summary.csv`` (mean,
95 % interval, n), ``history.png`` (a panel per measure over 2013-2022, as-was solid, counterfactual dashed),
``differences.png`` (paired counterfactual minus as-was by year, same seeds and replicates) and ``history.md``.

``--check`` also writes ``history_check.md`` and ``history_check.csv``: one row per observation of
``abm/data/observed_2013_2019.csv`` that the model measures, with the real value, the model's mean and 95 % interval
over the replicates, the tolerance, pass or fail, and whether the row was used to set a parameter (fit) or held
out (see :mod:`experiments.evidence.observed`).
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
from joblib import delayed  # noqa: E402

from abm import posterior  # noqa: E402
from abm.compose import compose  # noqa: E402
from abm.config import REGULATOR_STYLES  # noqa: E402
from abm.precheck import precheck  # noqa: E402
from abm.run import simulate  # noqa: E402
from abm.units import fmt  # noqa: E402
from experiments import misses  # noqa: E402
from experiments.calibration import fit as fitting  # noqa: E402
from experiments.evidence import (
    observed,  # noqa: E402
    trusts,  # noqa: E402
)
from experiments.progress import run_parallel  # noqa: E402
from experiments.sweeps.compare import band, mean_ci  # noqa: E402
from experiments.validation.spread import cross_sections  # noqa: E402
from experiments.validation.spread import lines as spread_lines  # noqa: E402
from experiments.validation.spread import plot as plot_spread  # noqa: E402

YEAR_END = {"n_ccgs": "CCGs", "n_ccgs_sharing_ao": "CCGs sharing an accountable officer",
            "n_ccgs_under_directions": "CCGs under legal directions",
            "share_trusts_in_deficit_ytd": "share of trusts in deficit over the year",
            "n_ccgs_overspent_ytd": "CCGs overspent against plan over the year",
            "n_quality_special_measures": "trusts in quality special measures",
            "n_financial_special_measures": "trusts in financial special measures",
            "n_ics": "integrated care systems",
            "n_trusts_in_deficit": "trusts with a cumulative deficit",
            "aggregate_deficit": "aggregate cumulative deficit (GBP m)", "dashboard_outstanding": "STPs outstanding",
            "dashboard_advanced": "STPs advanced", "dashboard_making_progress": "STPs making progress",
            "dashboard_needs_most_improvement": "STPs needing most improvement"}
SUMMED = {"mergers": "CCGs absorbed by mergers", "merger_events": "CCG merger events",
          "provider_net_flow": "provider net position over the year (GBP m)",
          "ccg_net_flow": "CCG net position over the year (GBP m)", "stf_paid": "STF/PSF paid (GBP m)",
          "contract_fines": "contract fines (GBP m)", "leader_turnover": "leader changes in NHS bodies and LAs",
          "covid_topups": "COVID-19 top-ups (GBP m)"}
JULY = {"ccg_rating_outstanding": "CCGs rated outstanding", "ccg_rating_good": "CCGs rated good",
        "ccg_rating_requires_improvement": "CCGs rated requires improvement",
        "ccg_rating_inadequate": "CCGs rated inadequate", "trust_rating_inadequate": "trusts rated inadequate (CQC)",
        "trust_rating_good": "trusts rated good (CQC)"}
LABELS = {**YEAR_END, **SUMMED, **JULY}
PANELS = ["n_ccgs", "mergers", "n_ccgs_sharing_ao", "n_ccgs_under_directions", "n_quality_special_measures",
          "share_trusts_in_deficit_ytd", "provider_net_flow", "ccg_rating_inadequate", "n_ics"]


def yearly(model: pd.DataFrame) -> pd.DataFrame:
    """One row per financial year (e.g. 2016 = 2016/17) from a run's monthly table."""
    period = pd.PeriodIndex(model.date, freq="M")
    fy = np.where(period.month >= 4, period.year, period.year - 1)
    df = model.assign(fy=fy, month_of_year=period.month)
    last = df.groupby("fy").tail(1).set_index("fy")[list(YEAR_END)]
    summed = df.groupby("fy")[list(SUMMED)].sum()
    july = df[df.month_of_year == 7].set_index("fy")[list(JULY)]
    return last.join(summed).join(july).reset_index().rename(columns={"fy": "year"})


def run_arm(overrides: list[str], arm: str, replicate: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                                                      trusts.TrustSeries]:
    """One replicate of one arm: its yearly table, its monthly table (for the check against observations), its
    cross-sections across trusts (``experiments.validation.spread``) and its trusts month by month."""
    cfg = compose([*overrides, f"replicate={replicate}", "write_organisations=true"])
    tables = simulate(cfg)
    model = tables["model"]
    spread = cross_sections(tables["organisations"], model, cfg.behaviour.target)
    return (yearly(model).assign(arm=arm, replicate=replicate), model.assign(arm=arm, replicate=replicate),
            spread.assign(arm=arm, replicate=replicate), trusts.TrustSeries.of_table(tables["organisations"], model))


def trust_series(overrides: list[str], replicate: int) -> trusts.TrustSeries:
    """One replicate's trusts month by month (the per-trust rows' other arms)."""
    cfg = compose([*overrides, f"replicate={replicate}", "write_organisations=true"])
    tables = simulate(cfg)
    return trusts.TrustSeries.of_table(tables["organisations"], tables["model"])


# The per-trust rows' other arms: the replay re-anchored each April to March 2016's published year, and April 2016.
ANCHORED = ["scenario=england_2013", "scenario.anchor_until=2016-04", "months=48"]
START_2016 = ["scenario=england", "regulator=as_was_2016", "months=12"]


def check(runs: list[pd.DataFrame], out: Path) -> pd.DataFrame:
    """Compare the as-was replay with every observation the model measures; write history_check.md/.csv."""
    obs = observed.load()
    uses = dict(zip(fitting.observations().key, fitting.observations().use, strict=True))
    rows, skipped = [], {}
    runs = [observed.dated(run) for run in runs]
    for row in obs.itertuples():
        reason = observed.not_answered(row.measure, row.period)
        if reason:
            skipped[f"{row.measure} {row.period}"] = reason
            continue
        values = np.array([observed.model_value(row, run) for run in runs], float)
        values = values[np.isfinite(values)]
        if len(values) == 0:
            continue
        real = observed.real_value(row, obs)
        mean, low, high, n = mean_ci(values)
        rule, _ = observed.tolerance(row.measure)
        fit = observed.FIT.get((row.measure, row.period)) or (
            "ABC-SMC calibration" if uses.get(fitting.key(row.measure, row.period)) == "fit" else None)
        rows.append({"measure": row.measure, "period": row.period, "real": real, "model_mean": mean,
                     "ci_low": low, "ci_high": high, "n": n, "tolerance": rule,
                     "ok": observed.judge(row.measure, real, mean),
                     "use": f"fit ({fit})" if fit else "held out", "source": row.source})
    table = pd.DataFrame(rows)
    table.to_csv(out / "history_check.csv", index=False)
    held = table[table.use == "held out"]
    lines = ["# The 2013 replay against observed England, 2013-2019", "",
             f"`python -m experiments history --check`: `scenario=england_2013` under the policy timeline, "
             f"{int(table.n.max())} replicates, each at its own posterior draw unless `--at-mean` (mean and 95 % "
             "interval of the mean). Rating rows are shares of "
             "CCGs or of rated trusts; money is in GBP (net position in bn over the financial year; the model's "
             "providers are the trusts CCGs commission, so its sector is smaller than the real one).", "",
             f"**{int(table.ok.sum())} of {len(table)} rows pass** "
             f"({100 * table.ok.mean():.0f} %); held-out rows (nothing was tuned to them): "
             f"{int(held.ok.sum())} of {len(held)} pass.", "",
             "| measure | period | real | model mean [95 % CI] | tolerance | pass | used to set parameters? |",
             "|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        show = observed.formatter(r.measure, r.real)
        lines.append(f"| {r.measure} | {r.period} | {show(r.real)} | {show(r.model_mean)} [{show(r.ci_low)}, "
                     f"{show(r.ci_high)}] | {r.tolerance} | {'pass' if r.ok else 'FAIL'} | "
                     f"{r.use} |")
    lines += ["", "Not compared: " + "; ".join(f"`{k}` ({v})" for k, v in skipped.items()) + ". Later "
              "years (ratings, finances, special measures and directions after 2017; CCG counts after 2019) are "
              "not in the observed file and were never used: the replay reaches them through the mechanisms and "
              "the policy timeline only."]
    (out / "history_check.md").write_text("\n".join(lines) + "\n")
    return table


def record_misses(table: pd.DataFrame, per_trust: pd.DataFrame) -> None:
    """Keep the rows this check misses where every report shows them (``experiments.misses``)."""
    def label(r) -> str:
        show = observed.formatter(r.measure, r.real)
        return (f"`{r.measure}` {r.period} ({r.use.split(' (')[0]}): model {show(r.model_mean)} against "
                f"{show(r.real)} ({r.tolerance})")
    held = table[table.use == "held out"]
    misses.record("history", f"{int(table.ok.sum())} of {len(table)} observed rows (held out: {int(held.ok.sum())} "
                  f"of {len(held)})", [label(r) for r in table.itertuples() if not r.ok],
                  "python -m experiments history --check")

    def trust_label(r) -> str:
        what = f"{r.kind}, {trusts.ARMS[r.arm]}, {r.period} ({r.use})"
        if r.kind == "forecast":
            return (f"{what}: rank correlation {fmt(r.model, 'number', digits=2)} against the naive forecast's "
                    f"{fmt(r.target, 'number', digits=2)}; error {100 * r.mae:.2f} against {100 * r.mae_naive:.2f} points")
        return f"{what}: {fmt(r.model, 'number', digits=2)} against {fmt(r.target, 'number', digits=2)}"
    misses.record("trusts", f"{int(per_trust.ok.sum())} of {len(per_trust)} per-trust rows",
                  [trust_label(r) for r in per_trust.itertuples() if not r.ok], "python -m experiments history --check")


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
        ax.set_ylabel("share" if col.startswith("share") else ("GBP m" if "GBP" in LABELS[col] else "count"),
                      fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("financial year (2013 = 2013/14)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Replay of 2013-2022 under the policy timeline: mean and 95 % band over replicates")
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
            b = band(diff[col], diff.year)
            ax.errorbar(b.index, b["mean"], yerr=[b["mean"] - b["low"], b["high"] - b["mean"]], fmt="o-", color="C3",
                        capsize=3)
            ax.axhline(0, color="grey", ls="--")
            ax.set_title(LABELS[col], fontsize=10)
            ax.grid(alpha=0.3)
        fig.suptitle(f"Paired differences, {arms[1]} minus {arms[0]} (same seeds and replicates), with "
                     f"{b.attrs['kind']}")
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
    ap.add_argument("--check", action="store_true", help="compare the as-was replay with the observed 2013-2019 rows")
    ap.add_argument("--at-mean", action="store_true",
                    help="run every replicate at the defaults (the posterior's medoid) instead of one posterior draw each")
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
    print(f"history: {len(arms)} arm(s) x {args.replicates} replicates, 2013-2022", file=sys.stderr)
    # Replicate r runs posterior draw r (parameter uncertainty and chance together), unless --at-mean or a
    # posterior.* override says otherwise.
    shipped = posterior.table()
    draws = 0 if args.at_mean or shipped is None or any(o.startswith("posterior.") for o in overrides) else len(shipped)
    parts = run_parallel((delayed(run_arm)([*ov, *([f"posterior.draw={r % draws}"] if draws else [])], name, r)
                          for name, ov in arms.items() for r in range(args.replicates)), args.jobs, "replays")
    history = pd.concat([part[0] for part in parts], ignore_index=True)
    spread = pd.concat([part[2] for part in parts], ignore_index=True)
    summary = summarise(history)
    args.out.mkdir(parents=True, exist_ok=True)
    history.to_csv(args.out / "history.csv", index=False)
    summary.to_csv(args.out / "summary.csv", index=False)
    figs = plot(summary, history, list(arms), args.out)
    spread.to_csv(args.out / "spread.csv", index=False)
    as_was = spread[spread.arm == "as was"]
    plot_spread(as_was, args.out / "spread.png")
    table = summary[summary.arm == "as was"].pivot(index="year", columns="measure", values="mean")
    cols = ["n_ccgs", "mergers", "n_ccgs_sharing_ao", "n_ccgs_under_directions", "n_quality_special_measures",
            "n_financial_special_measures", "share_trusts_in_deficit_ytd", "provider_net_flow", "stf_paid",
            "contract_fines", "ccg_rating_good", "ccg_rating_inadequate", "n_ics", "leader_turnover"]
    lines = ["# Replay of 2013-2022", "",
             f"`scenario=england_2013` (211 CCGs in April 2013) under the policy timeline of "
             f"`conf/scenario/england_2013.yaml`; {args.replicates} replicates; arms: {', '.join(arms)}. "
             "Yearly values (financial years; means over replicates) of the as-was replay:", "",
             "| year | " + " | ".join(LABELS[c] for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for year, row in table.iterrows():
        lines.append(f"| {year}/{str(year + 1)[-2:]} | "
                     + " | ".join(fmt(row[c], "share") if c.startswith("share") else fmt(row[c], "count")
                                  if not c.startswith(("provider_net", "stf", "contract")) else fmt(row[c], "gbp_m")
                                  for c in cols) + " |")
    lines += ["", *[f"![{f}]({f})" for f in figs], "",
              "For comparison, the real counts: 211 CCGs in 2013, 209 in 2016, 207 in 2017, 195 in 2018, 191 in 2019, "
              "135 in 2020, 106 in 2021 (NHS England).", "", *spread_lines(as_was), "",
              "Files: `history.csv`, `summary.csv`, `spread.csv`."]
    (args.out / "history.md").write_text("\n".join(lines) + "\n")
    print(f"report: {(args.out / 'history.md').resolve()}")
    if args.check:
        as_was = [part for part, (name, _) in zip(parts, ((n, r) for n in arms for r in range(args.replicates)),
                                                   strict=True) if name == "as was"]
        table = check([part[1] for part in as_was], args.out)
        others = run_parallel((delayed(trust_series)([*arm, *overrides, *([f"posterior.draw={r % draws}"] if draws
                                                                            else [])], r)
                               for arm in (ANCHORED, START_2016) for r in range(args.replicates)), args.jobs,
                              "per-trust arms")
        n = args.replicates
        per_trust = trusts.check_rows([part[3] for part in as_was], others[:n], others[n:])
        per_trust.to_csv(args.out / "history_trusts.csv", index=False)
        with open(args.out / "history_check.md", "a") as fh:
            fh.write("\n".join(["", *trusts.check_lines(per_trust, n)]) + "\n")
        judged = per_trust[per_trust.ok.notna()]
        if not overrides and args.replicates == 10 and not args.at_mean and not args.counterfactual:
            record_misses(table, judged)
        print(f"check: {int(table.ok.sum())} of {len(table)} observed rows pass; per-trust rows: "
              f"{int(judged.ok.sum())} of {len(judged)} pass; {(args.out / 'history_check.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
