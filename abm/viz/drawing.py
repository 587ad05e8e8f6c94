"""Matplotlib drawings for the browser view (rendered on the server, so the page needs no CDN).

``network_figure`` draws ``model.grid`` at the fixed positions of ``abm/layout.py`` (regions, STP clusters); only
organisations still on the grid are drawn, so a merged CCG disappears and the merged body grows (CCG markers are
sized by registered population). ``outcome_figure`` plots the key outcomes month by month, for one or two models.
"""

from __future__ import annotations

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from abm.vocabulary import DASHBOARD_BANDS as CATEGORIES
from abm.vocabulary import RATINGS

COLOUR_BY = ("trust", "stress", "rating", "finance")
MARKERS = {"ccg": "o", "acute": "s", "mental_health": "D", "community": "^", "ambulance": "v", "la": "p",
           "nhse": "*", "nhse_region": "*", "nhsi": "*", "cqc": "*"}
RATING_CMAP = ListedColormap(["#d7301f", "#fdae61", "#a6d96a", "#1a9641"])


def node_values(model, colour_by: str) -> tuple[np.ndarray, str, object, float, float]:
    """Per organisation: the value to colour by, its label, colour map and range."""
    o = model.orgs
    if colour_by == "trust":
        e = model.edges
        sel = e.active
        total = np.bincount(e.dst[sel], weights=e.trust[sel], minlength=len(o.kind))
        count = np.bincount(e.dst[sel], minlength=len(o.kind))
        return np.where(count > 0, total / np.maximum(count, 1), 0.5), "trust received", "RdYlGn", 0.0, 1.0
    if colour_by == "stress":
        return o.stress, "leader stress", "magma_r", 0.0, 1.0
    if colour_by == "rating":
        return o.rating.astype(float), "rating: " + " / ".join(RATINGS), RATING_CMAP, -0.5, 3.5
    if colour_by == "finance":
        size = np.where(o.kind == "ccg", o.allocation, np.where(o.capacity > 0, o.capacity, o.budget))
        share = np.where(size > 0, o.balance / np.maximum(12.0 * size, 1e-9), 0.0)
        return np.clip(share, -0.1, 0.1), "balance / annual income", "RdBu", -0.1, 0.1
    raise ValueError(f"colour_by={colour_by!r}; choose one of: {', '.join(COLOUR_BY)}")


def draw_network(ax, model, colour_by: str, title: str) -> tuple[ScalarMappable | None, str]:
    o = model.orgs
    pos = model.layout
    nodes = np.array(sorted(model.grid.G.nodes))
    edges = np.array(list(model.grid.G.edges)) if model.grid.G.number_of_edges() else np.zeros((0, 2), int)
    regulator = np.isin(o.kind, ("nhse", "nhse_region", "nhsi", "cqc"))
    local = edges[~regulator[edges[:, 0]] & ~regulator[edges[:, 1]]
                  & (o.kind[edges[:, 0]] != "ambulance") & (o.kind[edges[:, 1]] != "ambulance")]
    ax.add_collection(LineCollection(pos[local], colors="#9e9e9e", linewidths=0.3, alpha=0.35, zorder=1))
    for s in range(len(model.stps.maturity)):
        members = nodes[(o.stp[nodes] == s)]
        if len(members):
            centre = pos[members].mean(axis=0)
            ax.add_patch(Circle(centre, 1.25, fill=True, alpha=0.06, color="#3b6ea5", zorder=0))
    values, label, cmap, vmin, vmax = node_values(model, colour_by)
    mappable = None
    pop = o.population
    for kind, marker in MARKERS.items():
        sel = nodes[o.kind[nodes] == kind]
        if not len(sel):
            continue
        size = 14.0 if kind != "ccg" else 8.0 + 40.0 * np.sqrt(pop[sel] / 300_000.0)
        if kind in ("nhse", "nhse_region", "nhsi", "cqc"):
            size = 60.0
        mappable = ax.scatter(pos[sel, 0], pos[sel, 1], c=values[sel], cmap=cmap, vmin=vmin, vmax=vmax, s=size,
                              marker=marker, edgecolors="#333333", linewidths=0.3, zorder=2, label=kind)
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.autoscale_view()
    return mappable, label


def network_figure(models: list, colour_by: str = "trust", titles: list[str] | None = None) -> Figure:
    fig = Figure(figsize=(6.0 * len(models) + 1.0, 6.0))
    axes = fig.subplots(1, len(models), squeeze=False)[0]
    fig.subplots_adjust(left=0.01, right=0.9, bottom=0.01, top=0.95, wspace=0.02)
    titles = titles or [m.reg.name for m in models]
    mappable, label = None, ""
    for ax, m, title in zip(axes, models, titles, strict=True):
        n_ccg = int(m.mask("ccg").sum())
        mappable, label = draw_network(ax, m, colour_by, f"{title}: month {m.t}, {n_ccg} CCGs")
    handles = [Line2D([], [], marker=mk, ls="", color="#777777", markersize=5, label=k.replace("_", " "))
               for k, mk in MARKERS.items() if k not in ("nhse", "nhse_region", "nhsi")]
    handles[-1].set_label("regulators")
    axes[0].legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.6)
    if mappable is not None:
        fig.colorbar(mappable, cax=fig.add_axes((0.92, 0.2, 0.015, 0.6)), label=label)
    return fig


