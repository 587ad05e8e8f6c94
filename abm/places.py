"""England as a map, and a trust as itself: the drawings of the reports and the browser view.

- **The map**: the 42 STP/ICS boundaries of 2021 (``abm/data/stp_boundaries_2021.geojson``, ONS, OGL v3), coloured by
  a value per model STP (the 44 of April 2017). A 2021 footprint takes the mean of the 2017 STPs that overlap it,
  weighted by the LSOAs they share (``abm/data/stp17_stp21_lsoa_overlap.csv``, from the ONS LSOA lookups). Trusts are
  points at their 2022 headquarters (``abm/data/trust_points_2022.csv``: NHS Digital, geocoded with OpenStreetMap's
  Nominatim, © OpenStreetMap contributors, ODbL 1.0); a trust that merged before 2022 sits at its successor's
  headquarters (ODS successions to April 2017) or, failing that, at the centre of its STP.
- **The card**: a trust's four-hour share, debt and the regulator's actions on it in the model (a band across runs)
  against its own published figures (``abm/initial.py``), with the published special-measures events marked.

Drawn with matplotlib (local assets only), so the browser view asks for nothing off the machine.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd

from abm.scenarios import DATA_DIR, read_table

ATTRIBUTION = ("Boundaries: ONS Open Geography (OGL v3; contains OS data © Crown copyright and database right 2021). "
               "Headquarters: © OpenStreetMap contributors (ODbL 1.0), NHS Digital (OGL v3).")
SUCCESSORS = {"RLU": "RQ3", "RQQ": "RGN", "RRD": "R1L", "RWN": "R1L"}   # ODS successions to April 2017 (abm/data)


@cache
def boundaries() -> list[tuple[str, str, list[np.ndarray]]]:
    """The 2021 footprints: (code, name, rings as arrays of lon/lat)."""
    with DATA_DIR.joinpath("stp_boundaries_2021.geojson").open("rb") as fh:
        features = json.load(fh)["features"]
    out = []
    for f in features:
        geometry = f["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [np.asarray(poly[0], float) for poly in polygons]              # outer rings
        out.append((f["properties"]["stp21_code"], f["properties"]["stp21_name"], rings))
    return out


@cache
def overlap() -> pd.DataFrame:
    """Model STP (2017) x 2021 footprint: LSOAs shared."""
    return read_table("stp17_stp21_lsoa_overlap.csv")


def to_footprints(values: pd.Series) -> pd.Series:
    """Values per 2017 STP (indexed by code) as values per 2021 footprint: the LSOA-weighted mean of the 2017 STPs
    that overlap it (NaN where none has a value)."""
    o = overlap().assign(value=lambda d: d.stp17cd.map(values)).dropna(subset=["value"])
    weighted = (o.value * o.n_lsoa).groupby(o.stp21_code).sum() / o.n_lsoa.groupby(o.stp21_code).sum()
    return weighted


@cache
def centres() -> dict[str, tuple[float, float]]:
    """Each 2021 footprint's centre (the mean of its outer rings' points, weighted by ring length)."""
    out = {}
    for code, _, rings in boundaries():
        pts = np.vstack(rings)
        out[code] = (float(pts[:, 0].mean()), float(pts[:, 1].mean()))
    return out


@cache
def trust_points() -> pd.DataFrame:
    """Each model trust's map position: code, lon, lat, and where it came from (headquarters, successor's, STP)."""
    points = read_table("trust_points_2022.csv").set_index("trust22_code")
    trusts = read_table("trust_stp_type_2016_17.csv")
    main = overlap().sort_values("n_lsoa", ascending=False).drop_duplicates("stp17cd").set_index("stp17cd").stp21_code
    rows = []
    for r in trusts.itertuples():
        code = r.trust_code if r.trust_code in points.index else SUCCESSORS.get(r.trust_code)
        if code in points.index:
            rows.append((r.trust_code, points.at[code, "lon"], points.at[code, "lat"],
                         "headquarters" if code == r.trust_code else "successor's headquarters"))
        else:
            lon, lat = centres()[main[r.stp17cd]]
            rows.append((r.trust_code, lon, lat, "centre of its STP"))
    return pd.DataFrame(rows, columns=["code", "lon", "lat", "placed_at"]).set_index("code")


def draw_map(ax, values: pd.Series, label: str, cmap: str = "RdYlGn", centre: float | None = None,
             points: pd.Series | None = None, points_label: str = "", fmt_value=None) -> None:
    """England on ``ax``: each footprint coloured by ``values`` (per 2017 STP code; grey where none), the trusts of
    ``points`` (values per trust code) as dots; a colour bar named ``label``."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize, TwoSlopeNorm

    per = to_footprints(values)
    finite = per[np.isfinite(per)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 1e-9, hi + 1e-9
    if centre is not None and lo < centre < hi:
        norm: Normalize = TwoSlopeNorm(vcenter=centre, vmin=lo, vmax=hi)
    else:
        norm = Normalize(lo, hi)
    colours = plt.get_cmap(cmap)
    polys, faces = [], []
    for code, _, rings in boundaries():
        value = per.get(code, np.nan)
        for ring in rings:
            polys.append(ring)
            faces.append(colours(norm(value)) if np.isfinite(value) else (0.85, 0.85, 0.85, 1.0))
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="white", linewidths=0.4))
    if points is not None and len(points):
        where = trust_points().reindex(points.index).dropna()
        ax.scatter(where.lon, where.lat, s=9, c="k", alpha=0.7, lw=0, label=points_label or "trusts")
    ax.set_xlim(-6.5, 2.0)
    ax.set_ylim(49.8, 55.9)
    ax.set_aspect(1.0 / np.cos(np.radians(52.5)))
    ax.axis("off")
    bar = plt.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=colours), ax=ax, fraction=0.035, pad=0.01)
    bar.set_label(label, fontsize=8)
    if fmt_value is not None:
        from matplotlib.ticker import FuncFormatter
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_value(v)))
    ax.text(0.0, -0.02, ATTRIBUTION, transform=ax.transAxes, fontsize=5, color="#555555", va="top", wrap=True)


