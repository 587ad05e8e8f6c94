"""Every target the model is compared with or calibrated to, in one place: the seeds' patterns (used by
``experiments.validation.validate`` and, for the survey shares, ``experiments.calibration.cutoffs``) and the observed
England of 2013-2019 (used by ``python -m experiments history --check`` and, for the distributions the cut-offs
reproduce, ``experiments.calibration.cutoffs``): which model measure answers each observation, with what tolerance,
and which observations were used to set parameters (fit) and which were not (held out).

``abm/data/observed_2013_2019.csv`` holds one row per measure and period (copied from the project's reference data,
each row with its source). :func:`model_value` reads the model's answer to a row from a run's monthly table;
:func:`judge` applies the row's tolerance. The tolerances are those of the model's credibility issue: CCG counts
±10 %; rating shares ±7 points (inadequate) and ±15 points (other ratings); provider net position of the right sign
and within a factor of 2; share of trusts in deficit ±15 points; special measures and directions within the larger
of 6 and 50 %. Rows the issue does not cover use the rule stated in ``TOLERANCE`` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")

# Observations used to set a parameter (their parameter in brackets). Every other row is held out: nothing was
# tuned to it, so it tests the model.
FIT = {
    ("ccgs", "2013-04"): "structure: the 211 CCGs of April 2013 (data)",
    ("ccgs_under_legal_directions", "2013-04"): "policy event: 15 CCGs placed under directions; places_ccgs",
    ("ccgs_under_legal_directions", "2013-07"): "directions_min_months",
    ("trusts_in_quality_special_measures", "2013-07"): "policy event: 11 trusts placed in special measures",
    ("trusts_in_quality_special_measures", "2017-04"): "places_quality_sm",
    ("trusts_in_financial_special_measures", "2016-07"): "policy event: 5 trusts placed",
    ("trusts_in_financial_special_measures", "2017-03"): "places_financial_sm",
    ("special_measures_time_in_regime", "2017-04"): "regime_min_months",
    ("providers_in_segments_3_4_share", "2016-12"): "the range of regulator.escalation_threshold in the contrast's "
                                                    "Sobol (experiments.sweeps.sensitivity.FACTOR_OF)",
    ("providers_in_deficit_share", "2013/14"): "initial_deficit_share",
    ("ccgs_cumulative_deficit", "2014-03"): "initial_ccg_deficit_share",
    ("ccgs_sharing_accountable_officer", "2016-09"): "ao_sharing_rate",
    ("ccgs_sharing_accountable_officer", "2017-03"): "ao_sharing_rate",
    ("provider_net_position", "2013/14"): "cost_drift",
    ("provider_net_position", "2014/15"): "cost_drift",
    ("provider_net_position", "2015/16"): "cost_drift",
    **{(f"ccg_rating_{r}", "2016-07"): "ccg_rating_cuts" for r in RATINGS},
    **{(f"cqc_trust_rating_{r}", "2016-05"): "cqc_rating_cuts" for r in RATINGS},
    **{(f"stp_dashboard_{c}", "2017-07"): "dashboard_cuts"
       for c in ("outstanding", "advanced", "making_progress", "needs_most_improvement")},
}
NOT_MODELLED = {"better_care_fund_pooled": "the mandatory Better Care Fund is not modelled (pooled budgets here are "
                                           "voluntary pooling beyond it)",
                **{f"ae_four_hour_all_types_{nation}": "another UK nation: compared in the published-effects designs "
                                                       "(a regime without England's sanctions; cross-country, not "
                                                       "causal)" for nation in ("scotland", "wales", "northern_ireland")}}
REPLAY_START = "2013-04"      # observations that end before the replay starts are not answered by it


def not_answered(measure: str, period: str) -> str | None:
    """Why the 2013 replay does not answer an observation (None when it does)."""
    if measure in NOT_MODELLED:
        return NOT_MODELLED[measure]
    if months_of(period)[-1] < REPLAY_START:
        return "before the replay starts (April 2013): a starting point of the published-effects designs"
    return None


def observed_counts(prefix: str, period: str, bands: tuple[str, ...]) -> np.ndarray:
    """Observed counts of ``prefix + band`` in ``period``, in the order of ``bands`` (lowest first)."""
    obs = load().set_index(["measure", "period"]).value
    return np.array([obs[(f"{prefix}{band}", period)] for band in bands], float)


# --- the seeds' patterns (model brief) --------------------------------------------------------------------------
# The July 2017 dashboard as observed (5 / 20 / 14 / 5 of 44; seed 004 L98 prints 4 for the last band).
DASHBOARD_TARGET = {"outstanding": 5, "advanced": 20, "making_progress": 14, "needs_most_improvement": 5}

# (key, pattern, source, target text, target value or None, kind of test, tolerance)
PATTERNS = [
    *[(f"dashboard_{c}", f"STP dashboard July 2017: {c.replace('_', ' ')}", "seed 004 L98",
       f"{v} STPs", float(v), "abs", 3.0) for c, v in DASHBOARD_TARGET.items()],
    ("collaborative_commissioning", "CCGs in collaborative commissioning (proxy: joint committee or shared AO), "
     "March 2017", "seed 002 L49, L125", "~90 %", 0.90, "abs", 0.10),
    ("joint_committees", "CCGs with one or more joint committees, March 2017", "seed 002 L125", "70 %", 0.70, "abs",
     0.10),
    ("joint_teams", "CCGs with joint teams, March 2017 (not modelled)", "seed 002 L125", "63 %", 0.63, "missing",
     0.10),
    ("shared_ao", "CCGs sharing an accountable officer, March 2017", "seed 002 L125", "40 %", 0.40, "abs", 0.10),
    ("merger_plans", "CCGs planning a merger (proxy: sharing an AO with a trusted partner), March 2017",
     "seed 002 L129", "16 % (30 % possibly)", 0.16, "abs", 0.10),
    ("more_collaboration", "CCGs planning more collaboration (proxy: readiness rose over the year), March 2017",
     "seed 002 L49", "72 %", 0.72, "abs", 0.15),
    ("rho_history", "STP maturity rises with a history of partnership (Spearman)", "seed 004 L70; seed 000 L244",
     "> 0", None, "positive", None),
    ("rho_coterminosity", "STP maturity rises with coterminous boundaries (Spearman)", "seed 004 L83",
     "> 0", None, "positive", None),
    ("rho_n_organisations", "STP maturity falls with more organisations (Spearman)", "seed 004 L84",
     "< 0", None, "negative", None),
    ("rho_legacy_debt", "STP maturity falls with legacy debt (Spearman with share in deficit)", "seed 002 L256",
     "< 0", None, "negative", None),
    ("autonomy_gap", "High-rated CCGs have more autonomy than low-rated ones (difference)", "seed 000 L194-196",
     "> 0", None, "positive", None),
    ("trust_gap", "High-rated CCGs trust NHS England more than low-rated ones (difference)", "seed 000 L194-196",
     "> 0", None, "positive", None),
    ("rho_riskshare_partners", "Risk shares rarer with more partners (Spearman, July 2018)", "seed 003 L976-978",
     "< 0", None, "negative", None),
    ("rho_riskshare_deficit", "Risk shares rarer under financial stress (Spearman, July 2018)", "seed 003 L976",
     "< 0", None, "negative", None),
    ("providers_worried", "Trust leaders worried transformation is too slow (proxy: trusts in STPs below advanced), "
     "April 2017", "seed 004 L60", "62 %", 0.62, "abs", 0.15),
    ("providers_confident", "Trust leaders confident (proxy: trusts in outstanding STPs), April 2017", "seed 004 L60",
     "17 %", 0.17, "abs", 0.10),
]

SURVEY_2017 = {key: value for key, _, _, _, value, kind, _ in PATTERNS if kind == "abs"}   # e.g. joint_committees


def load() -> pd.DataFrame:
    with resources.files("abm.data").joinpath("observed_2013_2019.csv").open("rb") as fh:
        return pd.read_csv(fh)


def _fy_months(period: str) -> list[str]:
    """'2015/16' -> the twelve months April 2015 .. March 2016."""
    start = int(period[:4])
    return [str(p) for p in pd.period_range(f"{start}-04", f"{start + 1}-03", freq="M")]


# Parts of a financial year an observation may cover: quarters (Q1 = April-June), and the winter of the A&E rows
# (the 20 weeks to late March: November to March).
PART_OF_YEAR = {"Q1": (0, 3), "Q2": (3, 6), "Q3": (6, 9), "Q4": (9, 12), "winter": (7, 12)}


def months_of(period: str) -> list[str]:
    """The months (YYYY-MM) an observation covers: a month ('2013-12'), a financial year ('2015/16'), a part of one
    ('2014/15 Q4', '2013/14 winter') or a calendar year ('2011')."""
    if "/" in period:
        year, _, part = period.partition(" ")
        months = _fy_months(year)
        return months[slice(*PART_OF_YEAR[part])] if part else months
    if len(period) == 4:
        return [f"{period}-{m:02d}" for m in range(1, 13)]
    return [period]


def type1_weight() -> float:
    """Type 1 (major) departments' share of A&E attendances, derived from the periods observed for both series:
    all types = w x type 1 + (1 - w) x 1 (minor units meet the standard nearly always), least squares through the
    origin of (all types - 1) on (type 1 - 1). The model's acute trusts are the type 1 departments."""
    obs = load().set_index(["measure", "period"]).value
    both = [p for (m, p) in obs.index if m == "ae_four_hour_type1" and ("ae_four_hour_all_types", p) in obs.index]
    x = np.array([obs[("ae_four_hour_type1", p)] for p in both]) - 1.0
    y = np.array([obs[("ae_four_hour_all_types", p)] for p in both]) - 1.0
    return float((x * y).sum() / (x * x).sum())


