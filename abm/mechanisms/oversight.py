"""Mechanism 2: performance management and escalation (vertical accountability).

Each quarter NHS England's regions review CCGs and NHS Improvement reviews trusts on noisy indicators, several of
them outside the assessed body's control; the regulator has limited capacity and attends to the worst first; the
*style* (``abm.styles``) decides escalation, support, autonomy and forced collaboration; this module applies the
decisions the same way for every style. Each July NHS England publishes CCG ratings and the CQC rates trusts.
"""

from __future__ import annotations

import math

import numpy as np

from abm.mechanisms import trust
from abm.styles import Review

SUPPORT_UNIT = 0.5       # GBP m per quarter that buys full-intensity support for one body (assumption)
PERF_FLOOR = 0.80        # performance scored 0 at or below this share
RATING_CUTS = (0.4, 0.5, 0.62)  # assessed score cut-offs: inadequate | requires improvement | good | outstanding


def scores(m) -> np.ndarray:
    """Assessed score in [0, 1]: reported performance and finances, plus noise.

    Evidence: seed 000 L166, the framework “assesses the CCG on 60 indicators”; seed 000 L202, CCG assessment
    “heavily skewed to provider performance and short-term delivery”; seed 000 L58, measures not “within the direct
    influence of CCGs”; seed 004 L140, NHS Improvement wants providers “to achieve financial balance, meet
    performance targets”.
    """
    o, b = m.orgs, m.beh
    perf = np.clip((o.perf_reported - PERF_FLOOR) / (b.target - PERF_FLOOR), 0.0, 1.0)
    size = np.where(o.kind == "ccg", o.allocation, o.capacity)
    fin = np.clip(0.5 + 5.0 * o.balance / np.maximum(12.0 * size, 1e-9), 0.0, 1.0)
    w = np.where(o.kind == "ccg", b.provider_weight, 0.5)
    noise = m.streams["assessment"].normal(0.0, b.indicator_noise, len(o.kind))
    return np.clip(w * perf + (1.0 - w) * fin + noise, 0.0, 1.0)


def review(m) -> None:
    """Quarterly review: assess, let the style decide, apply the decisions.

    Evidence: seed 000 L200, contact by exception, “if you don't hear from me [...] it's because I'm not worried about
    you”; seed 000 L139, local teams' capacity cut, raising doubts about “the ability of these teams to provide
    adequate levels of support”; contradictory instructions from NHS England and NHS Improvement (seed 000
    L153; seed 002 L286, “marching orders”), so each body receives inconsistent instructions with probability
    1 - consistency; seed 000 L198,
    CCGs threatened with a failing category “if they did not cooperate” with STP plans.
    """
    o, reg, b = m.orgs, m.reg, m.beh
    new = scores(m)
    supported_total = 0
    inconsistency_draw = m.draw("oversight", len(o.kind))
    removal_draw = m.draw("oversight", len(o.kind))
    for kinds, providers in ((("ccg",), False), (("acute", "mental_health", "community", "ambulance"), True)):
        bodies = np.flatnonzero(m.mask(*kinds))
        if len(bodies) == 0:
            continue
        sc = new[bodies]
        failing = sc < reg.escalation_threshold
        improving = sc > o.score[bodies]
        streak = np.where(failing, o.fail_streak[bodies] + 1, 0)
        attended = np.zeros(len(bodies), bool)
        attended[np.argsort(sc, kind="stable")[: math.ceil(reg.capacity * len(bodies))]] = True
        old = o.escalation[bodies]
        resp = m.style.respond(Review(score=sc, failing=failing, improving=improving, level=old, streak=streak,
                                      rating=o.rating[bodies], attended=attended, providers=providers))
        level = np.clip(resp.level, 0, 4).astype(int)
        sanction = m.style.sanction(level)
        m.quarter_actions += int(np.sum((level >= 2) & (level > old)))
        inconsistent = inconsistency_draw[bodies] > reg.consistency
        supported = resp.support > 0
        supported_total += int(supported.sum())
        o.escalation[bodies] = level
        o.fail_streak[bodies] = streak
        o.pressure[bodies] = sanction
        o.sanctioned[bodies] = np.where(level >= 2, sanction, 0.0)
        o.support[bodies] = resp.support
        o.autonomy[bodies] = np.clip(resp.autonomy, 0.0, 1.0)
        o.reporting[bodies] = m.style.reporting(level, o.autonomy[bodies])
        o.conflicted[bodies] = inconsistent
        trust.regulator_contact(m, bodies, o.sanctioned[bodies], resp.support, inconsistent.astype(float))
        force = np.clip(resp.force, 0.0, 1.0)
        if force.any():
            # A threat moves readiness a little and costs trust in the regulator (seed 000 L198; seed 003 L546:
            # peers are listened to more than regulators).
            o.readiness[bodies] = np.clip(o.readiness[bodies] + 0.2 * force * (1.0 - b.peer_weight), 0.0, 1.0)
            trust.regulator_contact(m, bodies, b.trust_loss_threat * force, np.zeros(len(bodies)),
                                    np.zeros(len(bodies)))
        removal = (level >= 4) & (removal_draw[bodies] < reg.leader_removal)
        m.forced_exits.extend(bodies[removal].tolist())
    # Support: the quarter's budget buys support for the supported bodies, up to one unit each.
    budget = reg.support_budget / 4.0
    per_body = budget / supported_total if supported_total else 0.0
    intensity = min(1.0, per_body / SUPPORT_UNIT)
    o.support = o.support * intensity
    m.quarter_support_spend = min(budget, supported_total * SUPPORT_UNIT)
    o.score = np.where(m.mask("ccg", "acute", "mental_health", "community", "ambulance"), new, o.score)
    o.year_scores += np.where(o.alive, o.score, 0.0)
    o.year_n += o.alive
    # STF trajectory for next quarter: reported performance near the standard and not losing money this month.
    m.stf_eligible = (o.perf_reported >= b.target - 0.04) & (o.inflow >= o.outflow)


def publish_ratings(m) -> None:
    """Annual ratings (July): NHS England rates CCGs on the year's assessed scores; the CQC rates trusts on inspected
    (true) quality, which gaming of reported figures does not reach.

    Evidence: seed 000 L194-196, high-performing CCGs vs leaders “who had received less favourable ratings”; seed 004
    L140, NHS Improvement wants providers to “maximise their CQC rating”; Bevan and Hood 2006 (inspection as a check
    on gamed targets).
    """
    o, b = m.orgs, m.beh
    year = np.where(o.year_n > 0, o.year_scores / np.maximum(o.year_n, 1), o.score)
    ccg = m.mask("ccg")
    prov = m.mask("acute", "mental_health", "community", "ambulance")
    quality = (0.7 * np.clip((o.perf_true - PERF_FLOOR) / (b.target - PERF_FLOOR), 0.0, 1.0)
               + 0.3 * (1.0 - o.stress) + m.streams["assessment"].normal(0.0, b.indicator_noise, len(o.kind)))
    o.rating = np.where(ccg, np.digitize(year, RATING_CUTS), o.rating)
    o.rating = np.where(prov, np.digitize(quality, RATING_CUTS), o.rating)
    o.year_scores[:] = 0.0
    o.year_n[:] = 0.0


def initial_ratings(m) -> None:
    """Rate everyone once at the start so that month 0 has a rating distribution."""
    from abm.mechanisms.money import ccg_performance
    o = m.orgs
    ccg_performance(m)
    o.score = np.where(m.mask("ccg", "acute", "mental_health", "community", "ambulance"), scores(m), o.score)
    publish_ratings(m)