def map_figure(values: pd.Series, title: str, label: str, cmap: str = "RdYlGn", centre: float | None = None,
               points: pd.Series | None = None, fmt_value=None):
    """A figure of :func:`draw_map`."""
    import textwrap

    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.6, 7.4))
    ax = fig.add_subplot(1, 1, 1)
    draw_map(ax, values, label, cmap, centre, points, fmt_value=fmt_value)
    ax.set_title("\n".join(textwrap.wrap(title.replace("\n", " "), 70)), fontsize=9.5)
    fig.subplots_adjust(left=0.02, right=0.88, top=0.9, bottom=0.06)
    return fig


# --- the trust card ----------------------------------------------------------------------------------------------------
def real_series(code: str) -> dict:
    """A trust's own published figures: type 1 share per financial year (Series: year -> share), loan balances
    (date -> GBP m) and the special-measures events of the published lists (date -> text)."""
    from abm import initial
    ae = initial.ae_table()
    share = ae[ae.trust_code == code].dropna(subset=["type1_share"]).set_index("fy").type1_share
    loans = initial.loan_table()
    debt = ({"2016-04": float(loans.at[code, "balance_2016_04_01_gbp_m"]),
             "2017-03": float(loans.at[code, "balance_2017_03_31_gbp_m"])} if code in loans.index else {})
    cohorts = initial.cohorts()
    events = {}
    for r in cohorts[cohorts.trust_code == code].itertuples():
        events[r.entered] = f"{r.regime} special measures"
        if r.left:
            events[r.left] = f"left {r.regime} special measures"
    return {"share": share, "debt": debt, "events": events}


def card_figure(title: str, dates: list[str], perf: np.ndarray, debt: np.ndarray, escalation: np.ndarray,
                support: np.ndarray, real: dict, held_out_from: str = "2016-04", what: str = ""):
    """A trust's card: three panels against dates (``perf``, ``debt``, ``escalation``, ``support``: runs x months;
    one run gives a line, several a 5-95 % band and the median) beside its own figures (``real``: from
    :func:`real_series`), published special-measures events as vertical lines, the held-out years shaded."""
    from matplotlib.figure import Figure

    when = pd.PeriodIndex(dates, freq="M").to_timestamp()
    fig = Figure(figsize=(8.0, 7.6))
    axes = fig.subplots(3, 1, sharex=True)

    def band(ax, values, scale, colour, label):
        values = np.atleast_2d(values) * scale
        mid = np.median(values, axis=0)
        if len(values) > 1:
            ax.fill_between(when, np.quantile(values, 0.05, axis=0), np.quantile(values, 0.95, axis=0), color=colour,
                            alpha=0.25, lw=0, label=f"{label}: 5-95 % of {len(values)} runs")
        ax.plot(when, mid, color=colour, lw=1.5, label=f"{label}" + (" (median)" if len(values) > 1 else ""))

    ax = axes[0]
    band(ax, perf, 100.0, "C0", "model")
    share = real["share"]
    if len(share):
        starts = pd.PeriodIndex([f"{y}-04" for y in share.index], freq="M").to_timestamp()
        ends = pd.PeriodIndex([f"{y + 1}-03" for y in share.index], freq="M").to_timestamp()
        ax.hlines(100.0 * share.to_numpy(), starts, ends, color="k", lw=2.2, label="published: type 1, year's mean")
    ax.axhline(95.0, color="grey", ls=":", lw=0.8)
    ax.set_ylabel("four-hour share (%)")
    ax.legend(fontsize=7, loc="lower left")
    ax = axes[1]
    band(ax, debt, 1.0, "C3", "model debt")
    for date, value in real["debt"].items():
        ax.scatter(pd.Period(date, freq="M").to_timestamp(), value, color="k", zorder=3, s=18)
    if real["debt"]:
        ax.scatter([], [], color="k", s=18, label="DH revenue support loans (published)")
    ax.set_ylabel("debt (GBP m)")
    ax.legend(fontsize=7, loc="upper left")
    ax = axes[2]
    band(ax, escalation, 1.0, "C1", "escalation (0 none .. 4 special measures)")
    band(ax, support, 4.0, "C2", "support (x4)")
    ax.set_ylim(-0.2, 4.4)
    ax.set_ylabel("the regulator's actions")
    ax.legend(fontsize=7, loc="upper left")
    first, last = when.min(), when.max()
    for ax in axes:
        for date, text in real["events"].items():
            t = pd.Period(date, freq="M").to_timestamp()
            if first <= t <= last or ax is axes[0]:
                ax.axvline(t, color="purple", lw=1.0, ls="--")
                if ax is axes[0]:
                    ax.text(t, ax.get_ylim()[1], f" {text}", fontsize=7, color="purple", va="top", rotation=90)
        held = pd.Period(held_out_from, freq="M").to_timestamp()
        ax.axvspan(held, max(last, held), color="grey", alpha=0.08, lw=0)
        ax.grid(alpha=0.3)
    axes[0].text(held, axes[0].get_ylim()[0], " held out", fontsize=7, color="grey", va="bottom")
    fig.suptitle(title, fontsize=10)
    if what:
        fig.text(0.01, 0.005, what, fontsize=6.5, color="#444444", va="bottom", wrap=True)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.93, bottom=0.08, hspace=0.12)
    return fig
