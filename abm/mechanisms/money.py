"""Mechanism 1: demand, money and performance (true and reported).

Demand for provider care grows faster than CCG allocations; social-care cuts push demand back onto the NHS;
providers are paid by activity (PbR), by block, or by an aligned-incentive contract that splits savings and
overspends, with a CQUIN share at risk; control totals and the sustainability fund tie national money to financial
and performance trajectories, with contract sanctions suspended for trusts that accept; deficits accumulate into
legacy debt that costs interest. True performance follows capacity against demand, management capacity, support, stress and
effort; reported performance can exceed it when pressure is high-powered and trust in the regulator is low.

Money is in GBP million per month. Every flow is booked as an organisation's ``inflow`` or ``outflow`` and balances
move only through :func:`close_books`, so allocations = spending + change in balances holds by construction and is
checked by the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import effort, load_at_level, management_capacity, monthly, performance_level
from abm.params import per_run
from abm.vocabulary import EDGE_KINDS, FINANCIAL_SM

if TYPE_CHECKING:
    from abm.protocol import ModelState

CP = EDGE_KINDS.index("commissioner_provider")
CCG_LA = EDGE_KINDS.index("ccg_la")
QUALITY = 2                    # column of the quality domain in ``orgs.domains`` (see abm.mechanisms.oversight)


def commissioning_edges(m: ModelState) -> np.ndarray:
    """Active commissioner -> provider edges (the CCG's side of each contract)."""
    return m.relationships(CP, "ccg")


def grow(m: ModelState) -> None:
    """Demand grows faster than money; social-care cuts displace demand onto the NHS; providers put their planned
    capacity in place, a ``1/capacity_lag`` share of what remains each month.

    Evidence: seed 004 L168, plans expect admissions to fall, against “actual growth between 2014-15 and 2016-17 of
    2.2% a year”; seed 004 L117, the
    service “is currently unable to deliver three key acute care targets”; seed 004 L165, “displaced demand will
    necessarily be absorbed by the NHS”; seed 003 L1010, integration “might save the NHS some money, but there is
    always a cost shunt to the local authority” (pooled budgets absorb part of the displaced demand); seed 004 L165,
    capacity lost “will take some years to rebuild”, and L166, “a growing ageing population needing more care”
    (capacity follows a plan with a lag; demand grows faster where patients are older); observed
    ccgs_cumulative_deficit 2014-03 and 2016-03 and ccgs_overspent_against_plan 2015/16 and 2016/17 (about 56 CCGs
    overspend each year and the CCGs in cumulative deficit grow from 19 to 32: a CCG's other spending grows with its
    own cost pressures, ``ccg_spend_spread``, which persist).
    """
    o, b = m.orgs, m.beh
    prov, ccg, la = m.mask("provider"), m.mask("ccg"), m.mask("la")
    # Demand grows faster where patients are older (data: each CCG's share aged 65+; providers take their
    # commissioners').
    gd = m.each(monthly(b.demand_growth)) * (1.0 + m.each(b.age_demand) * (o.older - 1.0))
    ga = m.each(monthly(m.res.funding_growth))
    cut_rate = m.each(per_run(lambda c: 1.0 - (1.0 - c) ** (1.0 / 12.0), b.social_care_cut))
    cut = np.where(la, o.budget * cut_rate, 0.0)
    o.budget -= cut
    # Displaced demand lands on the acute and community providers of the LA's STP, less what pooled budgets absorb.
    absorbed = m.each(b.pooled_absorption) * pooled_fraction(m)
    displaced = np.bincount(o.stp[la], weights=(cut * m.each(b.displaced_demand) * (1.0 - absorbed))[la],
                            minlength=len(m.stps.maturity))
    takers = m.mask("acute", "community")
    weight = np.where(takers, o.demand, 0.0)
    stp_weight = np.bincount(o.stp[takers], weights=weight[takers], minlength=len(displaced))
    share = np.where(takers, weight / np.maximum(stp_weight[np.maximum(o.stp, 0)], 1e-12), 0.0)
    o.demand = np.where(prov, o.demand * (1.0 + gd) + share * displaced[np.maximum(o.stp, 0)], o.demand)
    o.allocation = np.where(ccg, o.allocation * (1.0 + ga), o.allocation)
    o.capacity = np.where(prov, o.capacity + (o.capacity_plan - o.capacity) / m.each(b.capacity_lag), o.capacity)
    # Capacity also moves for reasons of a provider's own (staff leave or are recruited, wards close or open): a shock
    # that lasts, since it moves the plan too.
    shock = 1.0 + m.normal("money", b.capacity_noise, len(o.kind))
    o.capacity = np.where(prov, o.capacity * shock, o.capacity)
    o.capacity_plan = np.where(prov, o.capacity_plan * shock, o.capacity_plan)
    # A CCG's other spending grows with its patients' demand and, year after year, with its own cost pressures.
    own = (1.0 + m.each(b.ccg_spend_spread) * o.cost_pressure) ** (1.0 / 12.0) - 1.0
    o.other_spend = np.where(ccg, o.other_spend * (1.0 + gd + own), o.other_spend)


def pooled_fraction(m: ModelState) -> np.ndarray:
    """Per LA: share of its area covered by CCGs it pools budgets with (0 where it pools nothing)."""
    e = m.edges
    pooled = m.relationships(CCG_LA, "la")
    pooled = pooled[e.link[pooled]]
    return np.clip(np.bincount(e.src[pooled], weights=e.share[pooled], minlength=len(m.orgs.kind)), 0.0, 1.0)


def intervention_spend(m: ModelState) -> np.ndarray:
    """GBP m this month, per run, for the bodies held in special measures or under directions (paid by the
    regulators, from the national envelope: top-sliced from CCG allocations like support)."""
    o = m.orgs
    return m.sums(o.alive & (o.regime_kind > 0)) * m.each(m.res.intervention_cost, "runs") / 12.0


def sanctions_apply(m: ModelState, providers: np.ndarray) -> np.ndarray:
    """Per provider in ``providers``: whether contract sanctions can be levied on it under the national regime.

    Evidence: policy timeline 2016-04, "the principal contract sanctions suspended for trusts receiving it" (the
    sustainability fund, for trusts that accepted a control total); policy timeline 2018-04, suspended sanctions
    "broadened to the great majority of trusts"; policy timeline 2020-03, block payments replace activity contracts.
    """
    o, g = m.orgs, m.regime
    if g.covid or g.sanctions_suspended == "all":
        return np.zeros(len(providers), bool)
    if g.sanctions_suspended == "stf":
        return np.isnan(o.control_total[providers])
    return np.ones(len(providers), bool)


def settle(m: ModelState) -> dict:
    """Book the month's flows: contracts, CQUIN, fines, the sustainability fund, support, costs, interest, pooled
    funds, LA spending; under the COVID-19 regime, block payments and top-ups. Returns the month's money flows.

    Evidence: seed 003 L808, PbR “encouraged hospitals to increase activity in order to increase income”; seed 003
    L896, aligned-incentive savings shared through “the equal division of the savings between the CCG and Trust”;
    seed 003 L832, block-funded community and MH contract money “hasn't grown anything like” demand; seed 003 L444,
    the STF is open to providers “conditional on agreeing and delivering a financial control total and waiting
    times targets”; seed 004 L108, loans in financial special measures cost 6 % instead of 1.5 %; seed 000 L168, CCGs
    are expected to use “the threat of sanctions”; seed 003 L970, CQUIN money “was at risk” and providers “achieved
    the payment if they delivered against ten outcome goals”; seed 003 L972, “that blend of carrot and stick really
    worked well”. Fines are never levied inside an alliance (an aligned-incentive contract shares the risk instead).
    """
    o, e, b, g = m.orgs, m.edges, m.beh, m.regime
    n = len(o.kind)
    o.inflow[:] = 0.0
    o.outflow[:] = 0.0
    prov = m.mask("provider")
    activity = np.minimum(o.demand, o.capacity)
    effort = np.clip(o.pressure + m.each(b.peer_weight) * o.peer_pressure, 0.0, 1.0)
    cost = np.where(prov, o.capacity * o.unit_cost * (1.0 + m.each(b.effort_cost) * effort), 0.0)

    cp = commissioning_edges(m)
    c, p, form, block, frac = e.src[cp], e.dst[cp], e.form[cp], e.block_value[cp], e.demand_frac[cp]
    pbr = frac * activity[p]
    aligned = 0.5 * (block + frac * cost[p])
    payment = np.select([form == 0, form == 1], [pbr, block], aligned)
    if g.covid:                                  # block payments replace activity contracts
        payment = block.copy()
    # CQUIN: a share of the contract is paid only for meeting local quality goals (met as often as the provider's
    # assessed quality domain says: in full unless quality is well below the national median).
    quality = o.domains[p, QUALITY]
    withheld = 0.0 if g.covid else (m.each(g.cquin_share, "edges", cp) * payment
                                    * (1.0 - np.clip(m.each(b.cquin_floor, "edges", cp) + quality, 0.0, 1.0)))
    # Contract sanctions where the regime lets them apply, never inside an alliance; a waivable fine is levied only
    # by a commissioner that does not trust the provider.
    missed = o.perf_reported[p] < m.each(b.target - b.breach_margin, "edges", cp)
    fined = missed & sanctions_apply(m, p) & (form != 2)
    if g.fines_waivable:
        fined &= e.trust[cp] < m.each(b.trust_threshold, "edges", cp)
    fine = np.where(fined, m.each(b.fine_rate, "edges", cp) * payment, 0.0)
    returned = fine if g.fines_reinvested else 0.0      # reinvested in the provider as non-recurrent funding
    loss = m.each(b.trust_loss_conflict, "edges", cp)
    conflict = np.maximum(e.conflict[cp], np.where(fined, m.each(b.fine_conflict, "edges", cp) * loss, 0.0))
    # PbR under a commissioner in deficit turns the relationship into arguments about activity (seed 003 L808).
    dispute = (form == 0) & (o.balance[c] < 0.0) & (not g.covid)
    conflict = np.maximum(conflict, np.where(dispute, loss, 0.0))
    e.conflict[cp] = conflict
    back = e.rev[cp]
    e.conflict[back] = np.maximum(e.conflict[back], conflict)
    e.disputed[cp] |= fined | dispute
    e.disputed[back] |= fined | dispute
    # Non-recurrent funding: a CCG releases surplus above its 1 % reserve to its providers over the year.
    share = e.share[cp]
    weight = share / np.maximum(np.bincount(c, weights=share, minlength=n)[c], 1e-12)
    e.last_payment[cp] = payment - fine - withheld
    paid = payment - fine + returned - withheld + o.release[c] * weight
    o.inflow += np.bincount(p, weights=paid, minlength=n)
    o.outflow += np.bincount(c, weights=paid, minlength=n)

    # Sustainability fund: the offer of a trust that accepted its control total, paid on the trajectory it was on at
    # its last review (financial part and performance part).
    stf = np.where(prov & (not g.covid), o.stf_offer * o.stf_eligible, 0.0)
    interest_rate = np.where(o.regime_kind == FINANCIAL_SM, m.each(b.fsm_interest), m.each(b.debt_interest)) / 12.0
    interest = np.where(prov, np.maximum(-o.balance, 0.0) * interest_rate, 0.0)
    capital = o.capital.copy()
    o.capital[:] = 0.0
    distress = np.where(o.alive & (not g.covid), o.distress, 0.0)
    support_paid = np.where(o.alive, o.support_money, 0.0)       # nothing to a body merged away since its review
    o.inflow += stf + capital + distress + support_paid
    o.outflow += cost + interest

    # CCGs: other spending, part of which pooled budgets route through the LA to integrated care. Regulator support
    # is top-sliced from CCG allocations (one national envelope).
    ccg, la = m.mask("ccg"), m.mask("la")
    pooled = m.relationships(CCG_LA, "ccg")
    pooled = pooled[e.link[pooled]]
    to_pool = m.each(b.pooled_share, "edges", pooled) * o.other_spend[e.src[pooled]] * e.share[pooled]
    pool_in = np.bincount(e.dst[pooled], weights=to_pool, minlength=n)
    allocation = np.where(ccg, o.allocation, 0.0)
    support = m.sums(support_paid)
    interventions = intervention_spend(m)
    national = np.maximum(m.sums(allocation), 1e-12)         # each run's national envelope
    top_slice = (support + interventions)[m.run_of_org] * allocation / national[m.run_of_org]
    budget = np.where(la, o.budget, 0.0)
    other = np.where(ccg, o.other_spend, 0.0)
    o.inflow += allocation - top_slice + budget + pool_in
    o.outflow += other + budget + pool_in
    o.ytd_plan += np.where(ccg, m.each(b.planned_surplus) * allocation - o.release, 0.0)
    # COVID-19 regime: providers are topped up to break even.
    topup = np.where(prov & g.covid, np.maximum(o.outflow - o.inflow, 0.0), 0.0)
    o.inflow += topup
    withheld = np.broadcast_to(withheld, payment.shape)
    return {"fines": m.sums(fine, cp, "edges"), "cquin_withheld": m.sums(withheld, cp, "edges"), "stf": m.sums(stf),
            "distress": m.sums(distress), "topups": m.sums(topup), "support": support,
            "interventions": interventions,
            "pooled": m.sums(to_pool, pooled, "edges"),
            "external_in": m.sums(allocation + budget + stf + capital + distress + topup) - interventions,
            "external_out": m.sums(cost + interest + other + budget)}


def close_books(m: ModelState) -> None:
    """Balances change only by the month's inflow minus outflow; the year's income and expenditure accumulate
    from April; the net margin is a 12-month moving average of the month's result over its income; a body closing
    the month with a negative balance adds a month in deficit."""
    o = m.orgs
    net = np.where(o.alive, o.inflow - o.outflow, 0.0)
    o.balance += net
    o.ytd_net += net
    o.ytd_income += np.where(o.alive, o.inflow, 0.0)
    margin = net / np.maximum(o.inflow, 1e-9)
    o.net_margin += np.where(o.alive & (o.inflow > 0), (margin - o.net_margin) / 12.0, 0.0)
    o.deficit_months += o.alive & (o.balance < 0)


def contract_round(m: ModelState) -> dict:
    """Annual contract round (April): reset block values; commissioners and providers invest or cut; NHS
    Improvement offers control totals and the sustainability fund, which each trust accepts or refuses.

    Evidence: seed 003 L850, a block “under current activity levels would shift most of the financial risk” to the
    acute trust; seed 003 L832, block-funded contract money “hasn't grown anything like” demand (so block-funded
    providers cannot add capacity they are not paid for); seed 004 L135, pressure brings “cuts made to preventative
    and community-based services”; seed 003 L322, “system recovery was identified as a major focus” (a CCG in
    deficit cuts its other spending); seed 000 L135, providers “caught between meeting financial targets set by NHS
    Improvement (then Monitor) and meeting quality targets set by the Care Quality Commission” (trusts rated poorly by
    the CQC staff up at a cost; trusts in deficit run savings programmes); seed 003 L444, the fund is “conditional on
    agreeing and delivering a financial control total” (a trust accepts when the money on offer covers the
    improvement asked of it); seed 004 L271, of the sustainability fund “£1.8bn was allocated to covering NHS
    deficits”.
    """
    o, e, b, g = m.orgs, m.edges, m.beh, m.regime
    cp = commissioning_edges(m)
    e.block_value[cp] = e.last_payment[cp] * (1.0 + m.each(m.res.funding_growth, "edges", cp))
    e.block_value[e.rev[cp]] = e.block_value[cp]
    o.ytd_net[:] = 0.0
    o.ytd_income[:] = 0.0
    o.ytd_plan[:] = 0.0
    plan_spending(m)
    prov = m.mask("provider")
    accept = offer_control_totals(m)
    cip = plan_capacity(m, accept)
    cqc_pull = np.select([o.rating == 0, o.rating == 1], [1.0, 0.5], 0.0)
    drift = m.each(b.cost_drift) + m.each(b.cost_drift_spread) * o.cost_pressure
    o.unit_cost = np.where(prov, o.unit_cost * (1.0 + drift + m.each(b.quality_spend) * cqc_pull - cip), o.unit_cost)
    # Distress funding: a third of any debt beyond the threshold (in years of income) is covered centrally a year.
    income = 12.0 * o.capacity
    o.distress = np.where(prov, np.maximum(-o.balance - m.each(b.distress_threshold) * income, 0.0)
                          / m.each(b.distress_years) / 12.0, 0.0)
    offered = prov & (m.each(g.stf_share) > 0.0) & (not g.covid)
    return {"control_totals_offered": m.sums(offered), "control_totals_accepted": m.sums(accept)}


def plan_spending(m: ModelState) -> None:
    """The commissioners' half of the contract round: each CCG keeps a reserve of ``planned_surplus`` and releases
    surplus above it to its providers over the coming year, and re-plans its other spending to balance: what the
    allocation leaves after the contract payments (last year's, grown with demand), the planned surplus and a third of
    any cumulative deficit, cut by at most ``plan_cut_limit`` (rationing and savings programmes). Each April, and at
    the start of a run that starts in April, when the providers plan their year too (:func:`plan_capacity`). NHS
    England's 2016/17 business rules ask a 1 % surplus; that the rest is released as non-recurrent activity funding is
    an assumption.

    Evidence: seed 003 L322, “system recovery was identified as a major focus” (a CCG in deficit cuts its other
    spending).
    """
    o, e, b = m.orgs, m.edges, m.beh
    cp = commissioning_edges(m)
    ccg = m.mask("ccg")
    surplus = m.each(b.planned_surplus)
    growth = m.each(b.demand_growth) * (1.0 + m.each(b.age_demand) * (o.older - 1.0))      # next year's demand
    o.release = np.where(ccg, np.maximum(o.balance - surplus * 12.0 * o.allocation, 0.0) / 12.0, 0.0)
    contracts = np.bincount(e.src[cp], weights=e.last_payment[cp], minlength=len(o.kind)) * (1.0 + growth)
    planned = (o.allocation * (1.0 - surplus) - contracts
               - np.maximum(-o.balance, 0.0) / (12.0 * m.each(b.deficit_repayment_years)))
    o.other_spend = np.where(ccg, np.clip(planned, (1.0 - m.each(b.plan_cut_limit)) * o.other_spend,
                                          o.other_spend * (1.0 + growth)),
                             o.other_spend)


def plan_capacity(m: ModelState, accept: np.ndarray) -> np.ndarray:
    """Capacity follows money: each provider plans next year's capacity for the load at which it would meet the
    standard, as far as its commissioners' funding growth (what they can pay for more activity) and its own surplus
    above plan pay for, and no faster than it can recruit and build (``capacity_growth_max``); providers short of a 1 %
    surplus, or bound by an accepted control total (``accept``), run a cost-improvement programme, part of which cuts
    capacity. The plan is put in place over the coming months (``grow``). Each April, and at the start of a run that
    starts in April (its year's plan). Returns each provider's cost-improvement rate.

    Evidence: seed 003 L832, block-funded contract money “hasn't grown anything like” demand; seed 004 L135, pressure
    brings “cuts made to preventative and community-based services”; seed 003 L444, the fund is “conditional on
    agreeing and delivering a financial control total”.
    """
    o, b = m.orgs, m.beh
    prov = m.mask("provider")
    surplus = m.each(b.planned_surplus)
    growth = m.each(b.demand_growth) * (1.0 + m.each(b.age_demand) * (o.older - 1.0))      # next year's demand
    asked = np.where(accept, o.control_total - o.net_margin, 0.0)
    standard_load = load_at_level(np.minimum(m.each(b.target), m.each(b.perf_baseline)), m.each(b.perf_baseline),
                                  m.each(b.load_sensitivity), m.each(b.load_knee))
    wanted = o.demand * (1.0 + growth) / (standard_load * np.maximum(o.capacity, 1e-12)) - 1.0
    affordable = m.each(m.res.funding_growth) + np.maximum(o.net_margin - surplus, 0.0)
    growth_max, cip_rate = m.each(b.capacity_growth_max), m.each(b.cip_rate)
    grow_by = np.clip(np.minimum(wanted, affordable), 0.0, growth_max)
    cip = np.where(o.net_margin < surplus, cip_rate, 0.0)
    cip = np.where(accept, np.maximum(cip, np.minimum(asked, m.each(b.control_total_savings) * cip_rate)), cip)
    o.capacity_plan = np.where(prov, o.capacity * (1.0 + grow_by) * (1.0 - m.each(b.cip_capacity_share) * cip),
                               o.capacity_plan)
    return cip


def offer_control_totals(m: ModelState) -> np.ndarray:
    """NHS Improvement offers each trust a control total with a share of the sustainability fund; a trust accepts
    when the money on offer covers the improvement asked of it. Returns who accepted.

    Evidence: seed 003 L444, the fund is “conditional on agreeing and delivering a financial control total”; policy
    timeline 2016-04, the fund goes to providers "conditional on accepting a control total". The improvement asked
    closes part of a trust's deficit, and at least a minimum (assumptions, ``regime.control_total_*``).
    """
    o, g = m.orgs, m.regime
    share = m.each(g.stf_share)
    offered = m.mask("provider") & (share > 0.0) & (not g.covid)
    asked = np.maximum(m.each(g.control_total_stretch),
                       m.each(g.control_total_closure) * np.maximum(-o.net_margin, 0.0))
    accept = offered & (asked <= share)
    o.control_total = np.where(accept, o.net_margin + asked, np.nan)
    o.stf_offer = np.where(accept, share * o.capacity, 0.0)
    return accept


def performance(m: ModelState) -> None:
    """True performance moves towards a level set by load, management capacity, support, stress and effort (from
    deterrence and from commitment, :mod:`abm.mechanisms.effort`); reported performance adds gaming under
    high-powered pressure from a regulator the body does not trust.

    Evidence: Propper et al. 2008, 2010 (targets with sanctions in England raised measured waiting-time performance);
    Bevan and Hood 2006, “What's measured is what matters” (gaming of targets); seed 003 L454, “we've played the game
    of that, the quarterly approach”; seed 000 L174, requests consume “the resources that would be required”; Mason et
    al. 2012 (patients leaving just before four hours: the reported figure is pushed up to the threshold).
    """
    o, b = m.orgs, m.beh
    prov = m.mask("provider")
    reg_trust = m.trust_in_regulators()
    level = performance_level_now(m, reg_trust)
    noise = m.normal("money", b.perf_noise, len(o.kind))
    true = np.clip(o.perf_true + m.each(b.perf_adjust_rate) * (level - o.perf_true) + noise, 0.0, 1.0)
    o.perf_true = np.where(prov, true, o.perf_true)
    # Misreporting brings the figure up towards the standard, never beyond it (what is measured is the target), and
    # not while a trust caught at it is being watched.
    shortfall = np.maximum(m.each(b.target) - o.perf_true, 0.0)
    gap = np.minimum(misreporting(m, reg_trust), shortfall)
    o.perf_reported = np.where(prov, np.clip(o.perf_true + gap, 0.0, 1.0), o.perf_reported)
    o.gaming_block = np.maximum(o.gaming_block - 1.0, 0.0)
    ccg_performance(m)


def misreporting(m: ModelState, reg_trust: np.ndarray) -> np.ndarray:
    """How far each body would push its reported figure above the true one, before the standard caps it: ``gaming``
    x the regulator's pressure x distrust of the regulator, and nothing while a body caught at it is being watched.
    Used by :func:`performance` and, inverted, by :func:`abm.initial.settle`."""
    o = m.orgs
    return m.each(m.beh.gaming) * o.pressure * (1.0 - reg_trust) * (o.gaming_block <= 0)


def performance_level_now(m: ModelState, reg_trust: np.ndarray) -> np.ndarray:
    """The level true performance moves towards: what capacity against demand supports, plus effort (deterrence and
    commitment, :mod:`abm.mechanisms.effort`) and support, less what leaders' stress and lost management capacity
    (reporting, a new leader) cost."""
    o, b = m.orgs, m.beh
    load = o.demand / np.maximum(o.capacity, 1e-12)
    base = performance_level(load, m.each(b.perf_baseline), m.each(b.load_sensitivity), m.each(b.load_knee))
    return (base + effort.effort(m, reg_trust) + m.each(b.support_effect) * o.support
            - m.each(b.stress_penalty) * o.stress - m.each(b.capacity_penalty) * (1.0 - management_capacity(o)))


def ccg_performance(m: ModelState) -> None:
    """A CCG's performance is its providers' performance, weighted by contract value.

    Evidence: seed 000 L202, “Performance management for CCGs seems to be heavily skewed to provider performance”.
    """
    o, e = m.orgs, m.edges
    cp = commissioning_edges(m)
    w = e.share[cp]
    n = len(o.kind)
    tot = np.maximum(np.bincount(e.src[cp], weights=w, minlength=n), 1e-12)
    ccg = m.mask("ccg")
    for arr in (o.perf_true, o.perf_reported):
        arr[:] = np.where(ccg, np.bincount(e.src[cp], weights=w * arr[e.dst[cp]], minlength=n) / tot, arr)
