"""Mechanism 5b: CCG mergers.

CCGs that work as one decide, as a group, to merge: before the NHS Long Term Plan the CCGs that have shared one
accountable officer for a year; after it, any CCGs joined by joint committees. A decision waits for NHS England to
allow mergers (the moratorium of 2014-2017) and takes effect on an April; the group becomes its largest CCG. When CCGs
are abolished (July 2022) each system's CCGs become one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms.collaboration import CCG_CCG, CCG_LA, CP, _mutual
from abm.mechanisms.leadership import shared_ao

if TYPE_CHECKING:
    from abm.protocol import ModelState

PENDING = -2            # ``merge_due`` of a decided merger waiting for NHS England to allow mergers again


def groups(m: ModelState, ready: np.ndarray) -> np.ndarray:
    """Per organisation, the lowest organisation index of its group: the connected components of the relationships
    ``ready`` (forward CCG-CCG relationships); an organisation in no ready relationship is its own group."""
    e = m.edges
    label = np.arange(len(m.orgs.kind))
    a, c = e.src[ready], e.dst[ready]
    while True:
        low = np.minimum(label[a], label[c])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, c, low)
        new = new[new]                       # follow each label to its own label (path halving)
        if np.array_equal(new, label):
            return label
        label = new


def update(m: ModelState) -> list[tuple[int, int]]:
    """Carry out the mergers due this month, let groups of CCGs decide to merge, and schedule the decided mergers
    NHS England allows. Returns the mergers that took effect this month as (kept CCG, merged CCG).

    A group is the CCGs of one STP joined by relationships that are ready for a merger: the two CCGs have shared an
    accountable officer for ``merger_shared_months`` (after the Long Term Plan, ``merger_needs_shared_ao=false``, also
    a joint committee) and trust each other at least ``trust_threshold``. Each group not yet decided decides with monthly
    chance ``merger_rate``; the decision is an application that waits while NHS England's moratorium holds
    (``merger_allowed_from``) and takes effect on the first 1 April at least ``merger_lead_months`` after it is
    allowed. The group becomes its most populous CCG.

    Evidence: seed 002 L129, asked (March 2017) whether they anticipated applying to merge, “51% stating they were
    not; 30% saying possibly; and 16% saying yes”; seed 002 L123, “the recently lifted NHS England moratorium on CCG
    mergers” (applications waited for it); seed 004 L218, mergers of CCGs “or arrangements whereby several CCGs appoint
    a shared accountable officer”; seed 003 L272, one person as accountable officer of all the CCGs in an STP;
    observed ccg_merger_events (mergers take effect in April, several CCGs into one); NHS England (2019) The NHS Long
    Term Plan, para 1.51, "typically" one CCG per system.
    """
    o, b = m.orgs, m.beh
    ccg = m.mask("ccg")
    o.shared_months = np.where(shared_ao(m), o.shared_months + 1.0, 0.0)
    merged = []
    due = np.flatnonzero(ccg & (o.merge_due == m.t) & (o.merge_with >= 0))
    for x in due.tolist():
        keep = int(o.merge_with[x])
        if x != keep and o.alive[keep] and o.alive[x]:
            merge(m, keep, x)
            merged.append((keep, x))
    o.merge_with[due] = -1
    o.merge_due[due] = -1
    _decide(m, ccg)
    allowed = m.t >= m.each(b.merger_allowed_from, "orgs")
    waiting = np.flatnonzero(ccg & (o.merge_due == PENDING) & allowed)
    if len(waiting):
        lead = m.each(b.merger_lead_months, "orgs", waiting)
        o.merge_due[waiting] = m.t + lead + (-(m.month_of_year + lead)) % 12        # the first April ahead
    return merged


def _decide(m: ModelState, ccg: np.ndarray) -> None:
    """Groups of CCGs ready to merge decide, each with chance ``merger_rate`` this month (one draw per group, its
    lowest-numbered CCG's)."""
    o, e, b = m.orgs, m.edges, m.beh
    fwd = m.relationships(CCG_CCG, forward=True, within_stp=True)
    a, c = e.src[fwd], e.dst[fwd]
    months = m.each(b.merger_shared_months, "edges", fwd)
    sharing = (o.leader[a] == o.leader[c]) & (o.shared_months[a] >= months) & (o.shared_months[c] >= months)
    ready = sharing if b.merger_needs_shared_ao else (sharing | e.link[fwd])
    ready &= ((_mutual(e, fwd) >= m.each(b.trust_threshold, "edges", fwd)) & (o.merge_with[a] < 0)
              & (o.merge_with[c] < 0))
    label = groups(m, fwd[ready])
    draw = m.draw("mergers", len(o.kind))
    members = np.flatnonzero(ccg & (o.merge_with < 0) & (label != np.arange(len(label))))
    members = np.union1d(members, label[members])                 # with each group's lowest-numbered CCG
    decided = members[draw[label[members]] < m.each(b.merger_rate, "orgs", label[members])]
    if len(decided) == 0:
        return
    group = label[decided]
    order = np.lexsort((-o.population[decided], group))           # by group, most populous first
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    keeper = np.empty(len(o.kind), np.int64)
    keeper[group[order][first]] = decided[order][first]
    o.merge_with[decided] = keeper[group]
    o.merge_due[decided] = PENDING


def abolish_ccgs(m: ModelState) -> list[tuple[int, int]]:
    """CCGs end: the CCGs of each system become one integrated care board (modelled as merging into the largest).

    Evidence: policy timeline 2022-07, "42 integrated care boards take over CCG functions (Health and Care Act
    2022)"; policy timeline 2019-01, "typically with one CCG per system".
    """
    o = m.orgs
    merged = []
    for s in range(len(m.stps.maturity)):
        ccgs = np.flatnonzero(m.mask("ccg") & (o.stp == s))
        if len(ccgs) < 2:
            continue
        keep = int(ccgs[np.argmax(o.population[ccgs])])
        for gone in ccgs.tolist():
            if gone != keep:
                merge(m, keep, int(gone))
                merged.append((keep, int(gone)))
    return merged


def merge(m: ModelState, keep: int, gone: int) -> None:
    """Merge CCG ``gone`` into ``keep``: population, money, contracts and ties move over; ``gone`` ceases to exist."""
    o, e = m.orgs, m.edges
    total_alloc = o.allocation[keep] + o.allocation[gone]
    total_pop = o.population[keep] + o.population[gone]
    # Shares seen from the CCG side become shares of the merged CCG's allocation (contracts) or area (LA ties).
    w_keep = np.array([o.allocation[keep] / total_alloc, o.population[keep] / total_pop])
    w_gone = 1.0 - w_keep
    run = m.edge_runs[keep // m.N]                 # the merger's run: its relationships are this block
    lo = run.start
    active, src = e.active[run], e.src[run]
    kept = lo + np.flatnonzero(active & (src == keep))
    own = kept[(e.kind[kept] == CP) | (e.kind[kept] == CCG_LA)]
    e.share[own] *= w_keep[(e.kind[own] == CCG_LA).astype(int)]
    e.share[e.rev[own[e.kind[own] == CP]]] = e.share[own[e.kind[own] == CP]]
    # ``keep``'s relationships by (other end, kind): the first of each, as a search of the block would find it.
    tie: dict[tuple[int, int], int] = {}
    for j, other, k in zip(kept.tolist(), e.dst[kept].tolist(), e.kind[kept].tolist(), strict=True):
        tie.setdefault((other, k), j)
    for idx in lo + np.flatnonzero(active & (src == gone)):
        other, k, back = e.dst[idx], e.kind[idx], e.rev[idx]
        if k in (CP, CCG_LA):
            e.share[idx] *= w_gone[int(k == CCG_LA)]
            if k == CP:
                e.share[back] = e.share[idx]
        if other == keep:
            e.active[[idx, back]] = False
            continue
        j = tie.get((int(other), int(k)), -1)
        if j < 0:                             # a tie only the departing CCG had: it now belongs to `keep`
            e.src[idx] = keep
            e.dst[back] = keep
            tie[(int(other), int(k))] = int(idx)
            continue
        jb = e.rev[j]
        if k == CP:
            e.share[j] += e.share[idx]
            e.share[jb] = e.share[j]
            for arr in (e.block_value, e.last_payment, e.demand_frac):
                arr[j] += arr[idx]
                arr[jb] = arr[j]
        elif k == CCG_LA:
            e.share[j] += e.share[idx]
            e.share[jb] += e.share[back]
        e.trust[j] = 0.5 * (e.trust[j] + e.trust[idx])
        e.trust[jb] = 0.5 * (e.trust[jb] + e.trust[back])
        e.link[[j, jb]] = e.link[j] | e.link[idx]
        e.active[[idx, back]] = False
    total_income = o.ytd_income[keep] + o.ytd_income[gone]
    if total_income > 0:
        o.net_margin[keep] = (o.net_margin[keep] * o.ytd_income[keep] + o.net_margin[gone] * o.ytd_income[gone]) / total_income
    for arr in (o.population, o.allocation, o.other_spend, o.balance, o.ytd_net, o.ytd_income, o.release):
        arr[keep] += arr[gone]
        arr[gone] = 0.0
    o.readiness[keep] = max(o.readiness[keep], o.readiness[gone])
    o.deficit_months[keep] = max(o.deficit_months[keep], o.deficit_months[gone])
    o.alive[gone] = False
    o.merged_into[gone] = keep
    m.on_merge(keep, gone)
