"""Mechanism 5: collaboration.

CCG–CCG: joint committees and shared accountable officers (see :func:`abm.mechanisms.leadership.replace`); the
mergers they lead to are :mod:`abm.mechanisms.mergers`. CCG–local authority: pooled budgets. Commissioner–provider:
alliances on aligned-incentive contracts, tendering threats that break them. System: STP risk shares that pool members' surpluses
and deficits. Every form needs trust and spare capacity; financial pressure pulls partners back to self-interest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import deficit_pullback, management_capacity
from abm.vocabulary import EDGE_KINDS, KIND_ID, STP_MEMBERS, kind_lut

if TYPE_CHECKING:
    from abm.protocol import ModelState

CCG_CCG = EDGE_KINDS.index("ccg_ccg")
CP = EDGE_KINDS.index("commissioner_provider")
CCG_LA = EDGE_KINDS.index("ccg_la")
SYSTEM_KINDS = tuple(EDGE_KINDS.index(k) for k in ("ccg_ccg", "commissioner_provider", "ccg_la", "provider_provider"))


def _mutual(e, idx: np.ndarray) -> np.ndarray:
    return np.minimum(e.trust[idx], e.trust[e.rev[idx]])


def _trust_factor(m: ModelState, t: np.ndarray, idx: np.ndarray | None, per: str = "edges") -> np.ndarray:
    """0 below ``trust_floor``, rising to 1 at the information-sharing threshold (``t``: trust on the relationships,
    or in the STPs, ``idx``)."""
    floor, threshold = m.each(m.beh.trust_floor, per, idx), m.each(m.beh.trust_threshold, per, idx)
    return np.clip((t - floor) / np.maximum(threshold - floor, 1e-6), 0.0, 1.0)


def _pullback(m: ModelState, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Financial pull back to self-interest: 0 when both partners are in balance, up to 1.

    Evidence: seed 004 L116, “the NHS risks being pulled away from collaboration through pressure on financial and
    staffing resources”; seed 002 L137, “the difficult financial situation of either or both the CCG and the local
    authority”.
    """
    return np.clip(0.5 * deficit_pullback(m, a, c), 0.0, 1.0)


