"""Mechanism 2: performance management, ratings and escalation (vertical accountability).

Assessment works on four domains (performance, finance, quality, leadership) rather than on one performance number.
Performance and quality are judged against a national benchmark that is re-based each April, so ratings can improve
while the A&E standard declines. Every month a third of the bodies is reviewed (reviews are staggered over the
quarter): NHS England's regions review CCGs, NHS Improvement reviews trusts; the *style* (``abm.styles``) decides
escalation, support, autonomy and forced collaboration; this module applies the decisions the same way for every
style, within the regime's rules: a limited number of places in special measures (trusts) and under legal directions
(CCGs), a minimum stay and an exit only on recovery. The ratings (the CQC's inspections of trusts, NHS England's July
ratings of CCGs) read these assessments in ``abm.mechanisms.ratings``. Under the COVID-19 regime routine oversight,
ratings and inspections pause.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import rank_in_group, trust
from abm.mechanisms.money import intervention_spend
from abm.styles import Review, Style
from abm.vocabulary import DIRECTIONS, FINANCIAL_SM, QUALITY_SM
from abm.vocabulary import PROVIDER_KINDS as PROVIDERS

if TYPE_CHECKING:
    from abm.protocol import ModelState

PERFORMANCE, FINANCE, QUALITY, LEADERSHIP = range(4)
BENCHMARKED = ("perf_reported", "perf_true", "load")   # re-based each April: national mean and spread
TOP = {False: 3, True: 4}  # the top regime: CCGs under legal directions (3+), trusts in special measures (4)
ENGLAND_BODIES = {False: 209, True: 236}   # data: CCGs and trusts of England 2016/17 (places are stated for these)



def rebase(m: ModelState) -> np.ndarray:
    """National benchmark (mean, spread) of the benchmarked measures over the trusts; re-based each April.

    Evidence: seed 000 L166, the framework “assesses the CCG on 60 indicators, including progress made by the CCG and
    its local providers towards the achievement of nationally set priorities” (indicators are read against the
    national position of the year, which the frameworks re-set each year).
    """
    o = m.orgs
    prov = m.mask(*PROVIDERS)
    load = o.demand / np.maximum(o.capacity, 1e-12)
    out = []
    for b in m.org_runs:                       # each run's own national benchmark: (run, measure, mean / spread)
        rows = [o.perf_reported[b][prov[b]], o.perf_true[b][prov[b]], load[b][prov[b]]]
        out.append([[x.mean(), max(x.std(), 0.01)] if len(x) else [0.5, 0.1] for x in rows])
    return np.array(out)


def _relative(x: np.ndarray, bench: np.ndarray, width: float) -> np.ndarray:
    """Map a measure to [0, 1] around the national benchmark: 0.5 at the mean, 0 and 1 ``width`` spreads away
    (``bench``: mean and spread, per organisation)."""
    return np.clip(0.5 + 0.5 / width * (x - bench[..., 0]) / bench[..., 1], 0.0, 1.0)


def _contract_weighted(m: ModelState, values: np.ndarray) -> np.ndarray:
    """Per CCG: its providers' values weighted by contract share (other organisations keep ``values``)."""
    from abm.mechanisms.money import commissioning_edges
    o, e = m.orgs, m.edges
    cp = commissioning_edges(m)
    n = len(o.kind)
    w = e.share[cp]
    tot = np.maximum(np.bincount(e.src[cp], weights=w, minlength=n), 1e-12)
    return np.where(m.mask("ccg"), np.bincount(e.src[cp], weights=w * values[e.dst[cp]], minlength=n) / tot, values)


