"""What published studies measured, reproduced by running their designs inside the model (indirect inference).

    python -m experiments effects [--replications 10] [--jobs 2] [--smoke] [--out outputs/effects]

``abm/data/published_effects.csv`` (copied from the project's reference data, with its README) lists one finding a
row: the targets era of 2002-2006, gaming, special measures, inspection, leaders, pay for performance, the
sustainability fund. For each row the model can reproduce, :data:`DESIGNS` builds the same comparison, over the same
horizon, with the resources of the time where the design's period had them (the arms of
:mod:`experiments.validation.designs`), and states a tolerance that reflects the design: a before/after with growing
budgets is compared with the era's money in the model; a cross-country gap is not causal, so it bounds a difference
and fixes its sign; a direction-only finding constrains a sign or a symmetry. The other rows are listed with the
reason they cannot be reproduced (:data:`NOT_REPRODUCIBLE`). Each replication runs every arm at its own posterior
draw, the arms sharing their random numbers. Writes ``effects.csv`` and ``effects.md``.

The rows marked ``fit`` join the calibration's distance (``experiments.calibration.fit``); the others are held out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from abm.units import fmt
from experiments.validation.designs import SWITCH, ArmRun


def load() -> pd.DataFrame:
    """The published findings, one a row (``abm/data/published_effects.csv``)."""
    with resources.files("abm.data").joinpath("published_effects.csv").open("rb") as fh:
        return pd.read_csv(fh)


# --- measures (each: the arms' runs of one replication -> the model's figure) ------------------------------------
def _gain(run: ArmRun, months: int, column: str = "ae_type1_reported") -> float:
    c = run.columns[column]
    return float(c[min(months, len(c) - 1)] - c[0])


def _months_in(run: ArmRun, kind: int) -> list[tuple[int, int, int]]:
    """Spells of trusts in a regime kind (1 quality special measures): (trust, first month, last month or -1)."""
    held = run.panel("regime_kind") == kind
    spells = []
    for i in np.flatnonzero(held.any(axis=0)):
        months = held[:, i].astype(int)
        starts = np.flatnonzero(np.diff(np.r_[0, months]) == 1)
        ends = np.flatnonzero(np.diff(np.r_[months, 0]) == -1)
        spells += [(int(i), int(s), int(e) if e < len(months) - 1 else -1) for s, e in zip(starts, ends, strict=True)]
    return spells


def sm_stay(runs: dict[str, ArmRun]) -> float:
    """Mean months in quality special measures of the spells ended by April 2017."""
    run = runs["replay"]
    until = run.month("2017-04")
    done = [e - s + 1 for _, s, e in _months_in(run, 1) if 0 <= e <= until]
    return float(np.mean(done)) if done else float("nan")


def sm_exit_first_cohort(runs: dict[str, ArmRun]) -> float:
    """Share of the trusts placed in July 2013 out of special measures within 12 months."""
    run = runs["replay"]
    placed = run.month("2013-07")
    first = [(s, e) for _, s, e in _months_in(run, 1) if s == placed]
    return float(np.mean([0 <= e < s + 12 for s, e in first])) if first else float("nan")


def sm_exit_later(runs: dict[str, ArmRun]) -> float:
    """Share of later entrants (to April 2017) out of special measures within 12 months."""
    run = runs["replay"]
    placed, until = run.month("2013-07"), run.month("2017-04")
    later = [(s, e) for _, s, e in _months_in(run, 1) if placed < s <= until - 12]
    return float(np.mean([0 <= e < s + 12 for s, e in later])) if later else float("nan")


def sm_reentry(runs: dict[str, ArmRun]) -> float:
    """Share of the trusts that left quality special measures by November 2017 that were placed again by then."""
    run = runs["replay"]
    until = run.month("2017-11")
    spells = [(i, s, e) for i, s, e in _months_in(run, 1) if s <= until]
    left = {i for i, _, e in spells if 0 <= e < until}
    again = {i for i in left if sum(1 for j, s, _ in spells if j == i) > 1}
    return len(again) / len(left) if left else float("nan")


def sm_improvement(runs: dict[str, ArmRun]) -> float:
    """Change in true performance of the trusts placed in July 2013, July 2013 to August 2014, minus England's."""
    run = runs["replay"]
    a, b = run.month("2013-07"), run.month("2014-08")
    perf = run.panel("perf_true")
    placed = (run.panel("regime_kind")[a] == 1)
    trusts = run.of("acute", "mental_health", "community", "ambulance")
    return float((perf[b, placed] - perf[a, placed]).mean() - (perf[b, trusts] - perf[a, trusts]).mean())