def _free_capacity(m: ModelState, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Management capacity left after reporting and leader turnover (seed 002 L51: “capacity, not capability”)."""
    free = management_capacity(m.orgs)
    return 0.5 * (free[a] + free[c])


def _link(e, idx: np.ndarray, on: bool) -> None:
    e.link[idx] = on
    e.link[e.rev[idx]] = on


def initialise(m: ModelState) -> None:
    """The collaboration already in place in April 2016, drawn from trust (itself built on partnership history).

    Evidence: seed 002 L184, NE Hampshire and Farnham's joint strategy “started as early as 2012”; seed 002 L240,
    Frimley and Dorset “started their system-wide collaborative working much earlier than the STP process”; seed 002
    L125, by March 2017 70 % had joint committees and 40 % shared an accountable officer. Pooled budgets here are
    voluntary pooling beyond the mandatory Better Care Fund (seed 003 L208), so none is assumed at the start.
    """
    o, e, b = m.orgs, m.edges, m.beh
    fwd = m.relationships(CCG_CCG, forward=True)
    p = m.each(b.init_joint_committee, "edges", fwd) * _trust_factor(m, _mutual(e, fwd), fwd)
    draw = m.draw("collaboration", len(e.src))
    jc = fwd[draw[fwd] < p]
    _link(e, jc, True)
    share_draw = m.draw("collaboration", len(e.src))
    for edge in jc[share_draw[jc] < m.each(b.init_shared_ao, "edges", jc)]:
        a, c = e.src[edge], e.dst[edge]
        own = m.org_runs[int(a) // m.N]
        leader, stress = o.leader[own], o.stress[own]          # views on the pair's run
        leader[leader == o.leader[c]] = o.leader[a]
        stress[leader == o.leader[a]] = o.stress[a]


def joint_committees(m: ModelState) -> None:
    """Ready, trusting CCG pairs with spare capacity form joint committees; distrust dissolves them.

    Evidence: seed 002 L125, “Just over two thirds (70%) stated they had one or more joint committees”; seed 003
    L368, each CCG “produced a scheme of delegation”; seed 003 L1248, “Relationships and trust underpin increased
    collaborative working”.
    """
    o, e, b = m.orgs, m.edges, m.beh
    fwd = m.relationships(CCG_CCG, forward=True)
    a, c = e.src[fwd], e.dst[fwd]
    mutual = _mutual(e, fwd)
    p = (m.each(b.collaboration_rate, "edges", fwd) * 0.5 * (o.readiness[a] + o.readiness[c])
         * _trust_factor(m, mutual, fwd) * _free_capacity(m, a, c) * (1.0 - _pullback(m, a, c)))
    draw = m.draw("collaboration", len(e.src))[fwd]
    _link(e, fwd[~e.link[fwd] & (draw < p)], True)
    _link(e, fwd[e.link[fwd] & (mutual < m.each(b.dissolve_trust, "edges", fwd))], False)


def shared_officers(m: ModelState) -> np.ndarray:
    """CCGs in a joint committee appoint one accountable officer: the smaller CCG's officer steps down and it shares
    its partner's (a leader change for the smaller CCG). Returns the number of CCGs that started sharing (per run).

    Evidence: seed 004 L218, “several CCGs appoint a shared accountable officer”; seed 002 L125, by March 2017 40 %
    of CCGs shared an accountable officer.
    """
    from abm.mechanisms import trust
    o, e, b = m.orgs, m.edges, m.beh
    fwd = m.relationships(CCG_CCG, forward=True)
    fwd = fwd[e.link[fwd]]
    a, c = e.src[fwd], e.dst[fwd]
    p = m.each(b.ao_sharing_rate, "edges", fwd) * _trust_factor(m, _mutual(e, fwd), fwd) * (o.leader[a] != o.leader[c])
    chosen = fwd[m.draw("collaboration", len(e.src))[fwd] < p]
    adopters = []
    for edge in chosen.tolist():
        x, y = int(e.src[edge]), int(e.dst[edge])
        big, small = (x, y) if o.population[x] >= o.population[y] else (y, x)
        if o.leader[big] == o.leader[small] or small in adopters or big in adopters:
            continue
        o.leader[small], o.stress[small], o.tenure[small] = o.leader[big], o.stress[big], o.tenure[big]
        adopters.append(small)
    adopted = np.sort(np.array(adopters, int))
    trust.leader_change(m, adopted)
    return m.counts(adopted)


def tender_threats(m: ModelState) -> dict:
    """A CCG that distrusts an under-performing community or mental-health provider threatens to re-tender.

    Evidence: seed 003 L1030, “Well, we'll just stop commissioning you”; seed 003 L928, “an absence of trust between
    partners encouraged competition for services”; seed 003 L784, the prospect of procurement injects uncertainty
    that would “delay progress”; seed 003 L718, acute hospitals “allowed to operate in a cartel”.
    """
    o, e, b = m.orgs, m.edges, m.beh
    cp = m.relationships(CP, "ccg")
    cp = cp[kind_lut("community", "mental_health")[e.dst_k[cp]]]
    _c, p = e.src[cp], e.dst[cp]
    at_risk = ((e.trust[cp] < m.each(b.tender_trust, "edges", cp))
               & (o.perf_reported[p] < m.each(b.target - b.breach_margin, "edges", cp)))
    hit = cp[at_risk & (m.draw("collaboration", len(e.src))[cp] < m.each(b.tender_rate, "edges", cp))]
    threat = m.each(b.trust_loss_threat, "edges", hit)
    e.conflict[hit] = np.maximum(e.conflict[hit], threat)
    e.conflict[e.rev[hit]] = np.maximum(e.conflict[e.rev[hit]], threat)
    o.tender_block[e.dst[hit]] = m.each(b.tender_block_months, "edges", hit)
    _link(e, hit, False)
    o.tender_block = np.maximum(o.tender_block - 1.0, 0.0)
    return {"tenders": m.counts(hit, "edges")}


def alliances(m: ModelState) -> None:
    """Trusting commissioner-provider pairs move to an alliance on an aligned-incentive contract; alliances drift
    apart unless joint success renews them; NHS Improvement's tariff advice can pull a provider out.

    Evidence: seed 003 L898, “a book based contract rather than a widget based contract”; seed 003 L1224, the contract
    “was key to returning the system to financial balance”; seed 003 L948, “differences had emerged and partnership
    working was becoming more challenging”; seed 000 L153, NHS Improvement “insisting on the use of the tariff”; seed
    003 L858, “until we're at balance [...] there's a risk of going to a block”.
    """
    o, e, b = m.orgs, m.edges, m.beh
    cp = m.relationships(CP, "ccg")
    cp = cp[e.dst_k[cp] != KIND_ID["ambulance"]]
    c, p = e.src[cp], e.dst[cp]
    load = o.demand[p] / np.maximum(o.capacity[p], 1e-12)
    ok = (load <= m.each(b.alliance_max_load, "edges", cp)) & (o.tender_block[p] == 0) & ~o.conflicted[p]
    prob = (m.each(b.alliance_rate, "edges", cp) * _trust_factor(m, _mutual(e, cp), cp) * _free_capacity(m, c, p)
            * (1.0 - _pullback(m, c, p)) * ok)
    draw = m.draw("collaboration", len(e.src))[cp]
    new = cp[~e.link[cp] & (draw < prob)]
    drift = ~e.success[cp] & (draw < m.each(b.alliance_decay, "edges", cp))
    pulled = o.conflicted[p] & (draw < m.each(b.alliance_conflict_lapse, "edges", cp))
    lapse = cp[e.link[cp] & (drift | pulled)]
    _link(e, new, True)
    _link(e, lapse, False)
    e.form[new] = 2
    e.form[e.rev[new]] = 2
    default = np.where(kind_lut("mental_health", "community")[e.dst_k[lapse]], 1, 0)
    e.form[lapse] = default
    e.form[e.rev[lapse]] = default


def pooled_budgets(m: ModelState) -> None:
    """Trusting CCG-LA pairs with a large shared area pool budgets; austerity and distrust unpick them.

    Evidence: seed 003 L350, CCGs coterminous with their LA “formed joint committees, which oversaw pooled funding”;
    seed 002 L139, progress slowed by “culture, trust, and fear of loss of organisational sovereignty”; seed 003 L360,
    “any partner cuts has a massive impact on everyone else”.
    """
    o, e, b = m.orgs, m.edges, m.beh
    fwd = m.relationships(CCG_LA, "ccg")
    c, la = e.src[fwd], e.dst[fwd]
    overlap = np.sqrt(e.share[fwd] * e.share[e.rev[fwd]])     # 1 when CCG and LA are coterminous
    mutual = _mutual(e, fwd)
    squeeze = np.clip(1.0 - o.budget[la] / np.maximum(m.initial_budget[la], 1e-12), 0.0, 1.0)
    def on_fwd(value):                       # a parameter on these relationships
        return m.each(value, "edges", fwd)

    pull = np.clip(_pullback(m, c, c) + squeeze * on_fwd(b.financial_pullback) * on_fwd(b.austerity_pull), 0.0, 1.0)
    p = on_fwd(b.pooling_rate) * _trust_factor(m, mutual, fwd) * overlap * (1.0 - pull)
    draw = m.draw("collaboration", len(e.src))[fwd]
    _link(e, fwd[~e.link[fwd] & (draw < p)], True)
    _link(e, fwd[e.link[fwd] & (mutual < on_fwd(b.pool_break_trust)) & (draw < on_fwd(b.pool_break))], False)


def stp_members(m: ModelState) -> np.ndarray:
    """Organisations that can join an STP risk share: CCGs and non-ambulance trusts."""
    return m.mask(*STP_MEMBERS)


def risk_shares(m: ModelState) -> None:
    """STPs agree system risk shares less often with more partners, more deficits and less trust; conflicting
    regulator instructions and deficits break them.

    Evidence: seed 003 L976, risk sharing is made harder by “the size of the system and the number of partner
    organisations; the system financial challenge; the relative size of organisations; and individual interests”;
    seed 003 L978, “a larger number of partners increased the risks of rivalries and divisions”; seed 003 L994, “a
    reluctance [...] to take on that risk”; seed 002 L286, NHS Improvement advice “flew in the face of articulated
    system aims”.
    """
    o, s, b = m.orgs, m.stps, m.beh
    members = stp_members(m)
    n_stp = len(s.maturity)
    st = o.stp[members]
    n = np.bincount(st, minlength=n_stp)
    deficit = np.bincount(st, weights=(o.balance[members] < 0).astype(float), minlength=n_stp) / np.maximum(n, 1)
    conflicted = np.bincount(st, weights=o.conflicted[members].astype(float), minlength=n_stp) / np.maximum(n, 1)
    t = m.stp_trust

    def per_stp(value):                     # a parameter, per STP
        return m.each(value, "stps")

    pullback = per_stp(b.financial_pullback)
    p = (per_stp(b.risk_share_rate) * np.exp(-n / per_stp(b.risk_share_partners)) * _trust_factor(m, t, None, "stps")
         * np.clip(1.0 - pullback * deficit, 0.0, 1.0))
    draw = m.draw("collaboration", n_stp)
    form = ~s.risk_share & (draw < p) & (n >= 2)
    brk = s.risk_share & (draw < per_stp(b.risk_share_break) * (conflicted + pullback * deficit
                                                                 * (t < per_stp(b.trust_threshold))))
    # An integrated care system holds a system control total: its risk share stands (seed 004 L192).
    s.risk_share = (s.risk_share | form | s.ics) & (~brk | s.ics)


def share_risk(m: ModelState) -> dict:
    """Within an STP risk share, each member's monthly result moves part-way to the members' mean (money conserved).

    Evidence: seed 003 L992, “CCGs drew down differential amounts of money to help each other out”; seed 000 L242,
    the STP as “a vehicle for system-wide budgeting, risk-sharing and performance management”.
    """
    o, s = m.orgs, m.stps
    members = stp_members(m) & s.risk_share[np.maximum(o.stp, 0)] & (o.stp >= 0)
    if not members.any():
        return {"risk_transfer": np.zeros(m.R)}
    idx = np.flatnonzero(members)
    net = o.inflow[idx] - o.outflow[idx]
    st = o.stp[idx]
    mean = (np.bincount(st, weights=net, minlength=len(s.maturity))
            / np.maximum(np.bincount(st, minlength=len(s.maturity)), 1))[st]
    transfer = m.each(m.beh.risk_transfer, "orgs", idx) * (mean - net)
    o.inflow[idx] += np.maximum(transfer, 0.0)
    o.outflow[idx] += np.maximum(-transfer, 0.0)
    return {"risk_transfer": m.sums(np.abs(transfer), idx) / 2.0}