def domains(m: ModelState) -> np.ndarray:
    """The four assessed domains of every organisation, each in [0, 1].

    Evidence: seed 004 L140, NHS Improvement wants providers “to achieve financial balance, meet performance targets,
    maximise their CQC rating”; seed 004 L153, the CQC wants providers “to deliver the right quality of care and
    guarantee the right levels of staffing”; seed 000 L202, CCG assessment “heavily skewed to provider performance”;
    seed 000 L58, measures not “within the direct influence of CCGs”. Performance is the reported figure, quality the
    inspected one (true performance and staffing against demand), finance the income-and-expenditure margin against
    the accepted control total (or break-even), leadership the leader's stress and stability (for a CCG, also its
    STP's maturity). The performance domain is read partly against the national benchmark and partly
    (``standard_weight``) against the standard itself (seed 004 L117, “the 95% 4-hour A&E target”), so a decline of
    the whole system shows in the assessments.
    """
    o = m.orgs
    bench = m.benchmark[m.run_of_org]                # each organisation sees its own run's benchmark
    load = o.demand / np.maximum(o.capacity, 1e-12)
    d = np.empty((len(o.kind), 4))
    width = m.each(m.beh.benchmark_width)
    weight = m.each(m.beh.standard_weight)
    against_standard = np.clip(0.5 + (o.perf_reported - m.each(m.beh.target)) / (2.0 * m.each(m.beh.standard_span)),
                               0.0, 1.0)
    d[:, PERFORMANCE] = (1.0 - weight) * _relative(o.perf_reported, bench[:, 0], width) + weight * against_standard
    plan = np.where(np.isnan(o.control_total), 0.0, o.control_total)
    d[:, FINANCE] = np.clip(0.5 + m.each(m.beh.finance_scale) * (o.net_margin - plan), 0.0, 1.0)
    safety = 1.0 - _relative(load, bench[:, 2], width)
    d[:, QUALITY] = _contract_weighted(m, 0.5 * (_relative(o.perf_true, bench[:, 1], width) + safety))
    stability = np.minimum(o.tenure / m.each(m.beh.stability_months), 1.0)
    led = 0.5 * (1.0 - o.stress) + 0.5 * stability * (1.0 - o.capacity_loss)
    maturity = m.stps.maturity[np.maximum(o.stp, 0)]
    d[:, LEADERSHIP] = np.where(m.mask("ccg"), (2.0 * led + maturity) / 3.0, led)
    return d


def scores(m: ModelState, d: np.ndarray) -> np.ndarray:
    """Assessed score in [0, 1]: a weighted mean of the domains plus noise.

    Evidence: seed 000 L202, performance management for CCGs “heavily skewed to provider performance and short-term
    delivery” (a CCG's performance domain weighs ``provider_weight``; the other three share the rest); seed 004 L140
    (NHS Improvement weighs finance, performance and quality alike, and leadership).
    """
    o, b = m.orgs, m.beh
    weight = m.each(b.provider_weight)
    rest = (1.0 - weight) / 3.0
    ccg_w = np.stack(np.broadcast_arrays(weight, rest, rest, rest), axis=-1)     # (4,), or (organisations, 4)
    w = np.where(m.mask("ccg")[:, None], ccg_w, 0.25)
    noise = m.normal("assessment", b.indicator_noise, len(o.kind))
    return np.clip((w * d).sum(axis=1) + noise, 0.0, 1.0)


def places(m: ModelState, kind: int) -> np.ndarray:
    """Places in a regime (quality or financial special measures, directions) in each run, scaled from England's
    size."""
    providers = kind != DIRECTIONS
    n = m.counts(np.flatnonzero(m.mask(*(PROVIDERS if providers else ("ccg",)))))
    stated = m.each({QUALITY_SM: m.res.places_quality_sm, FINANCIAL_SM: m.res.places_financial_sm,
                     DIRECTIONS: m.res.places_ccgs}[kind], "runs")
    return np.floor(stated * n / ENGLAND_BODIES[providers] + 0.5).astype(np.int64)