def sm_effect_at(months: int) -> Callable[[dict[str, ArmRun]], float]:
    """The effect of quality special measures on the trusts placed in them (2013-2015): their true performance
    ``months`` after entry minus the same trusts' in the run without special measures (common random numbers), in
    standard deviations of true performance across trusts at entry."""
    def measure(runs: dict[str, ArmRun]) -> float:
        run, without = runs["replay"], runs["replay_no_special_measures"]
        last = run.month("2016-03")
        perf, other = run.panel("perf_true"), without.panel("perf_true")
        trusts = run.of("acute", "mental_health", "community", "ambulance")
        effects = []
        for i, s, _ in _months_in(run, 1):
            if s <= last and s + months < len(perf):
                sd = perf[s, trusts].std()
                effects.append((perf[s + months, i] - other[s + months, i]) / max(sd, 1e-9))
        return float(np.mean(effects)) if effects else float("nan")
    return measure


def tenure_years(date: str) -> Callable[[dict[str, ArmRun]], float]:
    def measure(runs: dict[str, ArmRun]) -> float:
        run = runs["replay"]
        trusts = run.of("acute", "mental_health", "community", "ambulance")
        return float(np.median(run.panel("tenure")[run.month(date), trusts]) / 12.0)
    return measure


def tenure_months_rated(rating: int) -> Callable[[dict[str, ArmRun]], float]:
    """Median tenure (months) in July 2017 of trust leaders by CQC rating (0 inadequate, 3 outstanding)."""
    def measure(runs: dict[str, ArmRun]) -> float:
        run = runs["replay"]
        t = run.month("2017-07")
        rated = run.of("acute", "mental_health", "community", "ambulance") & (run.panel("rating")[t] == rating)
        return float(np.median(run.panel("tenure")[t, rated])) if rated.any() else float("nan")
    return measure


def leaders_kept_after_entry(runs: dict[str, ArmRun]) -> float:
    """Share of trusts entering special measures whose leader is still in post five months later."""
    run = runs["replay"]
    tenure, kept = run.panel("tenure"), []
    for kind in (1, 2):
        for i, s, _ in _months_in(run, kind):
            if s > 0 and s + 5 < len(tenure):
                kept.append(tenure[s + 5, i] >= tenure[s, i] + 5)
    return float(np.mean(kept)) if kept else float("nan")


def control_totals_rejected(runs: dict[str, ArmRun]) -> float:
    run = runs["replay"]
    return 1.0 - run.at("control_totals_accepted", "2016-04") / run.at("n_trusts", "2016-04")


def fund_withdrawn(runs: dict[str, ArmRun]) -> float:
    """The provider sector's net position over 2016/17 without the sustainability fund, against 2015/16's, as a
    share of 2015/16's deficit (the fund's absence: 'only slightly better')."""
    def net(run: ArmRun, fy: int) -> float:
        i = run.month(f"{fy}-04")
        return float(run.columns["provider_net_flow"][i:i + 12].sum())
    before = net(runs["replay"], 2015)
    return (net(runs["replay_no_fund"], 2016) - before) / abs(before) if before else float("nan")


