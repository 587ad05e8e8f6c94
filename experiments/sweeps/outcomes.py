"""The outcomes a sweep's report reads, each with what it is, its unit, and which way is better.

Money stocks are shown gross and net side by side (the gross stock of negative balances says nothing of the surpluses
beside it); counts of rare events are read per year (over the run) and, month by month, as rolling 12-month sums, so
that small monthly counts do not look like a rhythm; shares are read as percentages and their differences in
percentage points (:mod:`abm.units`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Outcome:
    column: str
    label: str               # what it is, in words
    unit: str                # abm.units unit of a level (share, gbp_m, count, number)
    better: int = 0          # +1 higher is better, -1 lower is better, 0 neither
    per_year: bool = False   # an event count or a flow: read as a rate per year over the run

    @property
    def difference_unit(self) -> str:
        """The unit of a difference between two levels: shares differ in percentage points, counts by a number that
        need not be whole (a mean over runs)."""
        return {"share": "points", "count": "number"}.get(self.unit, self.unit)


OUTCOMES = {o.column: o for o in [
    Outcome("perf_true", "true performance (share seen within the standard)", "share", +1),
    Outcome("perf_reported", "reported performance", "share", 0),
    Outcome("perf_gap", "reported minus true performance", "share", -1),
    Outcome("aggregate_deficit", "gross deficit: CCGs' and trusts' negative balances (GBP m)", "gbp_m", -1),
    Outcome("net_balance", "net balance of CCGs and trusts (GBP m)", "gbp_m", +1),
    Outcome("n_in_deficit", "bodies with a cumulative deficit", "count", -1),
    Outcome("ccg_trust_in_nhse", "CCGs' trust in NHS England (0-1)", "number", +1),
    Outcome("trust_commissioner_provider", "commissioner-provider trust (0-1)", "number", +1),
    Outcome("share_ccgs_in_joint_committee", "CCGs in joint committees", "share", 0),
    Outcome("n_alliances", "alliances", "count", 0),
    Outcome("n_pooled_budgets", "pooled budgets", "count", 0),
    Outcome("n_risk_shares", "STP risk shares", "count", 0),
    Outcome("n_ccgs", "CCGs", "count", 0),
    Outcome("mean_stress", "mean leader stress (0-1)", "number", -1),
    Outcome("stp_maturity_mean", "STP maturity (mean, 0-1)", "number", +1),
    Outcome("stp_maturity_sd", "STP maturity (spread)", "number", 0),
    Outcome("leader_turnover", "leader changes a year", "count", -1, per_year=True),
    Outcome("enforcement_actions", "enforcement actions a year", "count", 0, per_year=True),
    Outcome("support_spend", "support spend a year (GBP m)", "gbp_m", 0, per_year=True),
    Outcome("regulator_spend", "regulator spend a year (GBP m)", "gbp_m", 0, per_year=True),
]}
END = {c: o.label for c, o in OUTCOMES.items() if not o.per_year}          # read at the end of the run
TOTAL = {c: o.label for c, o in OUTCOMES.items() if o.per_year}           # read per year over the run
BETTER = {c: o.better for c, o in OUTCOMES.items() if o.better}
# The report's main outcomes, and the answer figure's (the question: performance, gaming, money, trust, leaders).
MAIN = ["perf_true", "perf_reported", "perf_gap", "aggregate_deficit", "net_balance", "ccg_trust_in_nhse",
        "n_alliances", "mean_stress", "leader_turnover", "stp_maturity_mean"]
ANSWER = ["perf_true", "perf_gap", "net_balance", "ccg_trust_in_nhse", "mean_stress", "leader_turnover"]
TIMESERIES = ["perf_true", "perf_reported", "aggregate_deficit", "net_balance", "ccg_trust_in_nhse",
              "trust_commissioner_provider", "mean_stress", "leader_turnover", "stp_maturity_mean"]
ROLLING = 12     # months summed for the time series of event counts


def per_run(results: pd.DataFrame, draw: str) -> pd.DataFrame:
    """One row per run: end-of-run values, and per-year rates over the run of the event counts and flows."""
    last = results[results.month == results.groupby("run_id").month.transform("max")]
    draws = [draw] if draw in last.columns else []
    ends = last.set_index("run_id")[["setting", "seed", "replicate", *draws, *END]]
    years = (results.groupby("run_id").month.max() / 12.0).clip(lower=1 / 12)
    rates = results.groupby("run_id")[list(TOTAL)].sum().div(years, axis=0)
    out = ends.join(rates).reset_index()
    if not draws:
        out[draw] = -1
    return out


def rolling(results: pd.DataFrame, column: str) -> pd.Series:
    """A count per run as its rolling sum over the last :data:`ROLLING` months (fewer at the start)."""
    return results.groupby("run_id")[column].transform(lambda s: s.rolling(ROLLING, min_periods=1).sum())


def better_side(outcome: str, values: np.ndarray) -> np.ndarray:
    """True where a difference is on the better side of zero (higher for outcomes without a better direction)."""
    return OUTCOMES[outcome].better * np.asarray(values) > 0 if OUTCOMES[outcome].better else np.asarray(values) > 0