def review(m: ModelState) -> dict:
    """This month's share of the quarterly reviews: assess, let the style decide, apply within the regime's rules.

    Evidence: seed 000 L200, contact by exception, “if you don't hear from me [...] it's because I'm not worried about
    you”; seed 000 L139, local teams' capacity cut, raising doubts about “the ability of these teams to provide
    adequate levels of support” (a limited number of bodies can be held in special measures or under directions:
    one improvement director or case manager each); contradictory instructions from NHS England and NHS Improvement
    (seed 000 L153; seed 002 L286, “marching orders”), so each body receives inconsistent instructions with
    probability 1 - consistency; seed 000 L198, CCGs threatened with a failing category “if they did not cooperate”
    with STP plans; observed special_measures_time_in_regime 2017-04 (20.5 months on average): a body leaves the top
    regime only after a minimum stay and on recovery.
    """
    o, reg, b = m.orgs, m.reg, m.beh
    d = domains(m)
    new = scores(m, d)
    inconsistency_draw = m.draw("oversight", len(o.kind))
    slot = m.month_of_year % 3
    out = {k: np.zeros(m.R, np.int64) for k in ("enforcement_actions", "regime_entries", "regime_exits",
                                                  "regime_exit_months", "directions_lifted")}
    for kinds, providers in ((("ccg",), False), (PROVIDERS, True)):
        kind_mask = m.mask(*kinds)
        bodies = np.flatnonzero(kind_mask & (o.review_slot == slot))
        if len(bodies) == 0:
            continue
        sc = new[bodies]
        failing = sc < m.each(reg.escalation_threshold, "orgs", bodies)
        improving = sc > o.score[bodies]
        streak = np.where(failing, o.fail_streak[bodies] + 1, 0)
        old = o.escalation[bodies]
        seen = Review(score=sc, failing=failing, improving=improving, level=old, streak=streak,
                      rating=o.rating[bodies], attended=_attended(m, bodies, sc), providers=providers)
        level, support = np.zeros(len(bodies), int), np.zeros(len(bodies))
        autonomy, force = np.zeros(len(bodies)), np.zeros(len(bodies))
        sanction, reporting = np.zeros(len(bodies)), np.zeros(len(bodies))
        for style, part in _deciders(m, bodies):      # each run's regulator decides about that run's bodies
            resp = style.respond(seen.part(part))
            level[part], support[part] = np.clip(resp.level, 0, 4), resp.support
            autonomy[part], force[part] = np.clip(resp.autonomy, 0.0, 1.0), np.clip(resp.force, 0.0, 1.0)
        level, moved = _regime_rules(m, bodies, level, old, sc, failing, d, providers, kind_mask)
        for k, v in moved.items():
            out[k] += v
        for style, part in _deciders(m, bodies):      # what the style's decisions amount to
            load = m.each(m.res.reporting_load, "orgs", bodies[part])
            sanction[part] = style.sanction(level[part])
            reporting[part] = style.reporting(level[part], autonomy[part], load)
        threatened = m.counts(bodies[force > 0])[m.run_of_org[bodies]] > 0   # in a run whose regulator threatened
        out["enforcement_actions"] += m.sums((level >= 2) & (level > old), bodies)
        inconsistent = inconsistency_draw[bodies] > m.each(m.inst.consistency, "orgs", bodies)
        o.escalation[bodies] = level
        o.fail_streak[bodies] = streak
        o.pressure[bodies] = sanction
        o.sanctioned[bodies] = np.where(level >= 2, sanction, 0.0)
        o.support_offer[bodies] = support
        # Foundation status brings freedoms whatever the style (0 unless a design sets it: regime.foundation_autonomy).
        o.autonomy[bodies] = np.maximum(autonomy, m.each(m.regime.foundation_autonomy, "orgs", bodies)
                                        * o.foundation[bodies])
        o.reporting[bodies] = reporting
        o.conflicted[bodies] = inconsistent
        trust.regulator_contact(m, bodies, o.sanctioned[bodies], support, inconsistent.astype(float),
                                o.autonomy[bodies])
        if threatened.any():
            # A threat moves readiness a little and costs trust in the regulator (seed 000 L198; seed 003 L546:
            # peers are listened to more than regulators); in a run whose regulator threatened anyone.
            hit = np.flatnonzero(threatened)
            bt, ft = bodies[hit], force[hit]
            gain = m.each(b.threat_readiness, "orgs", bt) * ft * (1.0 - m.each(b.peer_weight, "orgs", bt))
            o.readiness[bt] = np.clip(o.readiness[bt] + gain, 0.0, 1.0)
            trust.regulator_contact(m, bt, m.each(b.trust_loss_threat, "orgs", bt) * ft, np.zeros(len(bt)),
                                    np.zeros(len(bt)), np.zeros(len(bt)))
        if providers:
            # The fund's trajectory for the next quarter: financial part on the control total, performance part on
            # the national position (A&E trajectories were agreed around it).
            # (the margin is judged as if the whole fund were being paid, since the control total counts it)
            g = m.regime
            unpaid = m.each(g.stf_share, "orgs", bodies) * (1.0 - o.stf_eligible[bodies]) * (o.stf_offer[bodies] > 0)
            tolerance = m.each(g.stf_tolerance, "orgs", bodies)
            fin_ok = o.net_margin[bodies] + unpaid >= np.where(np.isnan(o.control_total[bodies]), 0.0,
                                                               o.control_total[bodies]) - tolerance
            perf_ok = (o.perf_reported[bodies] >= m.benchmark[m.run_of_org[bodies], 0, 0]
                       - m.each(g.stf_performance_tolerance, "orgs", bodies))
            on_perf = m.each(g.stf_performance_part, "orgs", bodies)
            o.stf_eligible[bodies] = (1.0 - on_perf) * fin_ok + on_perf * perf_ok
        o.score[bodies] = sc
        o.domains[bodies] = d[bodies]
        o.year_scores[bodies] += sc
        o.year_n[bodies] += 1
    _pay_support(m)
    return out


