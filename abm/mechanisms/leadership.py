"""Mechanism 6: leadership stress and turnover.

A leader's stress accumulates from deficits, sanctions, poor ratings, reporting burden and conflicting instructions,
and eases with support, autonomy and time. Stressed leaders leave more often; some retire anyway; regulators in
special measures may remove them. A change of leader costs management capacity for a while and part of the
organisation's relationships; a CCG whose accountable officer leaves may share its partner's officer instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import monthly_prob, trust
from abm.params import per_run
from abm.vocabulary import EDGE_KINDS, LED, PROVIDER_KINDS

if TYPE_CHECKING:
    from abm.protocol import ModelState

CCG_CCG = EDGE_KINDS.index("ccg_ccg")


def update_stress(m: ModelState) -> None:
    """Stress moves with this month's pressures and reliefs, bounded in [0, 1].

    Evidence: seed 000 L79, accountability mechanisms are “the cause of stress among their leaders”; seed 000 L216,
    “levels of bureaucracy, assurance regimes and a lack of local-level autonomy”; seed 000 L222, “It doesn't motivate
    me”; seed 000 L218, “very little support”; seed 000 L194, earned autonomy and a “relatively good relationship”;
    seed 002 L55, morale “higher than anticipated” (stress also eases with time); seed 004 L134, “pressure on staff as
    they put in extra hours to try to maintain quality of care” (operational pressure: demand above capacity).
    """
    o, b = m.orgs, m.beh
    led = m.mask(*LED)
    load = np.where(m.mask("provider"), o.demand / np.maximum(o.capacity, 1e-12), 0.0)
    add = (m.each(b.stress_deficit) * (o.net_margin < 0) + m.each(b.stress_rating) * (o.rating == 0)
           + m.each(b.stress_reporting) * o.reporting + m.each(b.stress_operational) * np.maximum(load - 1.0, 0.0)
           + m.each(b.stress_inconsistency) * o.conflicted + m.each(b.stress_sanction) * o.sanctioned)
    relief = (m.each(b.stress_support) * o.support + m.each(b.stress_autonomy) * o.autonomy
              + m.each(b.stress_relax) * o.stress)
    s = np.clip(o.stress + add * (1.0 - m.each(b.resilience_damping) * o.resilience) - relief, 0.0, 1.0)
    o.stress = np.where(led, s, o.stress)
    o.sanctioned[:] = 0.0        # a sanction is felt once, at the review that imposed it


def turnover(m: ModelState) -> dict:
    """Leaders leave (retirement, stress) or are removed: removal is a monthly hazard for bodies in special measures
    and for trusts the CQC rates inadequate, not an event of the review; returns the number of leaders of NHS bodies
    who left, and of forced exits.

    Evidence: seed 002 L352, “nearly a third said they were going to retire in the next 3-5 years” (``exit_base``);
    seed 000 L212, “I would have no hesitation walking away”; seed 000 L224, “significant ‘churn’ in CCG leadership,
    related to performance issues in CCGs and local systems”; seed 000 L98, special measures may force “a change in
    leadership”. The worst rating carries the same hazard as special measures: the published findings are about the
    worst-rated trusts (``zero_star_ceos``, chief executives of zero-star trusts still in post after about five
    months, 8 of 12; ``ceo_tenure_by_rating``, median tenure 11 months in the 13 trusts rated inadequate in 2017,
    ``abm/data/published_effects.csv``), and the regulator's ``leader_removal`` sets the hazard (none under the carrot).
    """
    o, b = m.orgs, m.beh
    led = m.mask(*LED)
    damping = m.each(b.resilience_damping)
    p = m.each(monthly_prob(b.exit_base)) + m.each(b.exit_stress) * o.stress ** 2 * (1.0 - damping * o.resilience)
    leaving = led & (m.draw("exits", len(o.kind)) < p)
    removal = m.each(per_run(lambda q: 1.0 - (1.0 - q) ** (1.0 / 3.0), m.reg.leader_removal))  # quarterly, per month
    failed = (o.escalation >= 4) | (m.mask(*PROVIDER_KINDS) & (o.rating == 0))
    forced = led & failed & (m.draw("exits", len(o.kind)) < removal) & (not m.regime.covid)
    leaving |= forced
    # A shared accountable officer who leaves leaves every CCG that shares them.
    ccg = np.flatnonzero(m.mask("ccg"))
    leaving[ccg] |= np.isin(o.leader[ccg], o.leader[ccg[leaving[ccg]]])
    idx = np.flatnonzero(leaving)
    o.tenure += 1.0
    o.capacity_loss *= 1.0 - m.each(b.capacity_recovery)
    # Count leaders of NHS bodies, not organisations: a shared accountable officer who leaves is one leader.
    nhs = idx[~m.mask("la")[idx]]
    first = np.unique(o.leader[nhs], return_index=True)[1]        # one organisation per leader (no leader spans runs)
    leaders = m.counts(nhs[first])
    if len(idx) > 0:
        replace(m, idx)
    return {"turnover": leaders, "forced_exits": m.sums(forced)}


def replace(m: ModelState, idx: np.ndarray) -> None:
    """Install new leaders at ``idx``: fresh stress and tenure, lost capacity and relationships, maybe a shared AO.

    Evidence: seed 000 L234, “high turnover – loss of experience and skills”; seed 004 L218, “several CCGs appoint a
    shared accountable officer”; seed 002 L125, 40 % of CCGs shared an accountable officer in March 2017.
    """
    o, b = m.orgs, m.beh
    o.tenure[idx] = 0.0
    o.stress[idx] = m.each(b.new_leader_stress, "orgs", idx)
    o.capacity_loss[idx] = m.each(b.turnover_capacity_loss, "orgs", idx)
    for r, part in m.runs_of(idx):                # each run's successors, from that run's own stream
        if part.start < part.stop:
            o.resilience[idx[part]] = m.stream("succession", r).beta(5.0, 2.0, part.stop - part.start)
    # CCGs that lose a shared accountable officer together recruit one successor together: each run numbers its
    # departing leaders 0, 1, ... (leader ids are run by run, so the sorted leaders come run by run) from its next id.
    _, first, group = np.unique(o.leader[idx], return_index=True, return_inverse=True)
    distinct = m.counts(idx[first])
    run = m.run_of_org[idx]
    o.leader[idx] = m.next_leader_id[run] + group - (np.cumsum(distinct) - distinct)[run]
    m.next_leader_id += distinct
    trust.leader_change(m, idx)
    # A vacant CCG post may go to the accountable officer of a joint-committee partner.
    e = m.edges
    ccgs = idx[o.kind[idx] == "ccg"]
    if len(ccgs) == 0:
        return
    leaving = np.zeros(len(o.kind), bool)
    leaving[idx] = True
    vacant = np.zeros(len(o.kind), bool)
    vacant[ccgs] = True
    jc_all = m.relationships(CCG_CCG)
    jc_all = jc_all[e.link[jc_all] & vacant[e.src[jc_all]] & ~leaving[e.dst[jc_all]]]
    for r, part in m.runs_of(jc_all, "edges"):
        jc = jc_all[part]
        if len(jc) == 0:
            continue
        rng = m.stream("succession", r)
        jc = jc[rng.permutation(len(jc))]
        first = np.unique(e.src[jc], return_index=True)[1]
        rate = m.of_run(b.shared_ao_rate, r)
        for edge in jc[first]:
            if rng.random() < rate:
                o.leader[e.src[edge]] = o.leader[e.dst[edge]]
                o.stress[e.src[edge]] = o.stress[e.dst[edge]]


def shared_ao(m: ModelState) -> np.ndarray:
    """Boolean per organisation: a CCG whose accountable officer also leads another CCG."""
    o = m.orgs
    ccg = np.flatnonzero(m.mask("ccg"))
    _, where, counts = np.unique(o.leader[ccg], return_inverse=True, return_counts=True)
    shared = np.zeros(len(o.kind), bool)
    shared[ccg] = counts[where] > 1
    return shared
