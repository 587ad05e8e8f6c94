"""A run's own figures (``python -m abm write_figures=true``): its key outcomes month by month, in readable units."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PANELS = [("perf_true", "true performance (%)", 100.0), ("perf_reported", "reported performance (%)", 100.0),
          ("aggregate_deficit", "gross deficit (GBP m)", 1.0), ("ccg_trust_in_nhse", "CCGs' trust in NHS England (0-1)", 1.0),
          ("mean_stress", "mean leader stress (0-1)", 1.0), ("n_special_measures", "trusts in special measures", 1.0),
          ("stp_maturity_mean", "STP maturity (0-1)", 1.0), ("leader_turnover", "leader changes a month", 1.0),
          ("n_ccgs", "CCGs", 1.0)]


def run_figure(model: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Nine panels of a run's monthly table (``model.parquet``) against its dates; returns the file written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from abm.units import fmt

    dates = pd.PeriodIndex(model.date.astype(str), freq="M").to_timestamp()
    fig, axes = plt.subplots(3, 3, figsize=(13, 9), sharex=True)
    for ax, (col, label, scale) in zip(axes.flat, PANELS, strict=True):
        ax.plot(dates, scale * model[col].to_numpy(float), color="C0", lw=1.5)
        ax.set_title(label, fontsize=10)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v, "number", digits=3)))
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.suptitle(title or "One run: key outcomes month by month", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