def _deciders(m: ModelState, bodies: np.ndarray) -> list[tuple[Style, slice]]:
    """Who decides about which of the reviewed ``bodies`` (sorted): each run's style about its run's bodies; or, when
    the runs' styles are one rule with one set of parameters deciding body by body, the first of them about all."""
    first = m.styles[0]
    if first.body_by_body and all(type(s) is type(first) and s.params == first.params for s in m.styles):
        return [(first, slice(0, len(bodies)))]
    return [(m.styles[r], part) for r, part in m.runs_of(bodies) if part.start < part.stop]


def _attended(m: ModelState, bodies: np.ndarray, sc: np.ndarray) -> np.ndarray:
    """Within the regulator's capacity: in each run, the worst-scoring ``capacity`` share of the reviewed bodies."""
    run = m.run_of_org[bodies]
    order = np.lexsort((sc, run))                       # by run, then score (ties: as listed)
    n = np.bincount(run, minlength=m.R)
    rank = np.empty(len(bodies), np.int64)
    rank[order] = rank_in_group(run[order], m.R)
    return rank < np.ceil(m.each(m.res.capacity, "runs") * n)[run]


def _regime_rules(m: ModelState, bodies, level, old, sc, failing, d, providers, kind_mask) -> tuple[np.ndarray, dict]:
    """Apply the top regime's rules to the styles' decisions about the reviewed ``bodies`` (of every run): minimum
    stay, exit on recovery, limited places (each run's own)."""
    o, b = m.orgs, m.beh
    top = TOP[providers]
    was_in = old >= top
    min_months = m.each(b.regime_min_months if providers else b.directions_min_months, "orgs", bodies)
    recovered = (o.regime_months[bodies] >= min_months) & ~failing
    stay = was_in & ~recovered
    level = np.where(stay, np.maximum(level, top), level)
    leaving = was_in & (level < top)
    gone = bodies[leaving]
    spent = m.sums(o.regime_months[gone], gone)
    o.regime_spells[gone] = o.regime_months[gone]
    o.regime_kind[gone] = 0
    o.regime_months[gone] = 0
    # Entrants take the free places of their regime, the worst-scoring first; the others stop one step below. A
    # trust whose finances are weaker than its quality goes to financial special measures where the regime has them.
    entering = np.flatnonzero((level >= top) & ~was_in)
    entering = entering[np.lexsort((sc[entering], m.run_of_org[bodies[entering]]))]     # by run, worst first
    if providers:
        financial = m.regime.financial_special_measures & (d[bodies[entering], FINANCE] < d[bodies[entering], QUALITY])
        wanted = np.where(financial, FINANCIAL_SM, QUALITY_SM)
    else:
        # Legal directions are for financial or governance failure (seed 000 L98, intervening "to redesign their
        # financial plans"): a CCG whose finances are on plan is not put under directions.
        entering = entering[d[bodies[entering], FINANCE] < 0.5]
        wanted = np.full(len(entering), DIRECTIONS)
    admitted = np.zeros(len(entering), bool)
    affordable = affordable_places(m)
    run = m.run_of_org[bodies[entering]]
    for kind in np.unique(wanted):
        held = m.counts(np.flatnonzero(kind_mask & (o.regime_kind == kind)))
        free = np.maximum(np.minimum(places(m, int(kind)) - held, affordable), 0)
        if kind == QUALITY_SM and not m.regime.quality_special_measures:
            free = np.zeros_like(free)                  # before the regime existed (policy timeline 2013-07)
        queue = np.flatnonzero(wanted == kind)
        admitted[queue] = rank_in_group(run[queue], m.R) < free[run[queue]]
        affordable -= np.minimum(free, np.bincount(run[queue], minlength=m.R))
    level[(level >= top) & ~was_in] = top - 1          # refused entry (no place, or no financial failure) ...
    level[entering[admitted]] = top                     # ... unless admitted
    idx = np.sort(bodies[entering[admitted]])
    o.regime_kind[bodies[entering[admitted]]] = wanted[admitted]
    o.regime_months[idx] = 0
    moved = {"regime_entries": m.counts(idx)}
    moved.update({"regime_exits": m.counts(gone), "regime_exit_months": spent} if providers else
                 {"directions_lifted": m.counts(gone)})
    return level, moved