# (title in words with its unit, [(column, line label)], scale to the unit shown)
PANELS = [
    ("performance (% of patients seen within the standard)", [("perf_true", "true"), ("perf_reported", "reported")],
     100.0),
    ("money (GBP m)", [("aggregate_deficit", "gross deficit"), ("net_balance", "net balance")], 1.0),
    ("mean trust (0-1)", [("trust_ccg_ccg", "CCG-CCG"), ("trust_commissioner_provider", "commissioner-provider"),
                          ("trust_ccg_la", "CCG-LA"), ("ccg_trust_in_nhse", "CCG in NHSE")], 1.0),
    ("collaboration (count)", [("n_joint_committees", "joint committees"), ("n_ccgs_sharing_ao", "CCGs sharing AO"),
                               ("n_pooled_budgets", "pooled budgets"), ("n_alliances", "alliances"), ("n_ccgs", "CCGs")],
     1.0),
    ("leaders (count a month; stress 0-100)", [("leader_turnover", "changes a month"), ("mean_stress", "mean stress")],
     1.0),
    ("STPs by dashboard band (count)", [(f"dashboard_{c}", c.replace("_", " ")) for c in CATEGORIES], 1.0),
]


def series(model, key: str) -> tuple[np.ndarray, np.ndarray]:
    """One outcome month by month, from the model's Mesa DataCollector."""
    table = model.datacollector.model_vars
    x = np.asarray(table["month"])
    y = np.asarray(table[key], float)
    return x, (y * 100.0 if key == "mean_stress" else y)


def dates(model) -> list[str]:
    """The calendar month (YYYY-MM) of each month recorded."""
    return [str(d) for d in model.datacollector.model_vars["date"]]


def date_axis(ax, model, months: int) -> None:
    """Label the time axis with calendar months (every sixth, or every month in the first year)."""
    labels = dates(model)
    step = 1 if months < 13 else 6 if months < 49 else 12
    ticks = list(range(0, len(labels), step))
    ax.set_xticks(ticks, [labels[t] for t in ticks], rotation=45, ha="right")


def performance_figure(models: list, titles: list[str] | None = None) -> Figure:
    """True and reported performance month by month (Mesa's DataCollector), with dates on the time axis."""
    fig = Figure(figsize=(12, 3.4))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.25, top=0.88)
    titles = titles or [m.reg.name for m in models]
    for j, (m, ls) in enumerate(zip(models, ["-", "--"], strict=False)):
        for k, (key, name) in enumerate(PANELS[0][1]):
            x, y = series(m, key)
            ax.plot(x, 100.0 * y, ls, color=("tab:green", "tab:red")[k], lw=1.6, marker="o" if len(x) < 3 else None,
                    markersize=3, label=f"{name} ({titles[j]})")
    ax.axhline(100.0 * models[0].beh.target, color="grey", lw=0.8, ls=":", label="the standard")
    date_axis(ax, models[0], len(x))
    ax.set_xlim(-0.5, max(12.5, len(x) - 0.5))
    ax.set_title("True and reported performance of trusts", fontsize=10)
    ax.set_ylabel("% of patients seen within the standard", fontsize=8)
    ax.set_xlabel("month", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left", framealpha=0.6)
    return fig


def outcome_figure(models: list, titles: list[str] | None = None) -> Figure:
    fig = Figure(figsize=(12, 7.4))           # fixed margins: a layout engine would double the drawing time
    axes = fig.subplots(2, 3).flat
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.13, top=0.92 if len(models) > 1 else 0.95, wspace=0.22,
                        hspace=0.45)
    titles = titles or [m.reg.name for m in models]
    styles = ["-", "--"]
    for ax, (panel, keys, scale) in zip(axes, PANELS, strict=True):
        values = []
        for k, (key, name) in enumerate(keys):
            for j, (m, ls) in enumerate(zip(models, styles, strict=False)):
                x, y = series(m, key)
                values.append(scale * y)
                ax.plot(x, scale * y, ls, color=f"C{k}", lw=1.4, marker="o" if len(x) < 3 else None, markersize=3,
                        label=name if j == 0 else None)
        if len(x) < 13:
            # The first months: a year's width of time axis and a range around the values, not a point on empty axes.
            ax.set_xlim(-0.5, 12.5)
            low, high = float(np.min(np.concatenate(values))), float(np.max(np.concatenate(values)))
            pad = max(0.1 * (high - low), 0.05 * max(abs(low), abs(high)), 0.01)
            ax.set_ylim(low - pad, high + pad)
        ax.set_title(panel, fontsize=10)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="upper left", framealpha=0.6)   # "best" placement is slow at every redraw
        date_axis(ax, models[0], len(x))
    if len(models) > 1:
        fig.suptitle(f"solid: {titles[0]}    dashed: {titles[1]}", fontsize=10)
    return fig
