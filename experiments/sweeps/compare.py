"""Gather a sweep into one tidy table and write the report a researcher reads first: the answer at a glance.

    python -m experiments compare SWEEP_DIR [--baseline key=value[,key=value]] [--out DIR]

Reads every *finished* job under SWEEP_DIR (a job counts only when its ``done.json`` matches its files and this
version of the model wrote it), and writes to ``--out`` (default ``SWEEP_DIR/report``):

- ``report.md``: opens with the answer (``answer.png``: each style against the baseline, the 2016 mix, and against the
  stick, per key outcome, in readable units, with the posterior interval and the probability of doing better) and
  the same in a few generated sentences; then every key outcome per setting and the paired differences in tables;
  then the other figures (``timeseries.png``, ``endpoints.png``, ``dashboard.png``, ``network.png``);
- ``results.parquet``: every job's monthly table stacked (one row per run x month, with run id, seed, replicate,
  every parameter and a ``setting`` label made of the parameters that vary across the sweep);
- ``summary.csv``: per setting and outcome, the mean, 95 % confidence interval and n (end-of-run values; a year's
  worth over the run for event counts and spending);
- ``paired_differences.csv``: per setting and outcome, the mean difference from the baseline (and from the stick,
  ``baseline`` column) over runs paired by seed, replicate and posterior draw (common random numbers), its 95 %
  interval and, over several posterior draws, the 95 % interval of the draws' effects (``post_low``,
  ``post_high``), the probability that the style does better (``p_better``; ``p_higher`` where no side is better)
  and the share of the variance due to parameters rather than chance (``share_parameters``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from abm.run import is_complete
from abm.units import fmt, interval
from experiments.sweeps.figures import named, plot_answer, plot_dashboard, plot_endpoints, plot_network, plot_timeseries
from experiments.sweeps.outcomes import ANSWER, END, MAIN, OUTCOMES, TOTAL, per_run
from experiments.sweeps.stats import DRAW, grouped_ci, mean_ci, paired_differences, posterior_spread, summarise

__all__ = ["END", "TOTAL", "compare", "finished_jobs", "gather", "grouped_ci", "mean_ci", "paired_differences",
           "posterior_spread"]
NOT_SETTINGS = {"run_id", "seed", "replicate", "month", "date", DRAW}
STICK = "stick"


# --- gathering ------------------------------------------------------------------------------------------------------
def finished_jobs(sweep: Path) -> list[Path]:
    """Job directories under ``sweep`` whose ``done.json``, written by this version of the model, vouches for their
    files."""
    return sorted(d.parent for d in Path(sweep).rglob("done.json") if is_complete(d.parent))


def gather(sweep: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list[str], dict]:
    """Stack the finished jobs' monthly tables; return them, the networks by run, the setting keys and a config."""
    jobs = finished_jobs(sweep)
    if not jobs:
        raise SystemExit(f"error: no finished job under {sweep} (a finished job has a done.json written by this "
                         "version of the model)")
    frames, networks, config = [], {}, {}
    for job in jobs:
        df = pd.read_parquet(job / "model.parquet")
        frames.append(df)
        if (job / "network.parquet").is_file():
            networks[df.run_id.iloc[0]] = pd.read_parquet(job / "network.parquet")
        config = json.loads((job / "config_resolved.json").read_text())
    results = pd.concat(frames, ignore_index=True)
    params = [c for c in results.columns if "." in c or c in ("months",)]
    varying = [c for c in params if c not in NOT_SETTINGS and results[c].astype(str).nunique() > 1]
    if DRAW in results and results[DRAW].nunique() > 1:    # a draw's calibrated values come with it: not settings
        by_draw = results.groupby(DRAW)
        varying = [c for c in varying if not (by_draw[c].nunique() <= 1).all()]
    keys = setting_keys(results, varying)
    results["setting"] = label(results, keys)
    return results, networks, keys, config


def setting_keys(df: pd.DataFrame, varying: list[str]) -> list[str]:
    """The varying parameters that name a setting: a style's name stands for the preset values that come with it."""
    ordered = sorted(varying, key=lambda k: (not k.endswith(".name"), varying.index(k)))
    keys: list[str] = []
    for k in ordered:
        if keys and (df.groupby(keys)[k].nunique() <= 1).all():
            continue                          # fixed by the keys already chosen (e.g. a preset of regulator.name)
        keys.append(k)
    return keys


