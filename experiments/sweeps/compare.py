"""Gather a sweep into one tidy table and write the figures, summary and report a researcher would use.

    python -m experiments compare SWEEP_DIR [--baseline key=value[,key=value]] [--out DIR]

Reads every *finished* job under SWEEP_DIR (a job counts only when its ``done.json`` matches its files), and writes to
``--out`` (default ``SWEEP_DIR/report``):

- ``results.parquet``: every job's monthly table stacked (one row per run x month, with run id, seed, replicate,
  every parameter and a ``setting`` label made of the parameters that vary across the sweep);
- ``summary.csv``: per setting and outcome, the mean, 95 % confidence interval and n (end-of-run values; totals over
  the run for event counts);
- ``paired_differences.csv``: per setting and outcome, the mean difference from the baseline setting over runs
  paired by seed, replicate and posterior draw (common random numbers), with its 95 % interval;

When the sweep runs several posterior draws (``posterior.draw``, as the experiment presets do), the results also carry
parameter uncertainty: per setting and outcome, the effect of each draw (its mean paired difference over replicates),
the 95 % interval of those effects across the posterior (``post_low``, ``post_high``: parameter uncertainty, chance
averaged over the replicates), the probability that the style does better than the baseline across the posterior
(share of draws whose effect lies on the better side of zero, ``p_better``; ``p_higher`` for outcomes without a
better direction) and the share of the paired differences' variance due to parameters rather than chance
(``share_parameters``, a one-way random-effects decomposition: between-draw variance less its chance part, over the
total).
- figures: ``timeseries.png`` (mean and 95 % band per setting), ``endpoints.png`` (distributions at the end),
  ``paired_differences.png``, ``dashboard.png`` (STP dashboard bands at the end), ``network.png`` (the organisation
  network at the end of one run per setting, relationships coloured by trust);
- ``report.md`` embedding the figures and the main numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from abm.run import is_complete  # noqa: E402
from abm.vocabulary import DASHBOARD_BANDS as CATEGORIES  # noqa: E402

END = {"perf_true": "true performance (share)", "perf_reported": "reported performance (share)",
       "perf_gap": "reported minus true performance (share)", "aggregate_deficit": "aggregate deficit (GBP m)",
       "n_in_deficit": "bodies in deficit (count)", "ccg_trust_in_nhse": "CCG trust in NHS England (0-1)",
       "trust_commissioner_provider": "commissioner-provider trust (0-1)",
       "share_ccgs_in_joint_committee": "share of CCGs in joint committees", "n_alliances": "alliances (count)",
       "n_pooled_budgets": "pooled budgets (count)", "n_risk_shares": "risk shares (count)", "n_ccgs": "CCGs (count)",
       "mean_stress": "mean leader stress (0-1)", "stp_maturity_mean": "STP maturity (mean, 0-1)",
       "stp_maturity_sd": "STP maturity (spread)"}
TOTAL = {"leader_turnover": "leader changes (total, count)", "enforcement_actions": "enforcement actions (total)",
         "support_spend": "support spend (GBP m, total)", "regulator_spend": "regulator spend (GBP m, total)"}
TIMESERIES = ["perf_true", "perf_reported", "aggregate_deficit", "ccg_trust_in_nhse", "trust_commissioner_provider",
              "n_alliances", "mean_stress", "leader_turnover", "stp_maturity_mean"]
DRAW = "posterior.draw"
NOT_SETTINGS = {"run_id", "seed", "replicate", "month", "date", DRAW}
# Which way is better, for the outcomes where that is plain (more true performance, less gaming, deficit, stress and
# churn, more trust and maturity); other outcomes are reported as the probability of a higher value.
BETTER = {"perf_true": 1, "perf_gap": -1, "aggregate_deficit": -1, "n_in_deficit": -1, "ccg_trust_in_nhse": 1,
          "trust_commissioner_provider": 1, "mean_stress": -1, "leader_turnover": -1, "stp_maturity_mean": 1}


# --- gathering ------------------------------------------------------------------------------------------------------
def finished_jobs(sweep: Path) -> list[Path]:
    """Job directories under ``sweep`` whose ``done.json`` vouches for their files."""
    return sorted(d.parent for d in Path(sweep).rglob("done.json") if is_complete(d.parent))


def gather(sweep: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list[str], dict]:
    """Stack the finished jobs' monthly tables; return them, the networks by run, the setting keys and a config."""
    jobs = finished_jobs(sweep)
    if not jobs:
        raise SystemExit(f"error: no finished job under {sweep} (a finished job has a done.json)")
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