def event_study(runs: dict[str, ArmRun], column: str, event: str, after: int) -> float:
    """Change in an organisation measure from the month before an event to ``after`` months later, at acute trusts
    with the event, minus the same change at acute trusts without it in the same window (April 2014 - April 2016).
    Events: an inspection (the CQC's staggered cycle), or a new leader (tenure back to 0)."""
    run = runs["replay"]
    values = run.panel(column)
    acute = run.of("acute")
    first, last = run.month("2014-04"), run.month("2016-04")
    diffs = []
    for t in range(first, last):
        if event == "inspection":
            hit = acute & (run.slot == t % run.interval)
        else:
            hit = acute & (run.panel("tenure")[t] == 0)
        rest = acute & ~hit
        if hit.any() and rest.any() and t + after < len(values):
            change = values[t + after] - values[t - 1]
            diffs.append(change[hit].mean() - change[rest].mean())
    return float(np.mean(diffs)) if diffs else float("nan")


def gap_at(arm: str, months: int) -> Callable[[dict[str, ArmRun]], float]:
    def measure(runs: dict[str, ArmRun]) -> float:
        run = runs[arm]
        return float(run.columns["ae_type1_reported"][months] - run.columns["ae_type1_true"][months])
    return measure


def true_share_of_gain(runs: dict[str, ArmRun]) -> float:
    """Of the targets era's reported gain over 27 months, the share that is a true gain."""
    reported = _gain(runs["targets"], 27)
    return _gain(runs["targets"], 27, "ae_type1_true") / reported if reported > 0 else float("nan")


def largest_ambulance_gap(runs: dict[str, ArmRun]) -> float:
    run = runs["targets"]
    t, amb = 24, run.of("ambulance")
    return float((run.panel("perf_reported")[t, amb] - run.panel("perf_true")[t, amb]).max())


def with_minus_without(column: str, kinds: tuple[str, ...] = ("acute",), months: int = 24) -> Callable:
    """A measure of trusts of ``kinds`` under the targets regime minus the same without sanctions (paired)."""
    def measure(runs: dict[str, ArmRun]) -> float:
        a, b = runs["targets"], runs["no_sanctions"]
        mask = a.of(*kinds)
        return float(a.panel(column)[months, mask].mean() - b.panel(column)[months, mask].mean())
    return measure


def bottom_movers(runs: dict[str, ArmRun]) -> float:
    """Under the targets regime's yearly assessment: of the trusts in the bottom 7 % by assessed score after a
    year (the zero-star trusts: 24 of some 170), the share out of the bottom 7 % a year later."""
    run = runs["targets"]
    score = run.panel("score")
    trusts = np.flatnonzero(run.of("acute", "mental_health", "community", "ambulance"))
    n = max(int(round(0.07 * len(trusts))), 1)
    bottom = set(trusts[np.argsort(score[12, trusts], kind="stable")[:n]].tolist())
    later = set(trusts[np.argsort(score[24, trusts], kind="stable")[:n]].tolist())
    return len(bottom - later) / len(bottom)


def style_change(runs: dict[str, ArmRun], arm: str) -> float:
    """Change in true performance over the year after the style switch (April 2014) of the trusts and CCGs that were
    failing then (score below the threshold; a common history up to the switch), in ``arm`` minus as it was."""
    base, other = runs["replay"], runs[arm]
    t = base.month(SWITCH)
    failing = base.of("acute", "mental_health", "community", "ambulance", "ccg") & (base.panel("score")[t] < 0.4)
    if not failing.any():
        return float("nan")
    return float(other.panel("perf_true")[t + 12, failing].mean() - base.panel("perf_true")[t + 12, failing].mean())


def reintegrative_direction(runs: dict[str, ArmRun]) -> float:
    """For the bodies failing at the switch: the smaller of the carrot's gain and the stick's loss against the style
    as it was (positive when the reintegrative style improves and the stigmatising one worsens)."""
    carrot, stick = style_change(runs, "carrot_from_2014"), style_change(runs, "stick_from_2014")
    return min(carrot, -stick)


