"""Who fails, and for how long: the spread of money and performance across trusts in the replay, year by year, against
the observed cross-sections, and the persistence of deficits.

From each replicate's organisation table (``python -m experiments history`` writes it for these): per financial
year, the distribution across trusts of the income-and-expenditure margin (12 months to March) and across acute trusts
of the reported four-hour share (the year's mean); the share of trusts in deficit and of acute trusts meeting the 95 %
standard; and how much likelier a trust in deficit one year is to be in deficit the next than a trust in surplus.
``spread.png`` draws the model's bands against the observed points of ``abm/data/observed_2013_2019.csv`` where they
exist.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from abm.units import fmt  # noqa: E402
from experiments.evidence import observed as targets  # noqa: E402

TRUSTS = ("acute", "mental_health", "community", "ambulance")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def cross_sections(orgs: pd.DataFrame, model: pd.DataFrame, standard: float = 0.95) -> pd.DataFrame:
    """One row per financial year of one run: quantiles across trusts of the margin and across acute trusts of the
    four-hour share, the shares in deficit and meeting the standard, and the persistence of deficits."""
    dates = pd.PeriodIndex(model.set_index("month").date, freq="M")
    fy = pd.Series(np.where(dates.month >= 4, dates.year, dates.year - 1), index=model.month)
    o = orgs[orgs.kind.isin(TRUSTS) & orgs.alive].assign(fy=lambda d: d.month.map(fy))
    march = o[o.month.map(lambda t: dates[t].month == 3)]
    margin = march.pivot_table(index="org", columns="fy", values="net_margin")
    acute = o[o.kind == "acute"]
    share = acute.groupby(["fy", "org"]).perf_reported.mean().unstack("fy")
    full = [y for y in margin.columns if (fy == y).sum() == 12]
    rows = []
    for year in full:
        m, s = margin[year].dropna(), share[year].dropna()
        row = {"year": int(year), "in_deficit": float((m < 0).mean()), "meeting_standard": float((s >= standard).mean())}
        row |= {f"margin_q{int(100 * q)}": float(m.quantile(q)) for q in QUANTILES}
        row |= {f"share_q{int(100 * q)}": float(s.quantile(q)) for q in QUANTILES}
        if year - 1 in margin.columns and year - 1 in full:
            before = margin[year - 1].reindex(m.index)
            was, wasnt = m[before < 0], m[before >= 0]
            row["deficit_again"] = float((was < 0).mean()) if len(was) else np.nan
            row["deficit_new"] = float((wasnt < 0).mean()) if len(wasnt) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _observed(measure: str) -> pd.DataFrame:
    obs = targets.load()
    d = obs[obs.measure == measure]
    return d.assign(year=[int(p[:4]) for p in d.period])


def plot(spread: pd.DataFrame, path: Path) -> None:
    """Four panels by financial year: margins across trusts, the share in deficit, four-hour shares across acute
    trusts, the share meeting the standard; model band (5-95 % across trusts pooled over replicates, or across
    replicates for shares) against the observed points."""
    years = sorted(spread.year.unique())
    by = spread.groupby("year")
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    for ax, prefix, title, obs_measure in ((axes[0, 0], "margin", "trusts' income-and-expenditure margin (%)", None),
                                           (axes[1, 0], "share", "acute trusts' four-hour A&E share (%)",
                                            "ae_four_hour_type1")):
        q = by[[f"{prefix}_q{int(100 * x)}" for x in QUANTILES]].mean() * 100.0
        ax.fill_between(years, q.iloc[:, 0], q.iloc[:, 4], color="C0", alpha=0.15, lw=0, label="model: 5-95 % of trusts")
        ax.fill_between(years, q.iloc[:, 1], q.iloc[:, 3], color="C0", alpha=0.3, lw=0, label="model: 25-75 %")
        ax.plot(years, q.iloc[:, 2], color="C0", lw=1.6, label="model: median trust")
        if obs_measure:
            o = _observed(obs_measure)
            ax.scatter(o.year, 100.0 * o.value, color="k", zorder=3, label="observed: England, type 1")
        ax.axhline(95.0 if prefix == "share" else 0.0, color="grey", ls=":", lw=0.8)
        ax.set_title(title, fontsize=10)
    for ax, col, title, obs_measure in ((axes[0, 1], "in_deficit", "share of trusts in deficit over the year (%)",
                                         "providers_in_deficit_share"),
                                        (axes[1, 1], "meeting_standard", "share of acute trusts meeting 95 % (%)",
                                         "ae_type1_trusts_meeting_95")):
        q = by[col].quantile([0.05, 0.5, 0.95]).unstack() * 100.0
        ax.fill_between(years, q[0.05], q[0.95], color="C1", alpha=0.25, lw=0, label="model: 5-95 % of replicates")
        ax.plot(years, q[0.5], color="C1", lw=1.6, label="model: median")
        o = _observed(obs_measure)
        ax.scatter(o.year, 100.0 * o.value, color="k", zorder=3, label="observed")
        ax.set_ylim(0, 100)
        ax.set_title(title, fontsize=10)
    for ax in axes.flat:
        ax.set_xlabel("financial year (2013 = 2013/14)", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Who fails: the spread across trusts in the 2013 replay, model against observed England", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def lines(spread: pd.DataFrame) -> list[str]:
    """The spread in words: persistence of deficits, and the yearly shares."""
    by = spread.groupby("year")
    out = ["## Who fails, and for how long", "", "![spread](spread.png)", ""]
    if "deficit_again" in spread:
        again, new = spread.deficit_again.mean(), spread.deficit_new.mean()
        out.append(f"Persistence: a trust in deficit one year is in deficit the next in {fmt(again, 'share', digits=0)} "
                   f"of cases, against {fmt(new, 'share', digits=0)} for a trust in surplus "
                   f"({fmt(again / new if new else np.nan, 'number', digits=2)} times as likely; the replay's years "
                   "pooled).")
    out += ["", "| year | trusts in deficit | acute trusts meeting 95 % | median margin | median four-hour share |",
            "|---|---|---|---|---|"]
    for year, g in by:
        out.append(f"| {year}/{str(year + 1)[-2:]} | {fmt(g.in_deficit.mean(), 'share')} | "
                   f"{fmt(g.meeting_standard.mean(), 'share')} | {fmt(g.margin_q50.mean(), 'share')} | "
                   f"{fmt(g.share_q50.mean(), 'share')} |")
    return out
