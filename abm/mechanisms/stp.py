"""Mechanism 7: STP maturity, the progress dashboard and investment.

An STP is not a statutory body and decides nothing itself: its maturity moves towards a level set by its members'
mutual trust, leadership stability, finances and collaboration, plus any investment it received. Coterminous
boundaries, fewer organisations, a history of partnership and no legacy debt act *through* those inputs (pooled
budgets, risk shares, initial trust, deficits), so their correlation with maturity is an outcome, not an input. Each
July from 2017 the dashboard bands the STPs and the regulators share out investment by their rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import per_org_mean
from abm.mechanisms.collaboration import CCG_CCG, CCG_LA, CP, SYSTEM_KINDS
from abm.styles import investment_weights
from abm.vocabulary import STP_MEMBERS

if TYPE_CHECKING:
    from abm.protocol import ModelState

ENGLAND_STPS = 44               # data: STP footprints of 2016/17 (ICS counts are stated for these)


def internal_trust(m: ModelState) -> np.ndarray:
    """Mean trust on the relationships inside each STP (both ends members)."""
    o, e = m.orgs, m.edges
    inside = m.relationships(SYSTEM_KINDS, within_stp=True)
    return per_org_mean(o.stp[e.src[inside]], e.trust[inside], len(m.stps.maturity), default=0.5)


def target(m: ModelState) -> np.ndarray:
    """The maturity an STP's current state supports, in [0, 1].

    Evidence: seed 004 L70, advanced STPs “uniformly point to a history of trusted partnership working”; seed 004 L72-
    74, “The quality of relationships between all key players”, “The quality and capacity of local leaders”; seed 002
    L242, “Stable leadership [...] a strong predictor of success”; seed 002 L256, “Not being weighed down by historic
    debt is a clear indicator of the likelihood of success”; seed 004 L80-85, “practical factors that better enable
    closer working”: “Coterminal boundaries between (some if not all) partners”, “Fewer organisations in the
    footprint” (the practical term: the footprint's coterminosity, and 1 / (1 + size²) for its organisations relative
    to the mean footprint's; they act through joint work too, ``abm.mechanisms.trust``).
    """
    o, e, s = m.orgs, m.edges, m.stps
    n_stp = len(s.maturity)
    members = m.mask(*STP_MEMBERS, "la")
    st = o.stp[members]
    stable_at = m.each(m.beh.stp_stability_months, "orgs", np.flatnonzero(members))
    stability = per_org_mean(st, np.minimum(o.tenure[members] / stable_at, 1.0), n_stp, 0.5)
    money = m.mask(*STP_MEMBERS)
    finance = 1.0 - per_org_mean(o.stp[money], (o.balance[money] < 0).astype(float), n_stp, 0.5)

    def share_linked(kind: int) -> np.ndarray:
        sel = m.relationships(kind, "ccg")
        return per_org_mean(o.stp[e.src[sel]], e.link[sel].astype(float), n_stp, 0.0)

    collab = (share_linked(CCG_CCG) + share_linked(CCG_LA) + share_linked(CP) + s.risk_share) / 4.0
    invest = 1.0 - np.exp(-m.each(m.beh.investment_effect, "stps") * s.invested / 100.0)
    practical = 0.5 * s.coterminosity + 0.5 / (1.0 + s.size ** 2)
    b = m.beh
    weights = [m.each(w, "stps") for w in (b.maturity_trust, b.maturity_stability, b.maturity_finance,
                                           b.maturity_collaboration, b.maturity_practical)]
    parts = (m.stp_trust, stability, finance, collab, practical)
    total = sum(weights)
    level = sum(w * x for w, x in zip(weights, parts, strict=True)) / np.where(total > 0, total, 1.0)
    return np.clip(level + (1.0 - level) * invest, 0.0, 1.0)


def update(m: ModelState) -> None:
    """Maturity moves part-way to its target each month; the dashboard band follows maturity. The effect of past
    investment wears off (10 % a year, an assumption), so that capital received long ago does not hold an STP up."""
    s = m.stps
    s.invested *= 1.0 - m.each(m.beh.investment_depreciation, "stps") / 12.0
    s.maturity = s.maturity + m.each(m.beh.maturity_rate, "stps") * (target(m) - s.maturity)
    s.category = np.digitize(s.maturity, m.beh.dashboard_cuts)


def invest(m: ModelState) -> np.ndarray:
    """Annual investment (July, from 2017), shared by the regulator's investment rule; returns GBP m invested (per
    run).

    Evidence: seed 004 L102, “The Department has allocated early capital funding to those partnerships rated as the
    most advanced”; seed 004 L110, “those STPs facing the greatest challenges will fall further behind”. The money
    reaches the STP's trusts in proportion to their size, and adds capacity at cost.
    """
    o, s, inst = m.orgs, m.stps, m.inst
    if np.all(inst.investment_budget <= 0):
        return np.zeros(m.R)
    w = np.concatenate([investment_weights(inst.investment_rule, s.category[b], s.maturity[b]) for b in m.stp_runs])
    amount = m.each(inst.investment_budget, "stps") * w
    s.invested += amount
    prov = m.mask("acute", "mental_health", "community")
    weight = np.where(prov, o.capacity, 0.0)
    stp_total = np.bincount(o.stp[prov], weights=weight[prov], minlength=len(amount))
    share = np.where(prov, weight / np.maximum(stp_total[np.maximum(o.stp, 0)], 1e-12), 0.0)
    money = share * amount[np.maximum(o.stp, 0)]
    # Capital buys capacity: spread over a year, GBP 1 of capital adds GBP 1/12 of monthly capacity (assumption).
    o.capacity = o.capacity + money / 12.0
    o.capacity_plan = o.capacity_plan + money / 12.0
    o.capital += money
    return m.sums(amount, per="stps")


def designate(m: ModelState) -> np.ndarray:
    """Integrated care systems: the regime says how many; the most mature STPs are designated, and keep it. An ICS
    earns system autonomy for its members (less reporting) and holds a system control total (its risk share stands,
    see :func:`abm.mechanisms.collaboration.risk_shares`). Returns the number of new designations per run.

    Evidence: policy timeline 2017-06 .. 2021-04 (the number of systems designated in each wave); seed 003 L560,
    “In order to gain ICS status and the associated benefits, the system as a whole, and not just individual partners
    would need to perform well”; seed 004 L192, “In return for increased responsibilities as a system, an ACS will
    have access to new freedoms and flexibilities”, including “a system-level control total”.
    """
    s, o = m.stps, m.orgs
    wanted = np.floor(m.each(m.regime.ics_count, "runs") * m.S / ENGLAND_STPS + 0.5).astype(np.int64)
    designated = np.maximum(np.minimum(wanted, m.S) - m.sums(s.ics, per="stps"), 0)
    for r in np.flatnonzero(designated):            # each run designates among its own STPs
        b = m.stp_runs[r]
        candidates = b.start + np.flatnonzero(~s.ics[b])
        chosen = candidates[np.argsort(-s.maturity[candidates], kind="stable")[:designated[r]]]
        s.ics[chosen] = True
    members = s.ics[np.maximum(o.stp, 0)] & (o.stp >= 0) & m.mask(*STP_MEMBERS)
    o.autonomy = np.where(members, np.maximum(o.autonomy, m.each(m.beh.ics_autonomy)), o.autonomy)
    return designated