def reintegrative_symmetry(runs: dict[str, ArmRun]) -> float:
    """The stick's loss against the carrot's gain for the bodies failing at the switch: -(stick - as was) divided by
    (carrot - as was); 1 when they are equal and opposite."""
    carrot, stick = style_change(runs, "carrot_from_2014"), style_change(runs, "stick_from_2014")
    return -stick / carrot if carrot > 0 else float("nan")


def trust_and_effort(runs: dict[str, ArmRun]) -> float:
    """Among trusts under a warning or more after the switch to the stick, the change in true performance over the
    next year of the third most trusting of their regulators minus the third least trusting."""
    run = runs["stick_from_2014"]
    t = run.month("2014-07")
    pressed = np.flatnonzero(run.of("acute", "mental_health", "community", "ambulance")
                             & (run.panel("escalation")[t] >= 2))
    if len(pressed) < 6:
        return float("nan")
    trust = run.panel("trust_in_regulators")[t, pressed]
    change = run.panel("perf_true")[t + 12, pressed] - run.panel("perf_true")[t, pressed]
    low, high = np.quantile(trust, [1 / 3, 2 / 3])
    return float(change[trust >= high].mean() - change[trust <= low].mean())


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


DESIGNS = [
    Design("ae_waits_targets_era", "targets era (stick, the standard, 7 % real funding growth) from 77 %: gain in the "
           "four-hour share over 27 months", ("targets",), lambda r: _gain(r["targets"], 27), 0.947 - 0.77,
           "before/after with the era's money in the model: half to 1.25 times the published gain",
           _within(0.5 * 0.177, 1.25 * 0.177), fit=True),
    Design("ae_four_hour_15_eds", "the same from 83.9 %: gain over 36 months", ("targets_15_eds",),
           lambda r: _gain(r["targets_15_eds"], 35), 0.963 - 0.839,
           "before/after with the era's money: half to 1.25 times the published gain", _within(0.062, 0.155)),
    Design("ae_targets_no_dysfunction", "targets era: share of the reported gain that is true", ("targets",),
           true_share_of_gain, 1.0, "no dysfunction found: most of the gain is real (at least half)",
           _within(0.5, 1.0)),
    Design("ambulance_england_vs_wales", "ambulance trusts' reported share, targets minus no sanctions, after 24 "
           "months", ("targets", "no_sanctions"), with_minus_without("perf_reported", ("ambulance",)), 0.762 - 0.54,
           "cross-country, not causal: positive and at most the published gap", _within(1e-9, 0.222)),
    Design("targets_and_terror_direction", "acute true performance, targets minus no sanctions, after 24 months",
           ("targets", "no_sanctions"), with_minus_without("perf_true"), float("nan"),
           "difference-in-differences, direction only: England better", _within(1e-9, 1.0), scale=0.01),
    Design("target_benefit_mortality", "acute true performance with the target regime minus without (24 months)",
           ("targets", "no_sanctions"), with_minus_without("perf_true"), float("nan"),
           "quasi-experimental, direction only (the model has no mortality): true performance better",
           _within(1e-9, 1.0), scale=0.01),
    Design("gaming_survey_gap", "targets era: reported minus true four-hour share after 24 months", ("targets",),
           gap_at("targets", 24), 0.96 - 0.77,
           "two measures of the same quantity, the survey's with its own errors: above 0 and at most the gap",
           _within(1e-9, 0.19), fit=True),
    Design("gaming_audited_ambulance", "targets era: the largest reported-minus-true gap of an ambulance trust",
           ("targets",), largest_ambulance_gap, 0.77 - 0.60,
           "a single audited case: some trust misreports by at least half as much, none by more than twice",
           _within(0.085, 0.34)),
    Design("star_rating_zero_movers", "targets era: bottom 7 % by score after a year, share out of it a year later",
           ("targets",), bottom_movers, (8 + 9) / (10 + 14), "descriptive, small numbers: ±20 points",
           _within(17 / 24 - 0.2, 17 / 24 + 0.2)),
    Design("special_measures_stay", "2013 replay: mean months in quality special measures of spells ended by April "
           "2017", ("replay",), sm_stay, 20.5, "the published range 20.5-24 months, ±6 months", _within(14.5, 30.0)),
    Design("special_measures_exit_12m", "2013 replay: share of the July 2013 cohort out within 12 months",
           ("replay",), sm_exit_first_cohort, 5 / 11, "11 trusts: ±25 points", _within(5 / 11 - 0.25, 5 / 11 + 0.25)),
    Design("special_measures_exit_12m_later", "2013 replay: share of later entrants out within 12 months",
           ("replay",), sm_exit_later, 0.0, "0 of 21: at most 15 %", _within(0.0, 0.15),
           row="special_measures_exit_12m"),
    Design("special_measures_reentry", "2013 replay: share of trusts out of special measures by November 2017 "
           "placed again", ("replay",), sm_reentry, 3 / 21, "3 of 21: within 0-30 %", _within(0.0, 0.30)),
    Design("special_measures_mortality", "2013 replay: the July 2013 trusts' change in true performance to August "
           "2014, minus England's", ("replay",), sm_improvement, float("nan"),
           "weak (regression to the mean), direction only: they improve more", _within(1e-9, 1.0), scale=0.01),
    Design("school_failure_analogy", "2013 replay: effect of special measures on the trusts placed (SD), 24 months "
           "after entry, against the same trusts without special measures", ("replay", "replay_no_special_measures"),
           sm_effect_at(24), 0.13, "an analogy (schools): 0 to 0.3 standard deviations", _within(0.0, 0.3)),
    Design("school_failure_analogy_48", "the same, 48 months after entry (the 2013 cohort)",
           ("replay", "replay_no_special_measures"), sm_effect_at(48), 0.0,
           "an analogy (schools): gone by four years (within ±0.1 standard deviations)", _within(-0.1, 0.1),
           row="school_failure_analogy"),
    Design("inspection_no_effect", "2013 replay: true performance of acute trusts 12 months after an inspection, "
           "against trusts not inspected", ("replay",), lambda r: event_study(r, "perf_true", "inspection", 12), 0.0,
           "controlled ITS: no positive clinically significant effect (at most +1 point)", _within(-1.0, 0.01)),
    Design("inspection_no_effect_ed", "2013 replay: reported A&E share 6 months after an inspection, against trusts "
           "not inspected", ("replay",), lambda r: event_study(r, "perf_reported", "inspection", 6), 0.0,
           "before/after: no change (within ±1 point)", _within(-0.01, 0.01)),
    Design("control_totals_rejected", "2013 replay: share of trusts refusing their control total, April 2016",
           ("replay",), control_totals_rejected, 1 / 3, "about one third: ±10 points", _within(0.233, 0.433)),
    Design("stf_deficit", "2013 replay without the fund: provider net position 2016/17 against 2015/16 (share of "
           "the 2015/16 deficit)", ("replay", "replay_no_fund"), fund_withdrawn, (-0.791 - 1.8 + 2.447) / 2.447,
           "descriptive: within ±25 % of the 2015/16 deficit", _within(-0.31, 0.19)),
    Design("ceo_tenure", "2013 replay: median tenure of trust leaders, April 2018 (years)", ("replay",),
           tenure_years("2018-04"), 3.0, "national survey: ±0.75 years", _within(2.25, 3.75), fit=True),
    Design("ceo_tenure_2014", "2013 replay: the same, April 2014 (years)", ("replay",), tenure_years("2014-04"), 2.5,
           "national survey: ±0.75 years", _within(1.75, 3.25), row="ceo_tenure"),
    Design("ceo_tenure_by_rating", "2013 replay: median tenure of leaders of trusts rated inadequate, July 2017 "
           "(months)", ("replay",), tenure_months_rated(0), 11.0, "13 trusts: within 4-24 months",
           _within(4.0, 24.0), fit=True),
    Design("ceo_tenure_outstanding", "2013 replay: the same for trusts rated outstanding (months)", ("replay",),
           tenure_months_rated(3), 85.0, "14 trusts; the replay's leaders can hold office at most 99 months by then: "
                                         "at least 36 months", _within(36.0, 120.0), row="ceo_tenure_by_rating"),
    Design("zero_star_ceos", "2013 replay: share of trusts entering special measures whose leader is in post five "
           "months later", ("replay",), leaders_kept_after_entry, 8 / 12, "12 trusts: ±20 points",
           _within(8 / 12 - 0.2, 8 / 12 + 0.2), fit=True),
    Design("ceo_effect_small", "2013 replay: true performance of acute trusts 12 months after a new leader, against "
           "trusts without one", ("replay",), lambda r: event_study(r, "perf_true", "leader", 12), 0.0,
           "panel: little impact (within ±1 point)", _within(-0.01, 0.01)),
    Design("trust_and_compliance", "2013 replay, stick from April 2014: trusts under a warning or more, change in "
           "true performance of the most trusting third minus the least trusting", ("stick_from_2014",),
           trust_and_effort,
           float("nan"), "observational, direction only: compliance better where trust is higher",
           _within(1e-9, 1.0), scale=0.01),
    Design("reintegrative_vs_stigmatising", "2013 replay from April 2014: for bodies failing at the switch, the "
           "smaller of the carrot's gain and the stick's loss in true performance against the style as it was",
           ("replay", "carrot_from_2014", "stick_from_2014"), reintegrative_direction, float("nan"),
           "direction: the reintegrative style improves, the stigmatising one worsens (both above 0)",
           _within(1e-9, 1.0), fit=True, scale=0.01),
    Design("reintegrative_symmetry", "the same: the stick's loss over the carrot's gain",
           ("replay", "carrot_from_2014", "stick_from_2014"), reintegrative_symmetry, 1.0,
           "roughly equal and opposite: the ratio within 0.5-2", _within(0.5, 2.0),
           row="reintegrative_vs_stigmatising"),
]

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
    """The designs whose figures join the calibration's distance."""
    return [d for d in DESIGNS if d.fit]


