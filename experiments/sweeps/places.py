"""England in a sweep's report: the map of the answer (each STP coloured by a style's effect) and, in a headline
report, one trust's card (``experiments.card``), each saying how to draw another."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from abm.units import fmt
from experiments.sweeps.figures import named
from experiments.sweeps.stats import DRAW

HEADLINES = ("carrot_vs_stick", "whole_posterior")     # presets whose report carries a trust's card
CARD_TRUST = "RJZ"                                      # the default trust of the card (King's College Hospital)


def place_lines(sweep: Path, results: pd.DataFrame, against: dict[str, pd.DataFrame], out: Path, config: dict,
                jobs: list[Path]) -> list[str]:
    """England as a map of the answer (each STP coloured by the effect, on its acute trusts' true four-hour share, of
    the style most likely to do better against the sweep's baseline; the responsive pyramid where none is) and, in a
    headline report, one trust's card; each with how to draw another."""
    from abm.places import map_figure
    lines: list[str] = []
    stps = stp_results(jobs, results)
    if against and stps is not None:
        comparator, diffs = next(iter(against.items()))
        true = diffs[diffs.outcome == "perf_true"].set_index("setting")
        ahead = true[true.difference > 0]
        style = (ahead.p_better.idxmax() if len(ahead) and ahead.p_better.notna().any() else
                 "responsive" if "responsive" in true.index else true.difference.idxmax())
        effect = stp_effect(stps, style, diffs[diffs.setting == style].baseline.iloc[0])
        fig = map_figure(100.0 * effect, f"{style} against {named(comparator)}: true four-hour share of each STP's "
                         "acute trusts,\nthe last 12 months (mean paired difference)", "percentage points",
                         cmap="RdYlGn", centre=0.0, points=pd.Series(1.0, index=_trust_codes()),
                         fmt_value=lambda v: fmt(v, "number", digits=2))
        fig.savefig(out / "map.png", dpi=100)
        lines += ["## England as a map", "", "![map](map.png)", "",
                  f"Each footprint (the 42 of 2021; the model's 44 STPs of 2017 mapped onto them by the LSOAs they "
                  f"share) coloured by **{style}**'s effect against **{named(comparator)}** on its acute trusts' true "
                  f"four-hour share over the last 12 months (points; runs paired as above). Dots: trusts' headquarters. "
                  "Draw another outcome or style with `abm.places.map_figure` (README, *A map of England*).", ""]
    if config.get("experiment", {}).get("name") == "whole_posterior":
        from experiments.sweeps import voi
        path = voi.report(sweep)
        lines += path.read_text().splitlines()[2:] + [f"(Also in `{path.name}`.)", ""]
    if config.get("experiment", {}).get("name") in HEADLINES:
        from experiments.card import make
        png, _ = make(CARD_TRUST, 8, out / "cards")
        lines += ["## One trust as itself", "", f"![card](cards/{png.name})", "",
                  "The model's King's College Hospital beside its own published figures (the 2013 replay at 8 "
                  "posterior draws; `cards/RJZ.md` has the figures year by year). Draw any other: "
                  "`python -m experiments card CODE` (a code, or part of a trust's name).", ""]
    return lines


def _trust_codes() -> list[str]:
    from abm.scenarios import read_table
    return read_table("trust_stp_type_2016_17.csv").trust_code.tolist()


def stp_results(jobs: list[Path], results: pd.DataFrame) -> pd.DataFrame | None:
    """Every finished run's STP table (``stps.parquet``): run, STP and true share by month, with the run's setting
    and pairing keys; None when the runs wrote none."""
    frames = []
    for job in jobs:
        path = job / "stps.parquet"
        if path.is_file():
            frames.append(pd.read_parquet(path, columns=["run_id", "month", "stp", "perf_true"]))
    if not frames:
        return None
    keys = results.drop_duplicates("run_id").set_index("run_id")[["setting", "seed", "replicate", DRAW]]
    return pd.concat(frames, ignore_index=True).join(keys, on="run_id")


def stp_effect(stps: pd.DataFrame, style: str, baseline: str) -> pd.Series:
    """Per STP code: ``style``'s true share over the last 12 months minus ``baseline``'s, over runs paired by seed,
    replicate and posterior draw (the mean of the pairs)."""
    last = stps[stps.month > stps.month.max() - 12]
    means = last.groupby(["setting", "seed", "replicate", DRAW, "stp"]).perf_true.mean()
    a, b = means.xs(style, level="setting"), means.xs(baseline, level="setting")
    both = a.index.intersection(b.index)
    return (a.loc[both] - b.loc[both]).groupby(level="stp").mean()
