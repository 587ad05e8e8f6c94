"""Mechanism 3: trust, pairwise and asymmetric, horizontal and vertical.

``edges.trust[e]`` is how far organisation ``src`` trusts ``dst``. Trust grows slowly through repeated successful
joint work and falls fast through sanctions, conflict, imposition and threats; local authorities rebuild it more
slowly (a long memory); part of it belongs to the leader and goes when the leader goes. Above
``behaviour.trust_threshold`` partners share information and risk (used by :mod:`abm.mechanisms.collaboration`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import deficit_pullback, per_org_mean
from abm.vocabulary import EDGE_KINDS, KIND_ID

if TYPE_CHECKING:
    from abm.protocol import ModelState

HORIZONTAL = tuple(EDGE_KINDS.index(k) for k in ("ccg_ccg", "commissioner_provider", "ccg_la", "provider_provider"))
HORIZONTAL_EDGE = np.isin(np.arange(len(EDGE_KINDS)), HORIZONTAL)      # lookup by edge kind id


def joint_work(m: ModelState) -> None:
    """Decide, per relationship, whether this month's joint work succeeded (both directions share the outcome).

    Evidence: seed 003 L1248, “taking sufficient time to develop trust through repeated joint working were vital”;
    seed 004 L172, “operational and strategic pressures are liable to erode goodwill and foster increased insularity”;
    seed 002 L252, with a natural geography “providers can more easily collaborate and share staff, facilities and
    services” (joint work inside an STP succeeds more often where its geography is natural); seed 003 L1024, partners
    “relearn to trust one another” after conflict (conflict slows rebuilding, it does not stop it); seed 004 L83-84,
    STPs progressing at pace feature “Coterminal boundaries” and “Fewer organisations in the footprint”; seed 003 L978,
    “a larger number of partners increased the risks of rivalries and divisions”.
    """
    e = m.edges
    fwd = m.relationships(HORIZONTAL, forward=True)
    p = _success_chance(m, fwd)
    ok = m.draw("trust", len(e.src))[fwd] < p
    e.success[:] = False
    e.success[fwd] = ok
    e.success[e.rev[fwd]] = ok


def _success_chance(m: ModelState, fwd: np.ndarray) -> np.ndarray:
    """Chance that joint work succeeds this month on the relationships ``fwd`` (see :func:`joint_work`)."""
    o, e, b = m.orgs, m.edges, m.beh
    a, c = e.src[fwd], e.dst[fwd]
    strain = 0.5 * (o.stress[a] + o.stress[c])
    pullback = deficit_pullback(m, a, c)
    base = np.where(e.link[fwd], m.each(b.linked_success, "edges", fwd), m.each(b.routine_success, "edges", fwd))
    same_stp = (o.stp[a] == o.stp[c]) & (o.stp[a] >= 0)
    geo, cot = m.each(b.geography_range, "edges", fwd), m.each(b.coterminosity_range, "edges", fwd)
    s = m.stps
    home = np.maximum(o.stp[a], 0)
    footprint = ((1.0 - 0.5 * geo + geo * s.geography[home]) * (1.0 - 0.5 * cot + cot * s.coterminosity[home])
                 * np.exp(-m.each(b.partner_crowding, "edges", fwd) * (s.size[home] - 1.0)))
    geography = np.where(same_stp, footprint, 1.0)
    # A month of conflict makes success less likely in proportion to its intensity, without ruling it out.
    return np.clip(base * geography * (1.0 - m.each(b.strain_effect, "edges", fwd) * strain)
                   * (1.0 - m.each(b.pullback_effect, "edges", fwd) * pullback) * (1.0 - e.conflict[fwd]), 0.0, 1.0)


def update(m: ModelState) -> None:
    """Apply the month's successes and conflicts to trust, then clear the conflicts.

    Evidence: seed 003 L1248 (slow build through repeated joint working); seed 003 L1024, “we've got to relearn to
    trust one another, having had about 18 months, two years, of being in pretty much perpetual conflict”; seed 003
    L422, “Local government has a very long memory” (LAs rebuild at ``la_memory`` of the NHS rate).
    """
    e, b = m.edges, m.beh
    moved = np.flatnonzero(e.active & (e.success | (e.conflict != 0.0)))   # trust elsewhere is left exactly as it is
    build = m.each(b.trust_build, "edges", moved)
    rate = np.where(e.src_k[moved] == KIND_ID["la"], build * m.each(b.la_memory, "edges", moved), build)
    t = e.trust[moved]
    t = t + rate * e.success[moved] * (1.0 - t)
    t = t * (1.0 - np.clip(e.conflict[moved], 0.0, 1.0))
    e.trust[moved] = np.clip(t, 0.0, 1.0)
    e.conflict[:] = 0.0


def regulator_contact(m: ModelState, bodies: np.ndarray, sanction: np.ndarray, support: np.ndarray,
                      inconsistent: np.ndarray, autonomy: np.ndarray) -> None:
    """A quarterly review changes the reviewed bodies' trust in their regulators: support, earned autonomy and
    consistent treatment build it; sanctions and inconsistent instructions erode it.

    Evidence: seed 003 L1030, “The best integration works with people trusting people” against a threat to
    decommission; seed 000 L253, trust in NHS England “extremely low in some areas, leading to some CCG leaders feeling
    unsupported and personally criticised”; seed 000 L188-192, leaders want assurance by people who understand the
    area, time to build relationships, and a process “supportive of organisations when the need for improvements was
    identified”; seed 000 L198, NHS England “making the rules up as they go along”; seed 000 L194, earned autonomy
    and a “relatively good relationship”.
    """
    o, e, b = m.orgs, m.edges, m.beh
    n = len(o.kind)
    s_org, sup_org, inc_org, aut_org, seen = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    s_org[bodies], sup_org[bodies], inc_org[bodies], aut_org[bodies], seen[bodies] = (sanction, support, inconsistent,
                                                                                        autonomy, 1.0)
    up = np.flatnonzero(upward(m))            # only these edges change: the rest of the network is left as it is
    src = e.src[up]
    t = e.trust[up]
    consistent = seen[src] * (1.0 - inc_org[src])
    def on_up(value):                         # a parameter on these edges
        return m.each(value, "edges", up)

    t = t + on_up(b.trust_build) * (on_up(b.support_trust) * sup_org[src] + aut_org[src] + consistent) * (1.0 - t)
    t = t * (1.0 - on_up(b.trust_loss_sanction) * s_org[src])
    t = t * (1.0 - on_up(b.inconsistency_trust) * on_up(b.trust_loss_conflict) * inc_org[src])
    e.trust[up] = np.clip(t, 0.0, 1.0)


def sanctioned(m: ModelState, bodies: np.ndarray, intensity: np.ndarray) -> None:
    """A sanction outside the quarterly review (a trust caught misreporting) costs the sanctioned bodies part of their
    trust in their regulators, as a review's sanction does.

    Evidence: seed 003 L1030, “The best integration works with people trusting people” against a threat to
    decommission; Bevan and Hood 2006 (sanctions for misreported figures).
    """
    e, b = m.edges, m.beh
    hit = np.zeros(len(m.orgs.kind))
    hit[bodies] = intensity
    up = np.flatnonzero(upward(m) & (hit[e.src] > 0))
    e.trust[up] = np.clip(e.trust[up] * (1.0 - m.each(b.trust_loss_sanction, "edges", up) * hit[e.src[up]]), 0.0, 1.0)


def leader_change(m: ModelState, orgs: np.ndarray) -> None:
    """A new leader inherits only the institutional part of the old leader's relationships: the personal part
    (``personal_trust`` of the trust above neutral) is lost; distrust is institutional memory and stays, so a new
    leader never raises trust.

    Evidence: seed 003 L868, if an organisation failed “the head of the organisation was at risk and this could impede
    continuity of working and relationships”; seed 004 L172, “personnel will change over time and so progress may be
    lost”; seed 003 L422, “Local government has a very long memory” (distrust outlasts the people).
    """
    if len(orgs) == 0:
        return
    e, b = m.edges, m.beh
    changed = np.zeros(len(m.orgs.kind), bool)
    changed[orgs] = True
    hit = np.flatnonzero((changed[e.src] | changed[e.dst]) & e.active)
    e.trust[hit] -= m.each(b.personal_trust, "edges", hit) * np.maximum(e.trust[hit] - 0.5, 0.0)


def upward(m: ModelState) -> np.ndarray:
    """Active edges from an overseen body (CCG or trust) to a regulator that oversees it."""
    e = m.edges
    return e.active & e.up


def in_regulators(m: ModelState) -> np.ndarray:
    """Per organisation: mean trust in the regulators that oversee it (0.5 where none)."""
    e = m.edges
    vert = upward(m)
    return per_org_mean(e.src[vert], e.trust[vert], len(m.orgs.kind), default=0.5)