def arms_of(designs: list[Design]) -> list[str]:
    return list(dict.fromkeys(a for d in designs for a in d.arms))


def measure(values: list[dict[str, float]], replicates: list[int], designs: list[Design] | None = None) -> np.ndarray:
    """Every design's figure (columns) for each parameter set at its replicate (rows): the arms each run once, as
    batches of runs with different parameters, the runs of one row sharing their random numbers."""
    from experiments.validation.designs import run_arm
    designs = DESIGNS if designs is None else designs
    runs = {arm: run_arm(arm, values, replicates) for arm in arms_of(designs)}
    out = np.full((len(values), len(designs)), np.nan)
    for k in range(len(values)):
        for j, d in enumerate(designs):
            with np.errstate(invalid="ignore", divide="ignore"):
                out[k, j] = d.measure({a: runs[a][k] for a in d.arms})
    return out


def draws(replications: int) -> tuple[list[dict[str, float]], list[int]]:
    """The calibrated parameters of posterior draws 0, 1, ... (one per replication) and the replicates."""
    from abm import posterior
    table = posterior.table()
    names = posterior.parameters()
    if table is None or not names:
        return [{} for _ in range(replications)], list(range(replications))
    rows = [table.iloc[k % len(table)] for k in range(replications)]
    return [{n: float(r[n]) for n in names} for r in rows], list(range(replications))


