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
from experiments import misses
from experiments.sweeps.figures import named, plot_answer, plot_dashboard, plot_endpoints, plot_network, plot_timeseries
from experiments.sweeps.outcomes import ANSWER, END, MAIN, OUTCOMES, TOTAL, per_run
from experiments.sweeps.places import place_lines
from experiments.sweeps.stats import (
    CI_KIND,
    DRAW,
    POSTERIOR_KIND,
    RANGE_KIND,
    band,
    draws_text,
    mean_ci,
    paired_differences,
    posterior_spread,
    summarise,
)

__all__ = ["END", "TOTAL", "band", "compare", "finished_jobs", "gather", "mean_ci", "paired_differences",
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


def _matches(row: pd.Series, wanted: dict[str, str]) -> bool:
    """Whether a run's parameters have every ``key=value`` wanted (keys in full or by their last part)."""
    for key, value in wanted.items():
        full = key if key in row.index else next((c for c in row.index if c.endswith("." + key)), None)
        if full is None or not (str(row[full]) == value or _num_equal(row[full], value)):
            return False
    return True


def _spec_keys(keys: list[str], wanted: dict[str, str]) -> list[str]:
    return [k for k in keys if k in wanted or k.split(".")[-1] in wanted]


def baseline_of(results: pd.DataFrame, keys: list[str], spec: str) -> tuple[dict[str, str], list[str], str, str]:
    """Which setting each setting is compared with: the setting that has the baseline's ``key=value[,key=value]``
    and the same values of every other swept parameter (the strata), so that a style is compared with another at each
    value of a swept parameter. Returns that map, the strata keys, a note (empty, or why the baseline asked for is
    not used: a preset's baseline outside a sweep narrowed on the command line falls back to the first setting's
    value of the first key) and the comparator's name (the baseline's values, e.g. ``stick``)."""
    settings = list(dict.fromkeys(results.setting))
    first = results.drop_duplicates("setting").set_index("setting")
    wanted = dict(part.split("=", 1) for part in spec.split(",") if "=" in part) if spec else {}
    note = ""
    if wanted and not any(_matches(first.loc[s], wanted) for s in settings):
        note = f"The baseline asked for ({spec}) is not in this sweep"
        wanted = {}
    if not wanted:
        key = keys[0] if keys else None
        wanted = {key: str(first.loc[settings[0], key])} if key else {}
        if note:
            note += f"; differences are taken against {key}={wanted.get(key, '')} instead."
    strata = [k for k in keys if k not in _spec_keys(keys, wanted)]
    bases = [s for s in settings if _matches(first.loc[s], wanted)]
    of = {}
    for s in settings:
        same = [b for b in bases if all(str(first.loc[b, k]) == str(first.loc[s, k]) for k in strata)]
        if same:
            of[s] = same[0]
    name = ", ".join(str(v) if k.endswith(".name") else f"{k.split('.')[-1]}={v}" for k, v in wanted.items())
    return of, strata, note, name or (bases[0] if bases else "")


def baseline_setting(results: pd.DataFrame, keys: list[str], spec: str) -> str:
    """The (first) setting matching ``key=value[,key=value]`` (keys may be given in full or by their last part)."""
    of, *_ = baseline_of(results, keys, spec)
    return next(iter(dict.fromkeys(of.values())), list(dict.fromkeys(results.setting))[0])


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
def _cell(value: float, low: float, high: float, unit: str, signed: bool = False, lo_range: float = np.nan,
          hi_range: float = np.nan) -> str:
    """A value with its interval; where no interval could be estimated (NaN bounds), the runs' range, said so."""
    if np.isfinite(low) and np.isfinite(high):
        return interval(value, low, high, unit, signed=signed)
    text = fmt(value, unit, signed=signed)
    if np.isfinite(lo_range) and np.isfinite(hi_range):
        text += f" (runs {fmt(lo_range, unit, signed=signed)} to {fmt(hi_range, unit, signed=signed)})"
    return text


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


def interval_columns(frame: pd.DataFrame) -> tuple[str, str, str]:
    """The interval a table shows (the low and high columns) and its name: across posterior draws where the runs
    span several, else the confidence interval of the mean over runs (or their range, below MIN_RUNS)."""
    if "draws" in frame and frame.draws.max() > 1:
        return "post_low", "post_high", POSTERIOR_KIND
    if frame.ci_low.notna().any():
        return "ci_low", "ci_high", CI_KIND
    return "ci_low", "ci_high", RANGE_KIND


def answer_lines(against: dict[str, pd.DataFrame]) -> list[str]:
    """The answer figure said in words: for each style, its effect on the key outcomes against each comparator."""
    lines = []
    for comparator, diffs in against.items():
        posterior = diffs.draws.max() > 1
        lo, hi, kind = interval_columns(diffs)
        true = diffs[diffs.outcome == "perf_true"].set_index("setting")
        if posterior and "p_better" in true and len(true):
            # Only a style whose mean difference is on the better side can be "most likely to do better".
            ahead = true[true.difference > 0]
            if len(ahead):
                best = ahead.p_better.idxmax()
                effect = _cell(true.loc[best, "difference"], true.loc[best, lo], true.loc[best, hi], "points", True)
                lines.append(f"- Against **{named(comparator)}**, the style most likely to do better on true "
                             f"performance is **{best}**: {effect} ({kind}), better in "
                             f"{draws_text(true.loc[best, 'draws_better'], int(true.loc[best, 'draws']))} "
                             f"({fmt(true.loc[best, 'p_better'], 'share', digits=0)}).")
            else:
                lines.append(f"- Against **{named(comparator)}**, no style does better on true performance on "
                             "average across the posterior draws.")
        elif kind == CI_KIND:
            lines.append(f"- Against **{named(comparator)}**, each setting's mean difference [{kind}, chance only]:")
        for setting, d in diffs[diffs.outcome.isin(ANSWER)].groupby("setting", sort=False):
            parts = []
            for col in ANSWER:
                r = d[d.outcome == col].iloc[0]
                o = OUTCOMES[col]
                part = f"{o.label} {_cell(r.difference, r[lo], r[hi], o.difference_unit, True, r['min'], r['max'])}"
                if posterior and o.better and np.isfinite(r.get("p_better", np.nan)):
                    part += f" (better in {draws_text(r.draws_better, int(r.draws))})"
                parts.append(part)
            base = d.baseline.iloc[0]
            vs = named(comparator) if base == comparator else f"{named(comparator)} ({base})"
            lines.append(f"- **{setting}** against {vs}: " + "; ".join(parts) + ".")
    return lines


def write_report(out: Path, sweep: Path, summary: pd.DataFrame, against: dict[str, pd.DataFrame], settings: list[str],
                 n_runs: int, keys: list[str], figures: list[str], when: str, pairing: str,
                 places: list[str] | None = None) -> Path:
    lo_col, hi_col, kind = interval_columns(summary)
    posterior = kind == POSTERIOR_KIND
    what = (f"mean [{kind}: parameter uncertainty, chance averaged over each draw's replicates; "
            f"{int(summary.draws.max())} draws]" if posterior else f"mean [{kind}: chance only, at one parameter set]")
    varying = ", ".join(f"`{k}`" for k in keys)
    lines = [f"# Sweep report: {sweep.name}", ""]
    if against:
        lines += ["## The answer", "", "![answer](answer.png)", "", *answer_lines(against), "", pairing, ""]
    lines += misses.section()
    lines += places or []
    counts = summary.groupby("setting", sort=False).n.max()
    lines += ["## Every key outcome", "",
              f"{fmt(n_runs, 'count')} finished runs from `{sweep}`; "
              + (f"{len(settings)} settings varying {varying}" if keys else "one setting (nothing varies)")
              + f", {fmt(counts.min(), 'count')}"
              + (f" to {fmt(counts.max(), 'count')}" if counts.max() != counts.min() else "")
              + f" runs each. {when} Values are at the end of the run (event counts and spending: a year's worth over "
              f"the run), as {what}.", "", *envelope_lines(sweep), ""]
    table = summary[summary.outcome.isin(MAIN)]
    lines.append("| outcome | unit | " + " | ".join(settings) + " |")
    lines.append("|---|---|" + "---|" * len(settings))
    for col in MAIN:
        o = OUTCOMES[col]
        row = table[table.outcome == col].set_index("setting")
        cells = [_cell(row.loc[s, "mean"], row.loc[s, lo_col], row.loc[s, hi_col], o.unit, False, row.loc[s, "min"],
                       row.loc[s, "max"]) for s in settings]
        lines.append(f"| {o.label} | {o.unit.replace('gbp_m', 'GBP m')} | " + " | ".join(cells) + " |")
    lines.append("")
    for comparator, diffs in against.items():
        others = list(dict.fromkeys(diffs.setting))
        d = diffs[diffs.outcome.isin(MAIN)]
        dlo, dhi, dkind = interval_columns(diffs)
        lines += [f"Paired differences from **{named(comparator)}** (runs paired by seed, replicate and posterior draw): "
                  f"mean [{dkind}]"
                  + ("; P = probability across the posterior of doing better (higher, where no side is better), with "
                     "the draws it rests on; par = share of the variance due to parameters rather than chance."
                     if posterior else "."), "",
                  "| outcome | unit | " + " | ".join(others) + " |", "|---|---|" + "---|" * len(others)]
        for col in MAIN:
            o = OUTCOMES[col]
            row = d[d.outcome == col].set_index("setting")
            cells = []
            for s in others:
                r = row.loc[s]
                mark = "" if not (np.isfinite(r[dlo]) and np.isfinite(r[dhi])) or r[dlo] <= 0 <= r[dhi] else " *"
                cell = _cell(r.difference, r[dlo], r[dhi], o.difference_unit, True, r["min"], r["max"]) + mark
                if posterior:
                    wins = r.get("draws_better") if o.better else r.get("draws_higher")
                    p = r.get("p_better") if o.better else r.get("p_higher")
                    cell += (f"; P {fmt(p, 'share', digits=0)} ({draws_text(wins, int(r.draws))}); "
                             f"par {fmt(r.share_parameters, 'share', digits=0)}")
                cells.append(cell)
            unit = {"points": "points", "gbp_m": "GBP m"}.get(o.difference_unit, o.difference_unit)
            lines.append(f"| {o.label} | {unit} | " + " | ".join(cells) + " |")
        lines += ["", "`*`: the interval excludes zero.", ""]
    lines += ["## Figures", ""]
    for fig in figures:
        lines += [f"![{fig}]({fig})", ""]
    lines += ["Files: `results.parquet` (every run x month), `summary.csv`, `paired_differences.csv`."]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def pairing_text(strata: list[str], note: str) -> str:
    """What the paired differences pair, in words."""
    text = ("Each setting is paired with its comparator at the same "
            + ", ".join(f"`{k}`" for k in strata) + "." if strata else "")
    return " ".join(t for t in (note, text) if t)


def fingerprint(sweep: Path, baseline: str) -> str:
    """What a report is built from: every finished run's record, the baseline asked for, the code that builds the
    report and what the model gets wrong (``abm/data/model_misses.json``, which the report quotes): so a changed run, a
    new one, another baseline, a changed report or misses measured again rebuild it."""
    import hashlib
    digest = hashlib.sha256(baseline.encode())
    for job in finished_jobs(sweep):
        digest.update(str(job.relative_to(sweep)).encode() + (job / "done.json").read_bytes())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    if misses.FILE.is_file():
        digest.update(misses.FILE.read_bytes())
    return digest.hexdigest()


def compare(sweep: Path, out: Path | None = None, baseline: str = "") -> Path:
    """Build the sweep's report, or reuse the one already built from the same runs, baseline and code."""
    sweep = Path(sweep)
    out = Path(out) if out else sweep / "report"
    key = fingerprint(sweep, baseline)
    stamp = out / ".built_from"
    if stamp.is_file() and stamp.read_text() == key and (out / "report.md").is_file():
        return out / "report.md"
    path = _build(sweep, out, baseline)
    stamp.write_text(key)
    return path


def _build(sweep: Path, out: Path, baseline: str) -> Path:
    results, networks, keys, config = gather(sweep)
    out.mkdir(parents=True, exist_ok=True)
    settings = list(dict.fromkeys(results.sort_values(keys or ["run_id"]).setting))
    spec = baseline or config.get("experiment", {}).get("baseline", "")
    of, strata, note, name = baseline_of(results, keys, spec)
    results.to_parquet(out / "results.parquet", index=False)
    runs = per_run(results, DRAW)
    summary = summarise(runs)
    summary.to_csv(out / "summary.csv", index=False)
    against: dict[str, pd.DataFrame] = {}
    if len(settings) > 1 and of:
        against[name] = paired_differences(runs, of)
        if "regulator.name" in keys and "regulator.name" not in strata and STICK in set(results["regulator.name"]):
            stick_of, *_ = baseline_of(results, keys, f"regulator.name={STICK}")
            if stick_of != of:
                against[STICK] = paired_differences(runs, stick_of)
    against = {k: v for k, v in against.items() if len(v)}
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
    places = place_lines(sweep, results, against, out, config, finished_jobs(sweep))
    return write_report(out, sweep, summary, against, settings, runs.run_id.nunique(), keys, figures,
                        horizon(results, config), pairing_text(strata, note), places)


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
