"""The figures of a sweep's report: the answer at a glance (each style against the 2016 mix and against the stick),
time series, end points, the STP dashboard and the organisation network. Numbers on axes are in readable units
(:mod:`abm.units`): shares in %, differences of shares in percentage points, money in GBP m."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from abm.units import fmt  # noqa: E402
from abm.vocabulary import DASHBOARD_BANDS as CATEGORIES  # noqa: E402
from experiments.sweeps.outcomes import ANSWER, OUTCOMES, TIMESERIES, rolling  # noqa: E402
from experiments.sweeps.stats import CI_KIND, DRAW, POSTERIOR_KIND, RANGE_KIND, band  # noqa: E402

SCALE = {"share": 100.0, "points": 100.0}     # shares are drawn in % and their differences in percentage points


def _axis_unit(unit: str) -> str:
    return {"share": "%", "points": "percentage points", "gbp_m": "GBP m", "count": "count", "number": "0-1 scale"}[unit]


def _readable(ax, axis: str = "x") -> None:
    """Tick labels with thousands separators and no scientific notation."""
    f = FuncFormatter(lambda v, _: fmt(v, "number", digits=3))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(f)


def named(setting: str) -> str:
    """A setting as a reader knows it (the 2016 mix is the style ``as_was_2016``)."""
    return "the 2016 mix (as_was_2016)" if setting == "as_was_2016" else setting


def plot_answer(against: dict[str, pd.DataFrame], path: Path) -> None:
    """The answer at a glance: per key outcome (rows) and comparator (columns: the sweep's baseline and, where the
    sweep has it, the stick), each setting's paired difference, in readable units, with its interval (across the
    posterior draws where the sweep has several, else the confidence interval of the mean over runs) and the
    probability across the posterior that it does better, with the draws it rests on; the better side is shaded."""
    comparators = list(against)
    many = max(int(d.draws.max()) for d in against.values()) > 1
    fig, axes = plt.subplots(len(ANSWER), len(comparators), figsize=(6.2 * len(comparators), 1.9 * len(ANSWER) + 1.2),
                             squeeze=False)
    for j, comparator in enumerate(comparators):
        diffs = against[comparator]
        for i, col in enumerate(ANSWER):
            ax, o = axes[i, j], OUTCOMES[col]
            d = diffs[diffs.outcome == col]
            k = SCALE.get(o.difference_unit, 1.0)
            lo, hi = ("post_low", "post_high") if d.draws.max() > 1 else ("ci_low", "ci_high")
            if not d[lo].notna().any():                    # too few runs for an interval: the runs' range
                lo, hi = "min", "max"
            y = np.arange(len(d))
            x, low, high = k * d.difference.to_numpy(), k * d[lo].to_numpy(), k * d[hi].to_numpy()
            span = max(np.nanmax(np.abs(np.r_[low, high])), 1e-9) * 1.15
            if o.better:
                side = (0, span) if o.better > 0 else (-span, 0)
                ax.axvspan(*side, color="#1a9641", alpha=0.08, lw=0)
                ax.text(side[1] if o.better > 0 else side[0], len(d) - 0.4, "better →" if o.better > 0 else "← better",
                        ha="right" if o.better > 0 else "left", va="top", fontsize=7, color="#1a9641")
            ax.errorbar(x, y, xerr=[np.clip(x - low, 0, None), np.clip(high - x, 0, None)], fmt="o", color="k",
                        ms=4, capsize=3, lw=1)
            ax.axvline(0.0, color="grey", lw=0.8, ls="--")
            ax.set_xlim(-span, span)
            wins = d.draws_better if "draws_better" in d and o.better else pd.Series(np.nan, index=d.index)
            labels = [f"{s}  (better in {w:g} of {n} draws)" if o.better and np.isfinite(w) else s
                      for s, w, n in zip(d.setting, wins, d.draws.astype(int), strict=True)]
            ax.set_yticks(y, labels, fontsize=8)
            ax.set_ylim(-0.6, len(d) - 0.4)
            _readable(ax)
            ax.tick_params(axis="x", labelsize=7)
            unit = "count a year" if o.unit == "count" else _axis_unit(o.difference_unit)
            ax.set_title(f"{o.label.split(' (')[0]}: difference ({unit})", fontsize=8.5)
            ax.grid(alpha=0.3, axis="x")
        axes[0, j].annotate(f"against {named(comparator)}", xy=(0.5, 1.35), xycoords="axes fraction", ha="center",
                            fontsize=11, weight="bold")
    some = next(iter(against.values()))
    kind = (POSTERIOR_KIND if many else CI_KIND if some.ci_low.notna().any() else RANGE_KIND)
    title = ("Each setting against " + " and against ".join(named(c) for c in comparators)
             + f": paired difference and {kind}")
    fig.suptitle(textwrap.fill(title, width=int(70 * len(comparators))), fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95 if len(comparators) > 1 else 0.94))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _colours(settings: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10" if len(settings) <= 10 else "tab20")
    return {s: cmap(i % cmap.N) for i, s in enumerate(settings)}


def plot_timeseries(results: pd.DataFrame, settings: list[str], path: Path, start: str = "") -> None:
    """Key outcomes month by month: the mean and a band per setting, named in the title (across the posterior draws
    where the sweep has several; else the confidence interval of the mean, or the runs' range below five runs);
    event counts as rolling 12-month sums."""
    colours = _colours(settings)
    kinds: set[str] = set()
    fig, axes = plt.subplots(3, 3, figsize=(15, 11), sharex=True)
    for ax, col in zip(axes.flat, TIMESERIES, strict=True):
        o = OUTCOMES[col]
        values = rolling(results, col) if o.per_year else results[col]
        k = SCALE.get(o.unit, 1.0)
        for s in settings:
            mask = results.setting == s
            b = band(k * values[mask], results.month[mask], results[DRAW][mask] if DRAW in results else None)
            kinds.add(b.attrs["kind"])
            ax.plot(b.index, b["mean"], color=colours[s], label=s, lw=1.6)
            ax.fill_between(b.index.astype(float), b["low"].astype(float), b["high"].astype(float), color=colours[s],
                            alpha=0.2, lw=0)
        title = (o.label.replace(" a year", " in the last 12 months") if o.per_year else o.label)
        ax.set_title(f"{title} ({_axis_unit(o.unit)})" if o.unit in ("share",) else title, fontsize=10)
        _readable(ax, "y")
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel(f"months from {start}" if start else "months from the start")
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle(f"Key outcomes over time: mean and {' / '.join(sorted(kinds))} per setting "
                 "(counts: rolling 12-month sums)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_endpoints(runs: pd.DataFrame, settings: list[str], path: Path) -> None:
    cols = ["perf_true", "perf_gap", "aggregate_deficit", "net_balance", "ccg_trust_in_nhse", "n_alliances",
            "mean_stress", "leader_turnover", "stp_maturity_mean"]
    colours = _colours(settings)
    fig, axes = plt.subplots(3, 3, figsize=(15, 11))
    for ax, col in zip(axes.flat, cols, strict=True):
        o = OUTCOMES[col]
        k = SCALE.get(o.unit, 1.0)
        data = [k * runs.loc[runs.setting == s, col].to_numpy(float) for s in settings]
        box = ax.boxplot(data, patch_artist=True, widths=0.6)
        for patch, s in zip(box["boxes"], settings, strict=True):
            patch.set_facecolor(colours[s])
            patch.set_alpha(0.5)
        for i, d in enumerate(data, start=1):
            ax.scatter(np.full(len(d), i) + np.linspace(-0.15, 0.15, len(d)), d, s=8, color="k", alpha=0.5, zorder=3)
        ax.set_xticks(range(1, len(settings) + 1), [s.replace(", ", "\n") for s in settings], fontsize=7,
                      rotation=30 if len(settings) > 4 else 0)
        ax.set_title(f"{o.label} ({_axis_unit(o.unit)})" if o.unit == "share" else o.label, fontsize=10)
        _readable(ax, "y")
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("End of run (counts: a year over the run): one point per run, box = quartiles")
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
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.12, wspace=0.05, hspace=0.15)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