def report(figures: np.ndarray, out: Path, replications: int) -> pd.DataFrame:
    """Write effects.csv and effects.md: every published row, reproduced (model [interval] against published) or
    not reproducible (why)."""
    published = load().set_index("key")
    rows = []
    for j, d in enumerate(DESIGNS):
        v = figures[:, j]
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if len(v) else float("nan")
        lo, hi = (float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95))) if len(v) else (np.nan, np.nan)
        src = published.loc[d.published_row]
        rows.append({"design": d.key, "row": d.published_row, "finding": f"{src.value} ({src.unit}, {src.period})",
                     "design_in_model": d.what, "model_mean": mean, "model_low": lo, "model_high": hi,
                     "published": d.published, "tolerance": d.tolerance, "within": d.ok(mean), "n": len(v),
                     "use": "fit" if d.fit else "held out", "reference": src.reference})
    for key, why in NOT_REPRODUCIBLE.items():
        src = published.loc[key]
        rows.append({"design": key, "row": key, "finding": f"{src.value} ({src.unit}, {src.period})",
                     "design_in_model": f"not reproducible: {why}", "model_mean": np.nan, "model_low": np.nan,
                     "model_high": np.nan, "published": np.nan, "tolerance": "", "within": None, "n": 0,
                     "use": "", "reference": src.reference})
    table = pd.DataFrame(rows)
    missing = sorted(set(published.index) - set(table.row))
    if missing:
        raise ValueError(f"published rows with neither a design nor a reason: {', '.join(missing)}")
    table.to_csv(out / "effects.csv", index=False)
    designed = table[table.within.notna()]
    rows_ok = designed.groupby("row").within.all()
    lines = ["# Published effects reproduced inside the model", "",
             f"`python -m experiments effects`: each design run {replications} times, each replication at its own "
             "posterior draw with every arm sharing its random numbers; model mean [5-95 % of replications] against "
             "the published figure, judged by the design's tolerance (`experiments/validation/effects.py`).", "",
             f"**{int(rows_ok.sum())} of {len(rows_ok)} published rows with a design are reproduced within tolerance** "
             f"({int(designed.within.sum())} of {len(designed)} design figures); "
             f"{len(NOT_REPRODUCIBLE)} rows cannot be reproduced (reasons below). Fit rows joined the calibration's "
             "distance; the others are held out.", "",
             "| row | design in the model | model [5-95 %] | published | tolerance | within | use |",
             "|---|---|---|---|---|---|---|"]
    for r in designed.itertuples():
        lines.append(f"| `{r.design}` | {r.design_in_model} | {_fmt(r.model_mean)} [{_fmt(r.model_low)}, "
                     f"{_fmt(r.model_high)}] | {r.finding} | {r.tolerance} | {'yes' if r.within else 'NO'} | {r.use} |")
    lines += ["", "Not reproducible:", ""]
    lines += [f"- `{k}`: {why}." for k, why in NOT_REPRODUCIBLE.items()]
    lines += ["", "References: `abm/data/published_effects.csv`.", ""]
    (out / "effects.md").write_text("\n".join(lines))
    return table


def _fmt(x: float) -> str:
    return fmt(x, "number")


def main(argv: list[str] | None = None) -> int:
    from joblib import delayed

    from experiments.calibration.screening import chunks
    from experiments.progress import run_parallel
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10, help="replications, each at its own posterior draw")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--smoke", action="store_true", help="two replications (the tests' profile)")
    ap.add_argument("--out", type=Path, default=Path("outputs/effects"))
    args = ap.parse_args(argv)
    reps = 2 if args.smoke else args.replications
    if reps < 1 or args.jobs < 1:
        print(f"error: --replications={reps} and --jobs={args.jobs} must be at least 1", file=sys.stderr)
        return 2
    values, replicates = draws(reps)
    parts = chunks(list(range(reps)), -(-reps // args.jobs))
    results = run_parallel([delayed(measure)([values[k] for k in part], [replicates[k] for k in part])
                            for part in parts], args.jobs, "effects", unit="batch")
    args.out.mkdir(parents=True, exist_ok=True)
    table = report(np.vstack(results), args.out, reps)
    designed = table[table.within.notna()]
    print(f"{int(designed.groupby('row').within.all().sum())} of {designed.row.nunique()} published rows reproduced "
          f"within tolerance; report: {(args.out / 'effects.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