def _share(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def real_value(row, observed: pd.DataFrame) -> float:
    """The observation on the scale the model is compared on (rating counts become shares)."""
    m, value = row.measure, float(row.value)
    if m.startswith("ccg_rating_"):
        same = observed[(observed.period == row.period) & observed.measure.str.startswith("ccg_rating_")]
        return _share(value, same.value.sum())
    if m.startswith("cqc_trust_rating_"):
        same = observed[(observed.period == row.period) & observed.measure.str.startswith("cqc_trust_rating_")]
        return _share(value, same.value.sum())
    if m == "ccgs_sharing_accountable_officer":
        ccgs = observed[(observed.measure == "ccgs")].set_index("period").value
        n = ccgs[ccgs.index <= row.period].iloc[-1]
        return _share(value, n)
    return value


class Row(NamedTuple):
    """An observation to answer: a measure in a period (YYYY-MM, or a financial year YYYY/YY)."""
    measure: str
    period: str


class Monthly:
    """One run's monthly table as columns (numpy arrays), looked up by date (YYYY-MM): what :func:`model_value`
    reads. Build it once per run (:func:`dated`) to answer many observations."""

    def __init__(self, columns: Mapping[str, Any]):
        self.columns = {name: np.asarray(values) for name, values in columns.items()}
        self.index = {str(d): i for i, d in enumerate(self.columns["date"])}

    def at(self, name: str, period: str) -> float:
        return self.columns[name][self.index[period]].item()

    def rows(self, months: list[str]) -> np.ndarray:
        return np.array([self.index[d] for d in months], dtype=np.int64)


def dated(run: pd.DataFrame | Mapping[str, Any] | Monthly) -> Monthly:
    """A run's monthly table (a frame, or its columns) as :class:`Monthly`."""
    if isinstance(run, Monthly):
        return run
    if isinstance(run, pd.DataFrame):
        columns = {name: run[name].to_numpy() for name in run.columns}
        if "date" not in columns:                  # indexed by date
            columns["date"] = run.index.to_numpy()
        return Monthly(columns)
    return Monthly(run)


def model_value(row, run: pd.DataFrame | Mapping[str, Any] | Monthly) -> float:
    """The model's answer to one observation, from one run's monthly table (a frame with a ``date`` column, its
    columns, or :func:`dated` of it, to read it once for many observations)."""
    m, period = row.measure, row.period
    t = dated(run)
    c = t.columns
    if m.startswith("ae_"):
        months = months_of(period)
        if any(d not in t.index for d in months):
            return float("nan")
        rows = t.rows(months)
        if m == "ae_type1_trusts_meeting_95":
            return float(c["share_acute_meeting_standard"][rows].mean())
        type1 = float(c["ae_type1_reported"][rows].mean())
        w = type1_weight()
        return type1 if m == "ae_four_hour_type1" else w * type1 + (1.0 - w)
    if "/" in period:
        months = [d for d in _fy_months(period) if d in t.index]
        if len(months) < 12:
            return float("nan")
        year, march = t.rows(months), months[-1]
        return {"provider_net_position": lambda: c["provider_net_flow"][year].sum() / 1000.0,
                "providers_in_deficit_share": lambda: t.at("share_trusts_in_deficit_ytd", march),
                "ccgs_overspent_against_plan": lambda: t.at("n_ccgs_overspent_ytd", march),
                "contract_fines": lambda: c["contract_fines"][year].sum()}.get(m, lambda: float("nan"))()
    if period not in t.index:
        return float("nan")
    i = t.index[period]
    if m == "ccgs":
        return t.at("n_ccgs", period)
    if m == "ccg_merger_events":
        return float(c["merger_events"][max(0, i - 11): i + 1].sum())
    if m.startswith("ccg_rating_"):
        return _share(t.at(m, period), t.at("n_ccgs", period))
    if m.startswith("cqc_trust_rating_"):
        return _share(t.at("trust_rating_" + m.removeprefix("cqc_trust_rating_"), period), t.at("n_trusts", period))
    if m.startswith("stp_dashboard_"):
        return t.at("dashboard_" + m.removeprefix("stp_dashboard_"), period)
    if m == "special_measures_time_in_regime":
        n = c["special_measures_exits"][: i + 1].sum()
        return float(c["special_measures_exit_months"][: i + 1].sum() / n) if n else float("nan")
    return {"ccgs_sharing_accountable_officer": lambda: _share(t.at("n_ccgs_sharing_ao", period),
                                                               t.at("n_ccgs", period)),
            "ccgs_under_legal_directions": lambda: t.at("n_ccgs_under_directions", period),
            "ccgs_cumulative_deficit": lambda: t.at("n_ccgs_in_deficit", period),
            "trusts_in_quality_special_measures": lambda: t.at("n_quality_special_measures", period),
            "trusts_in_financial_special_measures": lambda: t.at("n_financial_special_measures", period),
            # NHS Improvement's segments 3 (mandated support: formal undertakings or requirements for a suspected
            # breach of licence) and 4 (special measures): the model's warning, directions and special measures
            "providers_in_segments_3_4_share": lambda: _share(t.at("n_providers_escalated", period),
                                                              t.at("n_trusts", period)),
            }.get(m, lambda: float("nan"))()


# measure prefix -> (rule text, function(real, model mean) -> pass)
def _within_count(real: float, model: float) -> bool:
    return abs(model - real) <= max(6.0, 0.5 * abs(real))


TOLERANCE = [
    ("ccgs", "±10 %", lambda r, x: abs(x - r) <= 0.10 * r),
    ("ae_type1_trusts_meeting_95", "±10 points", lambda r, x: abs(x - r) <= 0.10),
    ("ae_four_hour_", "±3 points (stated here)", lambda r, x: abs(x - r) <= 0.03),
    ("ccg_merger_events", "±3 events (stated here)", lambda r, x: abs(x - r) <= 3.0),
    ("ccg_rating_inadequate", "±7 points", lambda r, x: abs(x - r) <= 0.07),
    ("ccg_rating_", "±15 points", lambda r, x: abs(x - r) <= 0.15),
    ("cqc_trust_rating_inadequate", "±7 points", lambda r, x: abs(x - r) <= 0.07),
    ("cqc_trust_rating_", "±15 points", lambda r, x: abs(x - r) <= 0.15),
    ("ccgs_sharing_accountable_officer", "±10 points of CCGs (stated here)", lambda r, x: abs(x - r) <= 0.10),
    ("provider_net_position", "same sign, within a factor of 2", lambda r, x: r * x > 0 and 0.5 <= x / r <= 2.0),
    ("contract_fines", "within a factor of 2 (stated here)", lambda r, x: x > 0 and 0.5 <= x / r <= 2.0),
    ("providers_in_deficit_share", "±15 points", lambda r, x: abs(x - r) <= 0.15),
    ("providers_in_segments_3_4_share", "±10 points (stated here)", lambda r, x: abs(x - r) <= 0.10),
    ("special_measures_time_in_regime", "±50 % (stated here)", lambda r, x: abs(x - r) <= 0.5 * r),
    ("stp_dashboard_", "±3 STPs (as the validation report)", lambda r, x: abs(x - r) <= 3.0),
    ("", "larger of 6 and 50 %", _within_count),
]


def tolerance(measure: str):
    """The rule for a measure: its exact name, else the longest prefix ending in ``_``, else the default."""
    for prefix, text, rule in TOLERANCE:
        if measure == prefix or (prefix.endswith("_") and measure.startswith(prefix)) or not prefix:
            return text, rule
    raise KeyError(measure)  # pragma: no cover - the last rule matches everything


def formatter(measure: str, real: float):
    """How a report prints the values of a row, in the row's own units (abm.units): shares as %, money in GBP m,
    counts as whole numbers, months."""
    from abm.units import fmt
    shares = ("ccg_rating_", "cqc_trust_rating_", "ccgs_sharing_accountable_officer", "providers_in_deficit_share",
              "providers_in_segments_3_4_share",
              "ae_")
    if measure.startswith(shares):
        return lambda v: fmt(v, "share")
    if measure == "provider_net_position":
        return lambda v: fmt(1000.0 * v, "gbp_m")                # observed in GBP bn over the year
    if measure == "contract_fines":
        return lambda v: fmt(v, "gbp_m")
    if measure == "special_measures_time_in_regime":
        return lambda v: fmt(v, "months")
    return lambda v: fmt(v, "number")


def judge(measure: str, real: float, model: float) -> bool:
    if not np.isfinite(model):
        return False
    return bool(tolerance(measure)[1](real, model))