def label(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    if not keys:
        return pd.Series("all runs", index=df.index)
    def name(row) -> str:       # a style, an envelope or a setting is named by itself; other parameters as key=value
        return ", ".join(str(v) if k.endswith(".name") else f"{k.split('.')[-1]}={v}" for k, v in row.items())
    return df[keys].astype(str).apply(name, axis=1)


def baseline_setting(results: pd.DataFrame, keys: list[str], spec: str) -> str:
    """The setting label matching ``key=value[,key=value]`` (keys may be given in full or by their last part)."""
    settings = list(dict.fromkeys(results.setting))
    if not spec:
        return settings[0]
    wanted = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
    for s in settings:
        row = results[results.setting == s].iloc[0]
        if all(str(row[k]) == v or _num_equal(row[k], v) for k, v in wanted.items() if k in row.index):
            return s
    raise SystemExit(f"error: --baseline={spec!r} matches no setting; settings are: {'; '.join(settings)}")


def _num_equal(a, b: str) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def envelope_lines(sweep: Path) -> list[str]:
    """Which resource envelope and institutional setting each style ran under (a style is its logic; what it had to
    spend is part of the setting, and the reader should see it)."""
    rows = []
    for job in finished_jobs(sweep):
        cfg = json.loads((job / "config_resolved.json").read_text())
        if "resources" in cfg and "institutions" in cfg:
            rows.append((cfg["regulator"]["name"], cfg["resources"]["name"], cfg["institutions"]["name"],
                         cfg["resources"]["budget"]))
    if not rows:
        return []
    table = sorted(set(rows))
    return ["Envelopes: " + "; ".join(f"{style} with resources={res} (budget GBP {budget:g}m a year), "
                                      f"institutions={inst}" for style, res, inst, budget in table) + "."]


# --- report ---------------------------------------------------------------------------------------------------------
def _cell(value: float, low: float, high: float, unit: str, signed: bool = False) -> str:
    return interval(value, low, high, unit, signed=signed)


def horizon(results: pd.DataFrame, config: dict) -> str:
    """What period the runs cover and under which policy, in words."""
    first, last = str(results.date.min()), str(results.date.max())
    when = f"from {pd.Period(first, 'M').strftime('%B %Y')} to {pd.Period(last, 'M').strftime('%B %Y')}"
    if config.get("timeline"):
        return f"Runs go {when} under the policy timeline of their scenario (`conf/scenario/`)."
    covid = last >= "2020-03"
    return (f"Runs go {when} under the national policy of their start, with no later policy event"
            + (": past March 2020 this is a world without the COVID-19 regime." if covid else
               " (they end before the COVID-19 regime of March 2020)."))


def answer_lines(against: dict[str, pd.DataFrame]) -> list[str]:
    """The answer figure said in words: for each style, its effect on the key outcomes against each comparator."""
    lines = []
    for comparator, diffs in against.items():
        posterior = diffs.draws.max() > 1
        lo, hi = ("post_low", "post_high") if posterior else ("ci_low", "ci_high")
        true = diffs[diffs.outcome == "perf_true"].set_index("setting")
        if posterior and "p_better" in true and len(true):
            best = true.p_better.idxmax()
            effect = _cell(true.loc[best, "difference"], true.loc[best, lo], true.loc[best, hi], "points", True)
            lines.append(f"- Against **{named(comparator)}**, the style most likely to do better on true performance is "
                         f"**{best}**: {effect}, better in "
                         f"{fmt(true.loc[best, 'p_better'], 'share', digits=0)} of the posterior draws.")
        for setting, d in diffs[diffs.outcome.isin(ANSWER)].groupby("setting", sort=False):
            parts = []
            for col in ANSWER:
                r = d[d.outcome == col].iloc[0]
                o = OUTCOMES[col]
                part = f"{o.label} {_cell(r.difference, r[lo], r[hi], o.difference_unit, signed=True)}"
                if posterior and o.better and np.isfinite(r.get("p_better", np.nan)):
                    part += f" (better in {fmt(r.p_better, 'share', digits=0)})"
                parts.append(part)
            lines.append(f"- **{setting}** against {named(comparator)}: " + "; ".join(parts) + ".")
    return lines


def write_report(out: Path, sweep: Path, summary: pd.DataFrame, against: dict[str, pd.DataFrame], baseline: str,
                 settings: list[str], n_runs: int, keys: list[str], figures: list[str], when: str) -> Path:
    draws = int(summary.draws.max()) if "draws" in summary else 1
    posterior = draws > 1
    lo_col, hi_col = ("post_low", "post_high") if posterior else ("ci_low", "ci_high")
    what = (f"mean [95 % interval across {draws} posterior draws: parameter uncertainty, chance averaged over each "
            "draw's replicates]" if posterior else
            "mean [95 % confidence interval over runs: chance only, at one parameter set]")
    lines = [f"# Sweep report: {sweep.name}", ""]
    if against:
        lines += ["## The answer", "", "![answer](answer.png)", "", *answer_lines(against), ""]
    lines += ["## Every key outcome", "",
              f"{fmt(n_runs, 'count')} finished runs from `{sweep}`; {len(settings)} setting(s) varying "
              f"{', '.join(f'`{k}`' for k in keys) or 'nothing'}. {when} Values are at the end of the run (event "
              f"counts and spending: a year's worth over the run), as {what}.", "", *envelope_lines(sweep), ""]
    table = summary[summary.outcome.isin(MAIN)]
    lines.append("| outcome | unit | " + " | ".join(settings) + " |")
    lines.append("|---|---|" + "---|" * len(settings))
    for col in MAIN:
        o = OUTCOMES[col]
        row = table[table.outcome == col].set_index("setting")
        cells = [_cell(row.loc[s, "mean"], row.loc[s, lo_col], row.loc[s, hi_col], o.unit) for s in settings]
        lines.append(f"| {o.label} | {o.unit.replace('gbp_m', 'GBP m')} | " + " | ".join(cells) + " |")
    lines += ["", "Runs per setting: " + ", ".join(fmt(x, "count") for x in summary.groupby("setting", sort=False).n.max()),
              ""]
    for comparator, diffs in against.items():
        others = list(dict.fromkeys(diffs.setting))
        d = diffs[diffs.outcome.isin(MAIN)]
        lines += [f"Paired differences from **{named(comparator)}** (runs paired by seed, replicate and posterior draw): mean "
                  f"[95 % interval{' across the posterior' if posterior else ''}]"
                  + ("; P = probability across the posterior of doing better (higher, where no side is better); "
                     "par = share of the variance due to parameters rather than chance." if posterior else "."), "",
                  "| outcome | unit | " + " | ".join(others) + " |", "|---|---|" + "---|" * len(others)]
        for col in MAIN:
            o = OUTCOMES[col]
            row = d[d.outcome == col].set_index("setting")
            cells = []
            for s in others:
                r = row.loc[s]
                mark = "" if r[lo_col] <= 0 <= r[hi_col] else " *"
                cell = _cell(r.difference, r[lo_col], r[hi_col], o.difference_unit, signed=True) + mark
                if posterior:
                    p = r.get("p_better") if o.better else r.get("p_higher")
                    cell += f"; P {fmt(p, 'share', digits=0)}; par {fmt(r.share_parameters, 'share', digits=0)}"
                cells.append(cell)
            unit = {"points": "points", "gbp_m": "GBP m"}.get(o.difference_unit, o.difference_unit)
            lines.append(f"| {o.label} | {unit} | " + " | ".join(cells) + " |")
        lines += ["", "`*`: the 95 % interval excludes zero.", ""]
    lines += ["## Figures", ""]
    for fig in figures:
        lines += [f"![{fig}]({fig})", ""]
    lines += ["Files: `results.parquet` (every run x month), `summary.csv`, `paired_differences.csv`."]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def compare(sweep: Path, out: Path | None = None, baseline: str = "") -> Path:
    sweep = Path(sweep)
    out = Path(out) if out else sweep / "report"
    results, networks, keys, config = gather(sweep)
    out.mkdir(parents=True, exist_ok=True)
    settings = list(dict.fromkeys(results.sort_values(keys or ["run_id"]).setting))
    base = baseline_setting(results, keys, baseline or config.get("experiment", {}).get("baseline", ""))
    results.to_parquet(out / "results.parquet", index=False)
    runs = per_run(results, DRAW)
    summary = summarise(runs)
    summary.to_csv(out / "summary.csv", index=False)
    comparators = [base] + ([STICK] if STICK in settings and STICK != base else [])
    against = {c: paired_differences(runs, c) for c in comparators} if len(settings) > 1 else {}
    (pd.concat(against.values(), ignore_index=True) if against else pd.DataFrame()).to_csv(
        out / "paired_differences.csv", index=False)
    figures = []
    if against:
        plot_answer(against, out / "answer.png")
    plot_timeseries(results, settings, out / "timeseries.png", str(results.date.min()))
    plot_endpoints(runs, settings, out / "endpoints.png")
    figures += ["timeseries.png", "endpoints.png"]
    plot_dashboard(results, settings, out / "dashboard.png")
    figures.append("dashboard.png")
    if plot_network(results, networks, settings, out / "network.png"):
        figures.append("network.png")
    return write_report(out, sweep, summary, against, base, settings, runs.run_id.nunique(), keys, figures,
                        horizon(results, config))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", type=Path, help="a Hydra sweep directory (hydra.sweep.dir)")
    ap.add_argument("--baseline", default="", help="setting for paired differences, e.g. regulator.name=as_was_2016")
    ap.add_argument("--out", type=Path, default=None, help="output directory (default SWEEP/report)")
    args = ap.parse_args(argv)
    if not args.sweep.is_dir():
        print(f"error: sweep directory {args.sweep} does not exist", file=sys.stderr)
        return 2
    report = compare(args.sweep, args.out, args.baseline)
    print(f"report: {report.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
