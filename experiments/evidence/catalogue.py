"""The published studies' designs, run inside the model: each finding the model can reproduce as a :class:`Design`
(the arms it needs, the model's figure, the published figure on the same scale, the tolerance, whether it joins the
calibration), and the findings it cannot reproduce, with the reason. Imported by the calibration
(``experiments.calibration.fit``) and by the validation report (``experiments.validation.effects``), which import
nothing of each other's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from experiments.evidence import trusts
from experiments.evidence.arms import ArmRun
from experiments.evidence.measures import (
    _gain,
    bottom_movers,
    control_totals_rejected,
    decade_gap,
    event_study,
    foundation_effect,
    fsm_cohort,
    fund_withdrawn,
    gain_not_true,
    gap_at,
    largest_ambulance_gap,
    leaders_kept_after_entry,
    misreporting_share,
    reintegrative_direction,
    reintegrative_symmetry,
    sm_cohort,
    sm_effect_at,
    sm_exit_first_cohort,
    sm_exit_later,
    sm_improvement,
    sm_reentry,
    sm_stay,
    tenure_months_rated,
    tenure_years,
    trust_and_effort,
    with_minus_without,
)


def load() -> pd.DataFrame:
    """The published findings, one a row (``abm/data/published_effects.csv``)."""
    with resources.files("abm.data").joinpath("published_effects.csv").open("rb") as fh:
        return pd.read_csv(fh)


# --- designs -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Design:
    """A published row reproduced in the model: the arms it needs, the model's figure, the published figure on the
    same scale, the tolerance (a rule on the model's mean) and whether it joins the calibration."""
    key: str
    what: str
    arms: tuple[str, ...]
    measure: Callable[[dict[str, ArmRun]], float]
    published: float
    tolerance: str
    bounds: tuple[float, float]        # the model's mean is within the tolerance when it lies between these
    fit: bool = False
    row: str = ""                      # the published row this design reproduces (part of), when not ``key``
    scale: float = 0.0                 # unit of the calibration's error outside the bounds (0: half their width)
    shown_as: str = "number"           # how a person reads the figure (abm.units: points, share, months, gbp_m, …)

    @property
    def published_row(self) -> str:
        return self.row or self.key

    def ok(self, x: float) -> bool:
        return bool(np.isfinite(x) and self.bounds[0] <= x <= self.bounds[1])

    @property
    def unit(self) -> float:
        return self.scale or (self.bounds[1] - self.bounds[0]) / 2.0


def _within(low: float, high: float) -> tuple[float, float]:
    return (low, high)


def _two_se(figure: tuple[float, float, int]) -> tuple[float, float]:
    """The data's figure plus or minus two of its standard errors."""
    value, se, _ = figure
    return (value - 2.0 * se, value + 2.0 * se)


SM_2013 = {year: trusts.sm_2013_data(year) for year in (2013, 2015)}     # (figure, standard error, trusts)
FSM_2016 = trusts.fsm_2016_data()


DESIGNS = [
    Design("ae_waits_targets_era", "targets era from April 2002 (the stick, star ratings against the standard, the "
           "standard moving from 90 % to 98 %, 7 % real funding growth and capacity that can follow it) from 77 %: gain "
           "in the reported four-hour share over 27 months", ("targets",), lambda r: _gain(r["targets"], 27),
           0.947 - 0.77, "before/after with the era's money in the model: half to 1.25 times the published gain",
           _within(0.5 * 0.177, 1.25 * 0.177), fit=True, shown_as="points"),
    Design("ae_four_hour_15_eds", "the same from 83.9 %: gain over 36 months", ("targets_15_eds",),
           lambda r: _gain(r["targets_15_eds"], 35), 0.963 - 0.839,
           "before/after with the era's money: half to 1.25 times the published gain", _within(0.062, 0.155), shown_as="points"),
    Design("ae_targets_no_dysfunction", "targets era: the reported gain over 27 months minus the true gain (a "
           "difference)", ("targets",), gain_not_true(27), 0.0,
           "no dysfunction found across the trusts: at most a third of the published 17.7-point gain is not true",
           _within(-0.01, 0.059), fit=True, shown_as="points"),
    Design("ambulance_england_vs_wales", "ambulance trusts' reported share, targets with sanctions minus targets "
           "without, after 24 months", ("targets", "targets_without_sanctions"),
           with_minus_without("perf_reported", ("ambulance",)), 0.762 - 0.54,
           "cross-country, not causal: positive and at most the published gap", _within(1e-9, 0.222), shown_as="points"),
    Design("targets_and_terror_direction", "acute true performance, targets with sanctions minus targets without, "
           "after 24 months", ("targets", "targets_without_sanctions"), with_minus_without("perf_true"), float("nan"),
           "difference-in-differences, direction only: England better", _within(1e-9, 1.0), scale=0.01, shown_as="points"),
    Design("target_benefit_mortality", "acute true performance with the target regime minus without (24 months)",
           ("targets", "targets_without_sanctions"), with_minus_without("perf_true"), float("nan"),
           "quasi-experimental, direction only (the model has no mortality): true performance better",
           _within(1e-9, 1.0), scale=0.01, shown_as="points"),
    Design("england_vs_wales_ae", "April 2002 to December 2013: the four-hour share (all types, reported), England's "
           "targets with sanctions minus targets without them, each with its own funding from 2010 (Wales: -1.5 % a "
           "year)", ("decade_england", "decade_wales"), decade_gap("wales"), 0.950 - 0.894,
           "cross-country, not causal: positive and at most the observed gap", _within(1e-9, 0.056), row="four_nations_ae",
           shown_as="points"),
    Design("england_vs_scotland_ae", "the same against Scotland's funding (-0.6 % a year from 2010)",
           ("decade_england", "decade_scotland"), decade_gap("scotland"), 0.950 - 0.935,
           "cross-country, not causal: positive and at most the observed gap", _within(1e-9, 0.015), row="four_nations_ae",
           shown_as="points"),
    Design("gaming_survey_gap", "targets era: reported minus true four-hour share after 24 months", ("targets",),
           gap_at("targets", 24), 0.96 - 0.77,
           "two measures of the same quantity, the survey's with errors of its own: at least 1 point and at most the "
           "19-point gap", _within(0.01, 0.19), fit=True, shown_as="points"),
    Design("gaming_audited_rate", "targets era: share of acute trusts whose reported share exceeds the true by 2 points "
           "or more after 24 months (a misstatement an audit would find: the 2 points are an assumption)",
           ("targets",), misreporting_share(24, 0.02), 0.03,
           "audits found deliberate misreporting at 9 of about 300 trusts and 3 of 41 suspected ones: from 3 % (what an "
           "audit of all finds, a floor) to 15 % (twice the rate among suspected trusts)", _within(0.03, 0.15),
           fit=True, shown_as="share"),
    Design("gaming_audited_ambulance", "targets era: the largest reported-minus-true gap of an ambulance trust",
           ("targets",), largest_ambulance_gap, 0.77 - 0.60,
           "a single audited case: some trust misreports by at least half as much, none by more than twice",
           _within(0.085, 0.34), shown_as="points"),
    Design("star_rating_zero_movers", "targets era: bottom 7 % by score after a year, share out of it a year later",
           ("targets",), bottom_movers, (8 + 9) / (10 + 14), "descriptive, small numbers: ±20 points",
           _within(17 / 24 - 0.2, 17 / 24 + 0.2), shown_as="share"),
    Design("special_measures_stay", "2013 replay: mean months in quality special measures of spells ended by April "
           "2017", ("replay",), sm_stay, 20.5, "the published range 20.5-24 months, ±6 months", _within(14.5, 30.0),
           shown_as="months"),
    Design("special_measures_exit_12m", "2013 replay: share of the July 2013 cohort out within 12 months",
           ("replay",), sm_exit_first_cohort, 5 / 11, "11 trusts: ±25 points", _within(5 / 11 - 0.25, 5 / 11 + 0.25),
           shown_as="share"),
    Design("special_measures_exit_12m_later", "2013 replay: share of later entrants out within 12 months",
           ("replay",), sm_exit_later, 0.0, "0 of 21: at most 15 %", _within(0.0, 0.15),
           row="special_measures_exit_12m", shown_as="share"),
    Design("special_measures_reentry", "2013 replay: share of trusts out of special measures by November 2017 "
           "placed again", ("replay",), sm_reentry, 3 / 21, "3 of 21: within 0-30 %", _within(0.0, 0.30), shown_as="share"),
    Design("foundation_autonomy_no_effect", "2013 replay: foundation trusts holding earned autonomy (the freedoms of "
           "foundation status), their true performance after 36 months against the same replay without, less the same "
           "difference at the other acute trusts", ("replay", "replay_foundation_autonomy"), foundation_effect(36), 0.0,
           "difference-in-differences: little evidence of any difference (within ±1 point)", _within(-0.01, 0.01),
           fit=True, shown_as="points"),
    Design("sm_2013_cohort_ae", "2013 replay: the trusts put in quality special measures in July 2013 (those with "
           "type 1 figures), change in their four-hour share from 2012/13 to 2015/16 minus that of the 3 trusts matched "
           "to each on 2012/13 share and attendances", ("replay",), sm_cohort(2015), SM_2013[2015][0],
           f"matched difference-in-differences on {SM_2013[2015][2]} trusts: the data's figure ±2 standard errors",
           _two_se(SM_2013[2015]), fit=True, shown_as="points"),
    Design("sm_2013_cohort_ae_2013", "the same, from 2012/13 to 2013/14", ("replay",), sm_cohort(2013),
           SM_2013[2013][0], f"the same on {SM_2013[2013][2]} trusts: ±2 standard errors", _two_se(SM_2013[2013]),
           row="sm_2013_cohort_ae", shown_as="points"),
    Design("fsm_2016_cohort_debt", "2013 replay: the five trusts put in financial special measures in July 2016, "
           "growth of their debt to March 2017 (GBP m) minus that of the 3 trusts matched to each on loans and "
           "attendances", ("replay",), fsm_cohort, FSM_2016[0],
           f"matched difference-in-differences on {FSM_2016[2]} trusts (DH loans as debt): ±2 standard errors",
           _two_se(FSM_2016), shown_as="gbp_m"),
    Design("special_measures_mortality", "2013 replay: the July 2013 trusts' change in true performance to August "
           "2014, minus England's", ("replay",), sm_improvement, float("nan"),
           "weak (regression to the mean), direction only: they improve more", _within(1e-9, 1.0), scale=0.01, shown_as="points"),
    Design("school_failure_analogy", "2013 replay: effect of special measures on the trusts placed (SD), 24 months "
           "after entry, against the same trusts without special measures", ("replay", "replay_no_special_measures"),
           sm_effect_at(24), 0.13, "an analogy (schools): 0 to 0.3 standard deviations", _within(0.0, 0.3)),
    Design("school_failure_analogy_48", "the same, 48 months after entry (the 2013 cohort)",
           ("replay", "replay_no_special_measures"), sm_effect_at(48), 0.0,
           "an analogy (schools): gone by four years (within ±0.1 standard deviations)", _within(-0.1, 0.1),
           row="school_failure_analogy"),
    Design("inspection_no_effect", "2013 replay: true performance of acute trusts 12 months after an inspection, "
           "against trusts not inspected", ("replay",), lambda r: event_study(r, "perf_true", "inspection", 12), 0.0,
           "controlled ITS: no positive clinically significant effect (at most +1 point)", _within(-1.0, 0.01),
           shown_as="points"),
    Design("inspection_no_effect_ed", "2013 replay: reported A&E share 6 months after an inspection, against trusts "
           "not inspected", ("replay",), lambda r: event_study(r, "perf_reported", "inspection", 6), 0.0,
           "before/after: no change (within ±1 point)", _within(-0.01, 0.01), shown_as="points"),
    Design("control_totals_rejected", "2013 replay: share of trusts refusing their control total, April 2016",
           ("replay",), control_totals_rejected, 1 / 3, "about one third: ±10 points", _within(0.233, 0.433), shown_as="share"),
    Design("stf_deficit", "2013 replay without the fund: provider net position 2016/17 against 2015/16 (share of "
           "the 2015/16 deficit)", ("replay", "replay_no_fund"), fund_withdrawn, (-0.791 - 1.8 + 2.447) / 2.447,
           "descriptive: within ±25 % of the 2015/16 deficit", _within(-0.31, 0.19), shown_as="share"),
    Design("ceo_tenure", "2013 replay: median tenure of trust leaders, April 2018 (years)", ("replay",),
           tenure_years("2018-04"), 3.0, "national survey: ±0.75 years", _within(2.25, 3.75), fit=True, shown_as="years"),
    Design("ceo_tenure_2014", "2013 replay: the same, April 2014 (years)", ("replay",), tenure_years("2014-04"), 2.5,
           "national survey: ±0.75 years", _within(1.75, 3.25), row="ceo_tenure", shown_as="years"),
    Design("ceo_tenure_by_rating", "2013 replay: median tenure of leaders of trusts rated inadequate, July 2017 "
           "(months)", ("replay",), tenure_months_rated(0), 11.0, "13 trusts: within 4-24 months",
           _within(4.0, 24.0), fit=True, shown_as="months"),
    Design("ceo_tenure_outstanding", "2013 replay: the same for trusts rated outstanding (months)", ("replay",),
           tenure_months_rated(3), 85.0, "14 trusts; the replay's leaders can hold office at most 99 months by then: "
                                         "at least 36 months", _within(36.0, 120.0), row="ceo_tenure_by_rating",
           shown_as="months"),
    Design("zero_star_ceos", "2013 replay: share of trusts entering special measures whose leader is in post five "
           "months later", ("replay",), leaders_kept_after_entry, 8 / 12, "12 trusts: ±20 points",
           _within(8 / 12 - 0.2, 8 / 12 + 0.2), fit=True, shown_as="share"),
    Design("ceo_effect_small", "2013 replay: true performance of acute trusts 12 months after a new leader, against "
           "trusts without one", ("replay",), lambda r: event_study(r, "perf_true", "leader", 12), 0.0,
           "panel: little impact (within ±1 point)", _within(-0.01, 0.01), shown_as="points"),
    Design("trust_and_compliance", "2013 replay, stick from April 2014: trusts under a warning or more, change in "
           "true performance of the most trusting third minus the least trusting", ("stick_from_2014",),
           trust_and_effort,
           float("nan"), "observational, direction only: compliance better where trust is higher",
           _within(1e-9, 1.0), scale=0.01, shown_as="points"),
    Design("reintegrative_vs_stigmatising", "2013 replay from April 2014: for bodies failing at the switch, the "
           "smaller of the carrot's gain and the stick's loss in true performance against the style as it was",
           ("replay", "carrot_from_2014", "stick_from_2014"), reintegrative_direction, float("nan"),
           "direction: the reintegrative style improves, the stigmatising one worsens (both above 0)",
           _within(1e-9, 1.0), scale=0.01, shown_as="points"),
    Design("reintegrative_symmetry", "the same: the stick's loss over the carrot's gain",
           ("replay", "carrot_from_2014", "stick_from_2014"), reintegrative_symmetry, 1.0,
           "roughly equal and opposite: the ratio within 0.5-2", _within(0.5, 2.0),
           row="reintegrative_vs_stigmatising"),
]

# Rows that restate a formula of the model, so cannot fail whatever the parameters: not counted, not fitted.
BY_CONSTRUCTION = {
    "trust_and_compliance": "the rule itself: under pressure, effort rises with trust in the regulator "
                            "(effort.deterrence, legitimacy_share)",
}
# A model measure that appears in more than one row counts once: the first row named here stands for the others.
SAME_MEASURE = {"target_benefit_mortality": "targets_and_terror_direction"}
DISCRIMINATES = 0.9     # a row passing at this share of prior draws or more does not discriminate
DISCRIMINATION_FILE = "design_discrimination.csv"    # abm/data: each design's pass rate across the prior


def discrimination() -> pd.DataFrame:
    """Each design's pass rate across the prior box and its status (``python -m experiments effects`` writes it):
    counted, does not discriminate, by construction, or same measure as another. Empty if not yet measured."""
    path = resources.files("abm.data").joinpath(DISCRIMINATION_FILE)
    if not path.is_file():
        return pd.DataFrame(columns=["design", "prior_pass", "prior_draws", "status", "model_version"])
    with path.open("rb") as fh:
        return pd.read_csv(fh)


def status(key: str, prior_pass: float) -> str:
    """Whether a design counts as evidence: by construction, the same measure as another, not discriminating (it
    passes at 90 % or more of the prior's draws), or counted."""
    if key in BY_CONSTRUCTION:
        return f"by construction: {BY_CONSTRUCTION[key]}"
    if key in SAME_MEASURE:
        return f"same measure as {SAME_MEASURE[key]}"
    if np.isfinite(prior_pass) and prior_pass >= DISCRIMINATES:
        return "does not discriminate"
    return "counted"


NOT_REPRODUCIBLE = {
    "elective_waits_fall": "the model has no elective waiting lists (its performance is a share seen within a "
                           "standard, not weeks waited)",
    "threshold_bunching": "the model has no patient-level times; its misreporting rises to the threshold and no further "
                          "(the mechanism this finding informs)",
    "p4p_advancing_quality": "the model has no payment for quality beyond the CQUIN share withheld from contracts, and "
                             "no effort response to a bonus",
    "p4p_fades": "as p4p_advancing_quality",
    "exec_vacancies_by_rating": "the model fills a leader's post the month it falls vacant",
}


# --- running the designs --------------------------------------------------------------------------------------------
def fitted() -> list[Design]:
    """The designs whose figures join the calibration's distance: those marked ``fit`` that count as evidence (not by
    construction, not the same measure as another, and discriminating across the prior where that was measured)."""
    measured = discrimination().set_index("design").status if len(discrimination()) else {}
    return [d for d in DESIGNS if d.fit and status(d.key, np.nan) == "counted"
            and measured.get(d.key, "counted") == "counted"]


def arms_of(designs: list[Design]) -> list[str]:
    return list(dict.fromkeys(a for d in designs for a in d.arms))


def measure(values: list[dict[str, float]], replicates: list[int], designs: list[Design] | None = None) -> np.ndarray:
    """Every design's figure (columns) for each parameter set at its replicate (rows): the arms each run once, as
    batches of runs with different parameters, the runs of one row sharing their random numbers."""
    from experiments.evidence.arms import run_arm
    designs = DESIGNS if designs is None else designs
    runs = {arm: run_arm(arm, values, replicates) for arm in arms_of(designs)}
    out = np.full((len(values), len(designs)), np.nan)
    for k in range(len(values)):
        for j, d in enumerate(designs):
            with np.errstate(invalid="ignore", divide="ignore"):
                out[k, j] = d.measure({a: runs[a][k] for a in d.arms})
    return out