# --- statistics -----------------------------------------------------------------------------------------------------
def per_run(results: pd.DataFrame) -> pd.DataFrame:
    """One row per run: end-of-run values and totals over the run."""
    last = results[results.month == results.groupby("run_id").month.transform("max")]
    draw = [DRAW] if DRAW in last.columns else []
    ends = last.set_index("run_id")[["setting", "seed", "replicate", *draw, *END]]
    totals = results.groupby("run_id")[list(TOTAL)].sum()
    out = ends.join(totals).reset_index()
    if not draw:
        out[DRAW] = -1
    return out


def posterior_spread(values: pd.Series, draws: pd.Series) -> dict:
    """Parameter uncertainty of ``values`` (one per run) grouped by posterior draw: the 95 % interval of the draws'
    means, and the share of the variance due to the draws (one-way random effects, method of moments)."""
    by = pd.DataFrame({"v": np.asarray(values, float), "d": np.asarray(draws)}).groupby("d").v
    means, n = by.mean(), by.count()
    if len(means) < 2:
        return {"draws": len(means), "post_low": np.nan, "post_high": np.nan, "share_parameters": np.nan}
    within = float(by.var(ddof=1).fillna(0.0).mean())
    between = max(float(means.var(ddof=1)) - within / float(n.mean()), 0.0)
    total = between + within
    return {"draws": len(means), "post_low": float(means.quantile(0.025)), "post_high": float(means.quantile(0.975)),
            "share_parameters": between / total if total > 0 else np.nan}