def affordable_places(m: ModelState) -> np.ndarray:
    """How many more bodies each run's budget can hold in a regime, after those it holds already."""
    cost, budget = m.each(m.res.intervention_cost, "runs"), m.each(m.res.budget, "runs")
    n = m.N
    all_of_them = (cost <= 0) | (budget >= cost * n)                                      # never more than all
    can_pay = np.where(all_of_them, n, np.floor(budget / np.where(all_of_them, 1.0, cost) + 1e-9)).astype(np.int64)
    held = m.counts(np.flatnonzero(m.orgs.alive & (m.orgs.regime_kind > 0)))
    return np.maximum(can_pay - held, 0)


def _pay_support(m: ModelState) -> None:
    """What the budget leaves after the fixed costs of interventions pays for the help the bodies can take: the support
    a style offered at the body's last review (``support_offer``, kept until its next review: a month the money runs
    short pays less of it, never cancels it), and the improvement programme of each body in special measures or under
    directions (``programme_units`` units). One unit is ``support_unit`` a quarter. Full offers (a unit or more: the programmes,
    and support a style gives in full) are paid first; partial offers (lighter coaching) share what is left. Within a
    tier, when a run's budget cannot pay every want in full, each is paid the same share of it. So a bigger envelope
    buys fuller help, a style that intervenes less has more to support with, and an envelope goes unspent only when the
    style's logic asks for less than it holds (assumption: the envelope's use; ``docs/ODD.md`` section 7)."""
    o = m.orgs
    in_regime = o.alive & (o.regime_kind > 0)
    wanted = np.maximum(np.where(o.alive, o.support_offer, 0.0), m.each(m.beh.programme_units, "orgs") * in_regime)
    unit = np.broadcast_to(m.each(m.beh.support_unit, "runs") / 3.0, (m.R,))   # GBP m a month, per run
    left = np.maximum(m.each(m.res.budget, "runs") / 12.0 - intervention_spend(m), 0.0)   # after the fixed costs
    paid = np.zeros(len(o.kind))
    for tier in (wanted >= 1.0, (wanted > 0.0) & (wanted < 1.0)):
        want = np.where(tier, wanted, 0.0)
        asked = m.sums(want) * unit
        share = np.where(asked > 0, np.minimum(left / np.maximum(asked, 1e-12), 1.0), 0.0)
        paid += want * share[m.run_of_org]
        left = np.maximum(left - asked * share, 0.0)
    o.support = paid
    o.support_money = paid * unit[m.run_of_org]


def tick(m: ModelState) -> None:
    """Time in the top regime counts for every body in it."""
    o = m.orgs
    o.regime_months += (o.regime_kind > 0) & o.alive


def place(m: ModelState, kind: int, count, named: np.ndarray | None = None) -> np.ndarray:
    """A policy event places ``count`` bodies (England's size, scaled; a number, or one per run) in a regime: the
    worst on its domain first; or, where the published lists name them (``named``: positions of the bodies in each
    run's own numbering, non-empty), those bodies.

    Evidence: policy timeline 2013-07, "11 of the 14 Keogh-review trusts placed in special measures"; 2016-07,
    financial special measures "launched with 5 trusts; 9 CCGs put under directions"; 2013-04, "15 under legal
    directions at authorisation"; abm/data/special_measures_cohorts.csv (the trusts named in published lists).
    """
    o = m.orgs
    providers = kind != DIRECTIONS
    eligible = m.mask(*(PROVIDERS if providers else ("ccg",)))
    d = domains(m)
    worst_on = {QUALITY_SM: QUALITY, FINANCIAL_SM: FINANCE}.get(kind)
    value = d[:, worst_on] if worst_on is not None else scores(m, d)
    placed = np.zeros(m.R, np.int64)
    for r, own in enumerate(m.org_runs):
        n = int(math.floor(m.of_run(count, r) * eligible[own].sum() / ENGLAND_BODIES[providers] + 0.5))
        cand = own.start + np.flatnonzero(eligible[own] & (o.regime_kind[own] == 0))
        if named is not None and len(named):
            chosen = np.intersect1d(cand, own.start + named)
        else:
            chosen = cand[np.argsort(value[cand], kind="stable")[:n]]
        o.escalation[chosen] = TOP[providers]
        o.regime_kind[chosen] = kind
        o.regime_months[chosen] = 0
        placed[r] = len(chosen)
    return placed
