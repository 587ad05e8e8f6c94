"""The model's figure for each published effect: functions of the arms' runs of one replicate
(:class:`experiments.evidence.arms.ArmRun`), one per design of :mod:`experiments.evidence.catalogue`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from experiments.evidence.arms import SWITCH, ArmRun


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


def gain_not_true(months: int) -> Callable[[dict[str, ArmRun]], float]:
    """The targets era's reported gain over ``months`` minus its true gain (a difference, in shares)."""
    def measure(runs: dict[str, ArmRun]) -> float:
        return _gain(runs["targets"], months) - _gain(runs["targets"], months, "ae_type1_true")
    return measure


def misreporting_share(months: int, material: float) -> Callable[[dict[str, ArmRun]], float]:
    """The targets era: the share of acute trusts whose reported share exceeds the true by ``material`` or more (a
    misstatement an audit would find) after ``months``."""
    def measure(runs: dict[str, ArmRun]) -> float:
        run = runs["targets"]
        acute = run.of("acute")
        gap = run.panel("perf_reported")[months, acute] - run.panel("perf_true")[months, acute]
        return float((gap >= material).mean())
    return measure


def decade_gap(country: str) -> Callable[[dict[str, ArmRun]], float]:
    """December 2013, after the decade from April 2002: England's four-hour share (all types, reported) minus that of
    ``country``'s arm (targets without sanctions, its own funding from 2010). Type 1 shares become all types as the
    observed series relate them (``experiments.evidence.observed.type1_weight``)."""
    from experiments.evidence.observed import type1_weight

    def measure(runs: dict[str, ArmRun]) -> float:
        w = type1_weight()
        england, other = runs["decade_england"], runs[f"decade_{country}"]
        return w * (england.at("ae_type1_reported", "2013-12") - other.at("ae_type1_reported", "2013-12"))
    return measure


def foundation_effect(months: int) -> Callable[[dict[str, ArmRun]], float]:
    """The freedoms of foundation status: the foundation trusts' true performance ``months`` into the replay where
    they hold earned autonomy, minus the same trusts' in the replay without (paired: common random numbers), less
    the same difference at the other acute trusts (a difference-in-differences, in shares)."""
    def measure(runs: dict[str, ArmRun]) -> float:
        free, plain = runs["replay_foundation_autonomy"], runs["replay"]
        acute = free.of("acute")
        foundation = acute & free.foundation
        others = acute & ~free.foundation
        diff = free.panel("perf_true")[months] - plain.panel("perf_true")[months]
        return float(diff[foundation].mean() - diff[others].mean())
    return measure


def largest_ambulance_gap(runs: dict[str, ArmRun]) -> float:
    run = runs["targets"]
    t, amb = 24, run.of("ambulance")
    return float((run.panel("perf_reported")[t, amb] - run.panel("perf_true")[t, amb]).max())


def with_minus_without(column: str, kinds: tuple[str, ...] = ("acute",), months: int = 24) -> Callable:
    """A measure of trusts of ``kinds`` under the targets regime minus the same without sanctions (paired)."""
    def measure(runs: dict[str, ArmRun]) -> float:
        a, b = runs["targets"], runs["targets_without_sanctions"]
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


def sm_cohort(after: int) -> Callable[[dict[str, ArmRun]], float]:
    """The July 2013 quality special-measures trusts' type 1 share: change from 2012/13 (the replay's starting
    shares) to ``after`` minus the change of the trusts matched to them in the data
    (``experiments.evidence.trusts.sm_2013_pairs``)."""
    from experiments.evidence import trusts

    def measure(runs: dict[str, ArmRun]) -> float:
        shares = runs["replay"].trust_series().shares()
        return trusts.did(shares, trusts.sm_2013_pairs(after), 2012, after) if after in shares else float("nan")
    return measure


def fsm_cohort(runs: dict[str, ArmRun]) -> float:
    """The trusts put in financial special measures in July 2016: growth of their debt from the end of March 2016 to
    the end of March 2017 (GBP m) minus the growth of the trusts matched to them in the data
    (``experiments.evidence.trusts.fsm_2016_pairs``)."""
    from experiments.evidence import trusts
    series = runs["replay"].trust_series()
    debt = {2016: series.debt("2016-03"), 2017: series.debt("2017-03")}
    if any(d.empty for d in debt.values()):
        return float("nan")
    return trusts.did(pd.DataFrame(debt), trusts.fsm_2016_pairs(), 2016, 2017)