def mean_ci(values: np.ndarray) -> tuple[float, float, float, int]:
    values = np.asarray(values, float)
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if n < 2:                                 # one value: no interval; none: nan throughout
        return mean, mean, mean, n
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def grouped_ci(grouped) -> tuple[pd.Series, pd.Series]:
    """Mean and 95 % half-width (t interval of the mean) of each group of a pandas GroupBy of one column."""
    mean, sd, n = grouped.mean(), grouped.std(ddof=1).fillna(0.0), grouped.count()
    return mean, pd.Series(stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n), index=mean.index)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        for col, name in {**END, **TOTAL}.items():
            mean, lo, hi, n = mean_ci(group[col])
            rows.append({"setting": setting, "outcome": col, "label": name, "mean": mean, "ci_low": lo,
                         "ci_high": hi, "n": n, **posterior_spread(group[col], group[DRAW])})
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Differences from the baseline over runs paired by seed, replicate and posterior draw; with several draws, also
    their spread across the posterior and the probability of doing better (see the module's docstring)."""
    pair = ["seed", "replicate", DRAW]
    base = runs[runs.setting == baseline].set_index(pair)
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        if setting == baseline:
            continue
        g = group.set_index(pair)
        common = g.index.intersection(base.index)
        draws = common.get_level_values(DRAW)
        for col, name in {**END, **TOTAL}.items():
            diff = (g.loc[common, col] - base.loc[common, col]).to_numpy(float)
            mean, lo, hi, n = mean_ci(diff)
            spread = posterior_spread(diff, draws)
            effects = pd.Series(diff).groupby(np.asarray(draws)).mean()
            sign = BETTER.get(col, 1)
            p = float((sign * effects > 0).mean() + 0.5 * (effects == 0).mean()) if spread["draws"] > 1 else np.nan
            rows.append({"setting": setting, "baseline": baseline, "outcome": col, "label": name, "difference": mean,
                         "ci_low": lo, "ci_high": hi, "n_pairs": n, **spread,
                         "p_better" if col in BETTER else "p_higher": p})
    return pd.DataFrame(rows)


# --- figures --------------------------------------------------------------------------------------------------------
def _colours(settings: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10" if len(settings) <= 10 else "tab20")
    return {s: cmap(i % cmap.N) for i, s in enumerate(settings)}


def plot_timeseries(results: pd.DataFrame, settings: list[str], path: Path) -> None:
    colours = _colours(settings)
    fig, axes = plt.subplots(3, 3, figsize=(15, 11), sharex=True)
    for ax, col in zip(axes.flat, TIMESERIES, strict=True):
        for s in settings:
            mean, half = grouped_ci(results[results.setting == s].groupby("month")[col])
            ax.plot(mean.index, mean, color=colours[s], label=s, lw=1.6)
            ax.fill_between(mean.index, mean - half, mean + half, color=colours[s], alpha=0.2, lw=0)
        ax.set_title({**END, **TOTAL, "leader_turnover": "leader changes per month (count)"}.get(col, col), fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("months from the start")
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle("Key outcomes over time: mean and 95 % confidence band per setting")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_endpoints(runs: pd.DataFrame, settings: list[str], path: Path) -> None:
    cols = ["perf_true", "perf_gap", "aggregate_deficit", "ccg_trust_in_nhse", "n_alliances", "mean_stress",
            "leader_turnover", "stp_maturity_mean", "n_ccgs"]
    colours = _colours(settings)
    fig, axes = plt.subplots(3, 3, figsize=(15, 11))
    for ax, col in zip(axes.flat, cols, strict=True):
        data = [runs.loc[runs.setting == s, col].to_numpy(float) for s in settings]
        box = ax.boxplot(data, patch_artist=True, widths=0.6)
        for patch, s in zip(box["boxes"], settings, strict=True):
            patch.set_facecolor(colours[s])
            patch.set_alpha(0.5)
        for i, d in enumerate(data, start=1):
            ax.scatter(np.full(len(d), i) + np.linspace(-0.15, 0.15, len(d)), d, s=8, color="k", alpha=0.5, zorder=3)
        ax.set_xticks(range(1, len(settings) + 1), [s.replace(", ", "\n") for s in settings], fontsize=7,
                      rotation=30 if len(settings) > 4 else 0)
        ax.set_title({**END, **TOTAL}[col], fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("End of run (or total over the run): one point per run, box = quartiles")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_differences(diffs: pd.DataFrame, baseline: str, path: Path) -> None:
    cols = ["perf_true", "perf_reported", "perf_gap", "aggregate_deficit", "ccg_trust_in_nhse", "n_alliances",
            "mean_stress", "leader_turnover", "stp_maturity_mean"]
    settings = list(dict.fromkeys(diffs.setting))
    colours = _colours(settings)
    posterior = "draws" in diffs and diffs.draws.max() > 1
    lo, hi = ("post_low", "post_high") if posterior else ("ci_low", "ci_high")
    fig, axes = plt.subplots(3, 3, figsize=(15, 11))
    for ax, col in zip(axes.flat, cols, strict=True):
        d = diffs[diffs.outcome == col].set_index("setting").loc[settings]
        y = np.arange(len(settings))
        ax.errorbar(d.difference, y, xerr=[(d.difference - d[lo]).clip(lower=0), (d[hi] - d.difference).clip(lower=0)],
                    fmt="none", ecolor="k", capsize=3)
        ax.scatter(d.difference, y, c=[colours[s] for s in settings], s=40, zorder=3)
        ax.axvline(0.0, color="grey", lw=1, ls="--")
        ax.set_yticks(y, settings, fontsize=8)
        ax.set_xlabel("difference from the baseline (unit of the title)", fontsize=8)
        ax.set_title({**END, **TOTAL}[col], fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"Paired differences from the baseline ({baseline}): mean and 95 % interval "
                 + ("across the posterior draws (parameter uncertainty)" if posterior else "(chance only)"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_dashboard(results: pd.DataFrame, settings: list[str], path: Path) -> None:
    last = results[results.month == results.groupby("run_id").month.transform("max")]
    cols = [f"dashboard_{c}" for c in CATEGORIES]
    means = last.groupby("setting")[cols].mean().loc[settings]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(settings) + 2), 5))
    bottom = np.zeros(len(settings))
    colours = ["#d7301f", "#fdae61", "#a6d96a", "#1a9641"]
    for col, colour, name in zip(cols, colours, CATEGORIES, strict=True):
        ax.bar(range(len(settings)), means[col], bottom=bottom, color=colour, label=name.replace("_", " "))
        bottom += means[col].to_numpy()
    ax.set_xticks(range(len(settings)), [s.replace(", ", "\n") for s in settings], fontsize=8,
                  rotation=30 if len(settings) > 4 else 0)
    ax.set_ylabel("STPs (mean over runs)")
    ax.set_title("STP progress dashboard at the end of the run")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


KIND_MARKER = {"ccg": "o", "acute": "s", "mental_health": "D", "community": "^", "ambulance": "v", "la": "p",
               "nhse": "*", "nhse_region": "*", "nhsi": "*", "cqc": "*"}


def plot_network(results: pd.DataFrame, networks: dict[str, pd.DataFrame], settings: list[str], path: Path) -> bool:
    """One panel per setting (up to six, three to a row): the network at the end of its first run, coloured by trust."""
    chosen = []
    for s in settings[:6]:
        runs = results[results.setting == s].sort_values(["seed", "replicate"]).run_id.unique()
        run = next((r for r in runs if r in networks), None)
        if run is not None:
            chosen.append((s, networks[run]))
    if not chosen:
        return False
    union = nx.Graph()
    pos = {}
    for _, net in chosen:                          # positions come with the run (abm/layout.py: STPs as clusters)
        union.add_nodes_from(pd.concat([net.src, net.dst]).unique())
        pos.update(zip(net.src, zip(net.src_x, net.src_y, strict=True), strict=True))
        pos.update(zip(net.dst, zip(net.dst_x, net.dst_y, strict=True), strict=True))
    ncols = min(3, len(chosen))
    nrows = -(-len(chosen) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.5 * ncols, 5.2 * nrows + 0.8), squeeze=False)
    cmap = plt.get_cmap("RdYlGn")
    for ax, (s, net) in zip(axes.flat, chosen, strict=False):
        # Ties inside the system (ambulance contracts span whole regions and are left out of the drawing).
        local = net[~net.kind.isin(["ccg_regulator", "provider_regulator", "regulator_regulator"])
                    & (net.src_kind != "ambulance") & (net.dst_kind != "ambulance")]
        undirected = local.assign(a=np.minimum(local.src, local.dst),
                                  b=np.maximum(local.src, local.dst)).groupby(["a", "b"]).trust.mean()
        g = nx.Graph()
        g.add_edges_from((a, b, {"trust": t}) for (a, b), t in undirected.items())
        nx.draw_networkx_edges(g, pos, ax=ax, edge_color=[d["trust"] for *_, d in g.edges(data=True)],
                               edge_cmap=cmap, edge_vmin=0.0, edge_vmax=1.0, width=0.4, alpha=0.5)
        # Each organisation coloured by the mean trust its partners place in it.
        received = net.groupby("dst").trust.mean()
        kinds = dict(zip(net.src, net.src_kind, strict=True)) | dict(zip(net.dst, net.dst_kind, strict=True))
        for kind, marker in KIND_MARKER.items():
            nodes = [n for n in union.nodes if kinds.get(n) == kind and n in pos]
            nx.draw_networkx_nodes(union, pos, nodelist=nodes, node_shape=marker, node_size=14, ax=ax,
                                   node_color=[received.get(n, 0.5) for n in nodes], cmap=cmap, vmin=0.0,
                                   vmax=1.0, edgecolors="#333333", linewidths=0.25, label=kind.replace("_", " "))
        ax.set_title(s, fontsize=11)
        ax.axis("off")
    for ax in axes.flat[len(chosen):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower left", ncol=len(labels), fontsize=8, markerscale=1.5, frameon=False)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    cax = fig.add_axes((0.6, 0.06, 0.35, 0.015))
    fig.colorbar(sm, cax=cax, orientation="horizontal",
                 label="trust, 0-1 (ties: both directions; organisations: trust received)")
    fig.suptitle("Organisation network at the end of the run (one run per setting; STPs as clusters by region)")
    fig.tight_layout(rect=(0, 0.1, 1, 0.96))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


# --- report ---------------------------------------------------------------------------------------------------------
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


def write_report(out: Path, sweep: Path, summary: pd.DataFrame, diffs: pd.DataFrame, baseline: str,
                 settings: list[str], n_runs: int, keys: list[str], figures: list[str]) -> Path:
    draws = int(summary.draws.max()) if "draws" in summary else 1
    posterior = draws > 1
    lo_col, hi_col = ("post_low", "post_high") if posterior else ("ci_low", "ci_high")
    what = (f"as mean [95 % interval across {draws} posterior draws: parameter uncertainty, chance averaged over each "
            "draw's replicates]" if posterior else
            "as mean [95 % confidence interval over runs: chance only, at one parameter set]")
    lines = [f"# Sweep report: {sweep.name}", "",
             f"{n_runs} finished runs from `{sweep}`; {len(settings)} setting(s) varying "
             f"{', '.join(f'`{k}`' for k in keys) or 'nothing'}. Values are at the end of the run (totals over the run "
             f"for event counts), {what}.", "", *envelope_lines(sweep), ""]
    main = ["perf_true", "perf_reported", "perf_gap", "aggregate_deficit", "ccg_trust_in_nhse", "n_alliances",
            "mean_stress", "leader_turnover", "stp_maturity_mean"]
    table = summary[summary.outcome.isin(main)]
    lines.append("| outcome | " + " | ".join(settings) + " |")
    lines.append("|---|" + "---|" * len(settings))
    for col in main:
        row = table[table.outcome == col].set_index("setting")
        cells = [f"{row.loc[s, 'mean']:.3g} [{row.loc[s, lo_col]:.3g}, {row.loc[s, hi_col]:.3g}]" for s in settings]
        lines.append(f"| {({**END, **TOTAL})[col]} | " + " | ".join(cells) + " |")
    lines += ["", f"n per setting: {', '.join(str(int(x)) for x in summary.groupby('setting', sort=False).n.max())}", ""]
    if not diffs.empty:
        others = [s for s in settings if s != baseline]
        d = diffs[diffs.outcome.isin(main)]
        if posterior:
            lines += [f"Paired differences from the baseline **{baseline}** (runs paired by seed, replicate and "
                      "posterior draw). Each cell: mean difference [95 % interval of the draws' effects across the "
                      "posterior]; P = probability across the posterior that the style does better than the baseline "
                      "(higher, for alliances and reported performance); par = share of the variance of the paired "
                      "differences due to parameters rather than chance.", ""]
        else:
            lines += [f"Paired differences from the baseline **{baseline}** (runs paired by seed and replicate; an "
                      "interval that excludes 0 marks a difference the replications resolve; chance only):", ""]
        lines.append("| outcome | " + " | ".join(others) + " |")
        lines.append("|---|" + "---|" * len(others))
        for col in main:
            row = d[d.outcome == col].set_index("setting")
            cells = []
            for s in others:
                r = row.loc[s]
                mark = "" if r[lo_col] <= 0 <= r[hi_col] else " *"
                cell = f"{r.difference:+.3g} [{r[lo_col]:+.3g}, {r[hi_col]:+.3g}]{mark}"
                if posterior:
                    p = r.get("p_better") if col in BETTER else r.get("p_higher")
                    cell += f"; P {p:.2f}; par {r.share_parameters:.0%}"
                cells.append(cell)
            lines.append(f"| {({**END, **TOTAL})[col]} | " + " | ".join(cells) + " |")
        lines += ["", "`*`: the 95 % interval excludes zero.", ""]
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
    runs = per_run(results)
    summary = summarise(runs)
    summary.to_csv(out / "summary.csv", index=False)
    diffs = paired_differences(runs, base) if len(settings) > 1 else pd.DataFrame()
    diffs.to_csv(out / "paired_differences.csv", index=False)
    figures = ["timeseries.png", "endpoints.png"]
    plot_timeseries(results, settings, out / "timeseries.png")
    plot_endpoints(runs, settings, out / "endpoints.png")
    if not diffs.empty:
        plot_differences(diffs, base, out / "paired_differences.png")
        figures.append("paired_differences.png")
    plot_dashboard(results, settings, out / "dashboard.png")
    figures.append("dashboard.png")
    if plot_network(results, networks, settings, out / "network.png"):
        figures.append("network.png")
    return write_report(out, sweep, summary, diffs, base, settings, runs.run_id.nunique(), keys, figures)


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
