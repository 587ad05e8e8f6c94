"""The model's state as numpy arrays: one entry per organisation, per relationship (directed edge) and per STP.

Mechanisms read and write these arrays in vectorised form, so one month costs the same whatever the number of pairs
a Python loop would visit; the Mesa agents in :mod:`abm.agents` are thin views on them. Initial values the data do not
give are drawn here from the model's generator; each draw names its distribution and its reason (see ``docs/ODD.md``,
"Initialisation").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from abm import initial
from abm.config import BehaviourConfig
from abm.mechanisms import performance_level
from abm.scenarios import Structure
from abm.vocabulary import BODIES, EDGE_KINDS, KIND_ID, PROVIDER_KINDS

ALLOCATION_PER_HEAD = 1250.0   # GBP per registered patient per year, 2016/17 (NHS England CCG allocations, rounded)
SOCIAL_CARE_PER_HEAD = 300.0   # GBP per resident per year, adult social care (NHS Digital 2016/17, rounded)


@dataclass
class Orgs:
    """Organisation arrays (length N). Money is in GBP million per month unless named otherwise."""
    kind: np.ndarray
    stp: np.ndarray
    region: np.ndarray
    population: np.ndarray
    older: np.ndarray           # share of patients aged 65+, relative to England's (providers: their commissioners')
    foundation: np.ndarray      # a foundation trust (data: ERIC 2016/17)
    alive: np.ndarray
    # money
    allocation: np.ndarray      # CCG monthly allocation
    other_spend: np.ndarray     # CCG spending outside modelled trusts
    budget: np.ndarray          # LA monthly social-care budget
    demand: np.ndarray          # provider demand, GBP m per month at tariff
    capacity: np.ndarray        # provider capacity, GBP m per month at tariff
    capacity_plan: np.ndarray   # the capacity a provider planned in April and is putting in place (money.grow)
    unit_cost: np.ndarray       # provider cost per unit of capacity
    cost_pressure: np.ndarray   # own cost pressure (exponential - 1, fixed): a trust's estate, staff market, PFI;
                                # a CCG's prescribing and continuing care
    balance: np.ndarray         # cumulative surplus (+) or deficit (-)
    inflow: np.ndarray          # this month's money in
    outflow: np.ndarray         # this month's money out
    net_margin: np.ndarray      # income-and-expenditure margin, 12-month moving average (share of income)
    ytd_net: np.ndarray         # income minus expenditure since April (GBP m)
    ytd_income: np.ndarray      # income since April (GBP m)
    ytd_plan: np.ndarray        # CCGs: planned result since April (1 % surplus less planned release of reserves)
    release: np.ndarray         # CCG surplus released to its providers, GBP m per month (money.contract_round)
    distress: np.ndarray        # central distress funding to indebted trusts, GBP m per month
    capital: np.ndarray         # STP capital received this month (stp.invest)
    control_total: np.ndarray   # accepted control total, as a net margin (NaN: none offered or refused)
    stf_offer: np.ndarray       # sustainability fund on offer to a trust that accepted, GBP m per month
    stf_eligible: np.ndarray    # on the fund's financial / performance trajectory at the last review (0..1)
    topup: np.ndarray           # COVID-19 regime: this month's top-up to break even (GBP m)
    support_money: np.ndarray   # regulator support paid to the body, GBP m per month (from the last review)
    # performance and oversight
    perf_true: np.ndarray
    perf_reported: np.ndarray
    score: np.ndarray           # last assessed score in [0, 1]
    domains: np.ndarray         # (N, 4) last assessed domains: performance, finance, quality, leadership
    year_scores: np.ndarray     # sum of this rating year's quarterly scores
    year_n: np.ndarray
    rating: np.ndarray          # 0..3, see RATINGS
    escalation: np.ndarray      # 0 none .. 4 special measures
    fail_streak: np.ndarray
    review_slot: np.ndarray     # month of the quarter (0..2) in which the body is reviewed: reviews are staggered
    inspect_slot: np.ndarray    # month (0..interval-1) of the CQC inspection cycle in which a trust is inspected
    regime_months: np.ndarray   # months in the top regime (special measures; CCGs: legal directions)
    regime_kind: np.ndarray     # 0 none, 1 quality special measures, 2 financial special measures, 3 directions
    regime_spells: np.ndarray   # completed months of the body's last finished spell in the top regime (0: none)
    deficit_months: np.ndarray  # months the body has closed with a negative balance since the run began
    pressure: np.ndarray        # regulator sanction pressure in [0, 1]
    peer_pressure: np.ndarray
    support_offer: np.ndarray   # support the regulator decided at the body's last review (units a quarter)
    support: np.ndarray         # support received this month, in units (what the budget paid of the offer)
    reporting: np.ndarray       # share of management capacity on reporting, [0, 1]
    autonomy: np.ndarray        # earned autonomy in [0, 1]
    conflicted: np.ndarray      # received inconsistent regulator instructions this quarter
    sanctioned: np.ndarray      # sanction intensity applied at the last review (for trust and stress)
    gaming_block: np.ndarray    # months a trust caught misreporting still reports its true performance
    # leadership
    stress: np.ndarray
    tenure: np.ndarray          # months in post
    resilience: np.ndarray
    leader: np.ndarray          # id of the leader (shared accountable officers share an id)
    capacity_loss: np.ndarray   # management capacity lost to a recent leader change
    # collaboration
    readiness: np.ndarray       # CCG readiness to collaborate, [0, 1]
    shared_months: np.ndarray   # months a CCG has shared its accountable officer
    tender_block: np.ndarray    # months during which a tendering threat blocks alliances
    merged_into: np.ndarray
    merge_with: np.ndarray      # CCG a merger has been agreed with (-1: none)
    merge_due: np.ndarray       # month the agreed merger takes effect (an April)


@dataclass
class Edges:
    """Directed relationship arrays (length E): ``trust[e]`` is how far ``src`` trusts ``dst``."""
    src: np.ndarray
    dst: np.ndarray
    src_k: np.ndarray      # kind id of src / dst (abm.scenarios.KIND_ID); mergers re-point CCG to CCG, so static
    dst_k: np.ndarray
    kind: np.ndarray
    up: np.ndarray         # from an overseen body (CCG or trust) to a regulator overseeing it (static)
    rev: np.ndarray        # index of the reverse edge
    share: np.ndarray      # commissioner_provider: share of the CCG's allocation; ccg_la: share of the CCG's area
    demand_frac: np.ndarray  # commissioner_provider: share of the provider's demand coming through this edge
    active: np.ndarray
    trust: np.ndarray
    form: np.ndarray       # commissioner_provider: 0 PbR, 1 block, 2 aligned incentive (alliance)
    block_value: np.ndarray
    last_payment: np.ndarray  # commissioner_provider: last month's payment (sets next year's block value)
    link: np.ndarray       # ccg_ccg: joint committee; ccg_la: pooled budget; commissioner_provider: alliance
    success: np.ndarray    # joint work succeeded this month (both directions)
    conflict: np.ndarray   # conflict intensity this month in [0, 1]
    disputed: np.ndarray   # commissioner_provider: a payment dispute or a contract fine in some month of the run


@dataclass
class STPs:
    coterminosity: np.ndarray
    size: np.ndarray           # organisations in the footprint, relative to the mean footprint's
    history: np.ndarray        # prior partnership working, [0, 1]
    geography: np.ndarray      # natural geography / patient flow, [0, 1]
    maturity: np.ndarray
    category: np.ndarray       # dashboard band 0..3
    invested: np.ndarray       # GBP m received, cumulative
    risk_share: np.ndarray     # system risk share in force
    ics: np.ndarray            # designated an integrated care system


def build_state(structure: Structure, beh: BehaviourConfig, rng: np.random.Generator, start: str = "2016-04",
                from_data: bool = True):
    """Draw the initial state for ``structure`` from the model's generator; then, with ``from_data``, move every trust
    whose own figures exist to its own starting position (:mod:`abm.initial`)."""
    o = structure.orgs
    n = len(o)
    kind = o.kind.to_numpy(copy=True)
    stp = o.stp.to_numpy(copy=True)
    is_ccg, is_la = kind == "ccg", kind == "la"
    is_prov = np.isin(kind, PROVIDER_KINDS)
    pop = o.population.to_numpy(float, copy=True)
    z = np.zeros(n)

    # STP givens: history of partnership and natural geography are not in the data (seed 002 L240, L252; seed 004
    # L70, L85): Beta(2, 2) and Beta(3, 2), so most STPs sit in the middle with a few at either end.
    n_stp = len(structure.stps)
    history = rng.beta(2.0, 2.0, n_stp)
    geography = rng.beta(3.0, 2.0, n_stp)

    allocation = np.where(is_ccg, pop * ALLOCATION_PER_HEAD / 12e6 * rng.lognormal(0.0, 0.03, n), 0.0)
    budget = np.where(is_la, pop * SOCIAL_CARE_PER_HEAD / 12e6, 0.0)

    e = structure.edges
    src, dst = e.src.to_numpy(copy=True), e.dst.to_numpy(copy=True)
    ekind = pd.Index(EDGE_KINDS).get_indexer(e.kind).astype(int)     # (one pass: a loop here was 9 ms a run)
    if (ekind < 0).any():
        raise ValueError(f"unknown relationship kind {e.kind[ekind < 0].iloc[0]!r}; allowed: {', '.join(EDGE_KINDS)}")
    half = len(e) // 2
    rev = np.r_[np.arange(half, 2 * half), np.arange(half)]
    share = e.share.to_numpy(float, copy=True)
    cp = ekind == EDGE_KINDS.index("commissioner_provider")
    from_ccg = cp & is_ccg[src]
    value = np.where(from_ccg, allocation[src] * share, 0.0)
    value[rev[from_ccg]] = value[from_ccg]
    demand = np.bincount(dst[from_ccg], weights=value[from_ccg], minlength=n)
    # A provider's patients are its commissioners': their age mix, weighted by what each spends with it.
    older = o.older.to_numpy(float, copy=True)
    older = np.where(is_prov, np.bincount(dst[from_ccg], weights=(value * older[src])[from_ccg], minlength=n)
                     / np.maximum(demand, 1e-12), older)
    demand_frac = np.where(cp, value / np.maximum(np.where(from_ccg, demand[dst], demand[src]), 1e-12), 0.0)
    other_spend = np.where(is_ccg, allocation - np.bincount(src[from_ccg], weights=value[from_ccg], minlength=n), 0.0)

    # Providers: commissioners' contracts pay for the activity providers deliver, which is their capacity; demand
    # runs a little ahead of it (seed 004 L117: targets missed), by more at some trusts than at others
    # (``capacity_spread``); the ratio is kept within half to one and a half times its mean, so that no draw gives a
    # trust no capacity or none of the demand (an assumption: it binds only at wide spreads and low headroom, never
    # near the calibrated values, where the bounds sit 17 standard deviations out). A share of trusts carry legacy
    # debt (King's Fund 2016) and run at a cost above tariff; the others are in surplus (deficits up to 12 %,
    # surpluses up to 4 %: assumptions).
    capacity = demand.copy()
    headroom = beh.capacity_headroom
    ratio = np.clip(rng.normal(headroom, beh.capacity_spread, n), 0.5 * headroom, 1.5 * headroom)
    demand = np.where(is_prov, capacity / ratio, 0.0)
    in_debt = is_prov & (rng.random(n) < beh.initial_deficit_share)
    unit_cost = np.where(in_debt, 1.0 + rng.uniform(0.0, 0.12, n), 1.0 - rng.uniform(0.0, 0.04, n))
    balance = np.where(in_debt, -rng.uniform(0.1, 1.2, n) * capacity, rng.uniform(0.0, 0.3, n) * capacity)
    # CCGs: a share start with a cumulative deficit (behaviour.initial_ccg_deficit_share); the rest hold reserves of
    # 0-2 % of a year's allocation (the business rules' 1 % on average: 0-0.24 months; an assumption).
    ccg_def = is_ccg & (rng.random(n) < beh.initial_ccg_deficit_share)
    balance = np.where(is_ccg, np.where(ccg_def, -rng.uniform(0.1, 0.3, n), rng.uniform(0.0, 0.24, n)) * allocation,
                       balance)
    load = demand / np.maximum(capacity, 1e-12)
    level = performance_level(load, beh.perf_baseline, beh.load_sensitivity, beh.load_knee)
    perf = np.where(is_prov, np.clip(level + rng.normal(0.0, 0.015, n), 0.5, 1.0), 0.0)
    # Leaders: resilience differs (seed 000 L210-212); tenure uniform over the first 4 years of CCGs; some stress.
    stress = np.clip(rng.beta(2.0, 5.0, n), 0.0, 1.0) * ~np.isin(kind, ("nhse", "nhse_region", "nhsi", "cqc"))
    tenure = rng.integers(0, 48, n).astype(float)
    orgs = Orgs(
        kind=kind, stp=stp, region=o.region.to_numpy(copy=True), population=pop, older=older,
        foundation=o.foundation.fillna(False).to_numpy(bool), alive=np.ones(n, bool), allocation=allocation,
        other_spend=other_spend, budget=budget, demand=demand,
        capacity=capacity, capacity_plan=capacity.copy(), unit_cost=unit_cost,
        # A trust's own cost pressures (estate, PFI, the local staff market) weigh on a minority: exponential, mean 0
        # and spread 1 (most trusts a little below the common drift, a few far above), not symmetric. A CCG's (the
        # growth of prescribing and continuing care, which it cannot cut at will) are drawn the same way.
        cost_pressure=np.where(is_prov | is_ccg, rng.exponential(1.0, n) - 1.0, 0.0),
        balance=balance, inflow=z.copy(), outflow=z.copy(),
        net_margin=np.where(is_prov, 1.0 - unit_cost, 0.0), ytd_net=z.copy(), ytd_income=z.copy(), ytd_plan=z.copy(),
        release=z.copy(),
        distress=z.copy(), capital=z.copy(), control_total=np.full(n, np.nan), stf_offer=z.copy(),
        stf_eligible=z.copy(), topup=z.copy(), support_money=z.copy(),
        perf_true=perf, perf_reported=perf.copy(), score=np.full(n, 0.5), domains=np.full((n, 4), 0.5),
        year_scores=z.copy(),
        year_n=z.copy(), rating=np.full(n, 1), escalation=np.zeros(n, int), fail_streak=np.zeros(n, int),
        # Reviews and inspections are spread evenly over the quarter and the inspection cycle (by position).
        review_slot=np.arange(n) % 3, inspect_slot=(np.arange(n) * 7) % beh.inspection_interval,
        regime_months=np.zeros(n, int), regime_kind=np.zeros(n, int), regime_spells=np.zeros(n, int),
        deficit_months=np.zeros(n, int),
        pressure=z.copy(), peer_pressure=z.copy(), support_offer=z.copy(), support=z.copy(), reporting=z.copy(),
        autonomy=z.copy(),
        conflicted=np.zeros(n, bool), sanctioned=z.copy(), gaming_block=z.copy(), stress=stress, tenure=tenure,
        resilience=rng.beta(5.0, 2.0, n), leader=np.arange(n), capacity_loss=z.copy(),
        readiness=np.where(is_ccg, rng.beta(2.0, 2.0, n), 0.0), shared_months=z.copy(),
        tender_block=z.copy(), merged_into=np.full(n, -1),
        merge_with=np.full(n, -1), merge_due=np.full(n, -1))

    # Initial trust: higher where partners have worked together before (seed 003 L1020), with a low tail towards
    # NHS England (seed 000 L253). Regulator edges start from Beta(3, 3); others from history.
    e_stp = np.where(stp[src] >= 0, stp[src], stp[dst])
    hist = np.where(e_stp >= 0, history[np.maximum(e_stp, 0)], 0.5)
    trust = np.clip(0.3 + 0.4 * hist + rng.normal(0.0, 0.08, len(src)), 0.05, 0.95)
    vertical = np.isin(ekind, [EDGE_KINDS.index("ccg_regulator"), EDGE_KINDS.index("provider_regulator")])
    trust = np.where(vertical, rng.beta(3.0, 3.0, len(src)), trust)
    # Community and mental-health trusts are block-funded, acute trusts paid by activity (seed 003 L832, L878).
    form = np.where(from_ccg & np.isin(kind[dst], ("mental_health", "community")), 1, 0)
    form[rev[from_ccg]] = form[from_ccg]
    kind_id = np.array([KIND_ID[k] for k in kind])
    body = np.isin(kind, BODIES)
    edges = Edges(src=src, dst=dst, src_k=kind_id[src], dst_k=kind_id[dst], kind=ekind, up=vertical & body[src],
                  rev=rev, share=share,
                  demand_frac=demand_frac,
                  active=np.ones(len(src), bool), trust=trust, form=form, block_value=value, last_payment=value.copy(),
                  link=np.zeros(len(src), bool), success=np.zeros(len(src), bool), conflict=np.zeros(len(src)),
                  disputed=np.zeros(len(src), bool))
    n_orgs = structure.stps.n_orgs.to_numpy(float, copy=True)
    stps = STPs(coterminosity=structure.stps.coterminosity.to_numpy(float, copy=True), size=n_orgs / n_orgs.mean(),
                history=history, geography=geography,
                maturity=np.zeros(n_stp), category=np.zeros(n_stp, int), invested=np.zeros(n_stp),
                risk_share=np.zeros(n_stp, bool), ics=np.zeros(n_stp, bool))
    if from_data:
        start_from_data(orgs, structure, beh, rng, start)
    return orgs, edges, stps


def start_from_data(o: Orgs, structure: Structure, beh: BehaviourConfig, rng: np.random.Generator, start: str) -> None:
    """Each trust with figures of its own moves to them (:mod:`abm.initial`): its load from its four-hour share, its
    cost pressure, unit cost and legacy debt (the stated draws, handed out in the order of its loans), its debt from
    its loan balance where the start has one."""
    codes = structure.orgs.code.to_numpy()
    fig = initial.figures(codes, o.kind, start)
    trusts = np.flatnonzero(np.isin(o.kind, PROVIDER_KINDS) & np.isfinite(fig.loan_rank))
    if len(trusts):
        key = fig.loan_rank[trusts] / np.maximum(12.0 * o.capacity[trusts], 1e-12)     # loans in years of income
        o.cost_pressure[trusts] = initial.assign_by_rank(o.cost_pressure[trusts], key, rng)
        o.unit_cost[trusts], o.balance[trusts] = initial.assign_debt(o.unit_cost[trusts], o.balance[trusts],
                                                                     o.capacity[trusts], key, rng)
        debt = fig.debt[trusts]
        if np.isfinite(debt).any():           # the start has loan balances: a trust's debt is its own, else reserves
            reserves = rng.uniform(0.0, 0.3, len(trusts)) * o.capacity[trusts]
            o.balance[trusts] = np.where(debt > 0, -debt, reserves)
        o.net_margin[trusts] = 1.0 - o.unit_cost[trusts]
    acute = np.flatnonzero(np.isfinite(fig.share))
    if len(acute):
        share = fig.share[acute]
        load = initial.load_for(share, -beh.stress_penalty * o.stress[acute], beh.perf_baseline, beh.load_sensitivity,
                                beh.load_knee)
        o.demand[acute] = o.capacity[acute] * np.clip(load, 0.5, 2.0)
        o.perf_true[acute] = share
        o.perf_reported[acute] = share
