"""Each trust starts as itself: its starting state set from its own public figures, by inversion.

The stated distributions of :mod:`abm.state` draw an anonymous England; where a trust's own figures exist
(``abm/data/trust_ae_fy.csv``, ``abm/data/trust_loans_2016_17.csv``, derived by ``abm/data/derive_trusts.py``; sources
and licences in ``abm/data/README.md``), this module moves the trust to its own position:

- **Capacity against demand** (data): an acute trust's load (demand over capacity) is the one at which its performance
  level equals its type 1 four-hour share at the start: the mean of the last financial year before the start
  (2012/13 for the 2013 replay, 2015/16 for April 2016), moved by half that year's national change
  (:func:`starting_shares`). The level is :func:`abm.mechanisms.performance_level` with the effort, support, stress,
  management capacity and misreporting of the trust's state (:func:`settle`), after a year of the 2016 mix's reviews
  of its observed position (:func:`regulators_view`). A share above what spare capacity gives (``perf_baseline``)
  puts the load below the knee by as much, so such a trust has room before it starts to fall. Its true and reported
  performance start there.
- **Cost pressure and debt** (data, ranks only): the trusts' draws of own cost pressure from the stated distribution
  are handed out in the order of each trust's DH revenue support loans at 1 April 2016 relative to its income (the
  largest loans take the largest); the trusts that start in debt are, as many as the draws put there, those with the
  largest loans (:func:`assign_debt`), the sector's money at the start unchanged. From April 2016 on, a trust starts
  with its own loan balance as its debt (GBP m), and a trust without a loan with reserves.
- **Named placements** (data): where a policy event places trusts in special measures and the published lists name
  them (``abm/data/special_measures_cohorts.csv``), those trusts are placed (:func:`entering`).

A trust with no figures keeps its draws; ``scenario.from_data=false`` keeps every draw (the anonymous England).
Persistence of who fails therefore comes from where each trust starts and what it costs, not from less noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from abm.mechanisms import load_at_level, performance_level
from abm.scenarios import read_table

LOAN_DATES = {"2016-04": "balance_2016_04_01_gbp_m", "2017-04": "balance_2017_03_31_gbp_m"}   # balance at the start


def start_year(start: str) -> int:
    """The last complete financial year before a start month (named by the year it begins: 2015 = 2015/16)."""
    p = pd.Period(start, freq="M")
    return p.year - 1 if p.month >= 4 else p.year - 2


@cache
def ae_table() -> pd.DataFrame:
    """Each trust's yearly type 1 share and all-types attendances (``abm/data/trust_ae_fy.csv``)."""
    return read_table("trust_ae_fy.csv")


@cache
def loan_table() -> pd.DataFrame:
    """Each trust's DH revenue support loan balances, GBP m, 0 where none (``abm/data/trust_loans_2016_17.csv``)."""
    return read_table("trust_loans_2016_17.csv").set_index("trust_code")


def shares(codes: np.ndarray, fy: int) -> np.ndarray:
    """Type 1 four-hour share of each code in financial year ``fy`` (NaN where the data hold none)."""
    t = ae_table()
    year = t[t.fy == fy].set_index("trust_code").type1_share
    return pd.Series(codes).map(year).to_numpy(float)


def national_change(fy: int) -> float:
    """The change of the mean type 1 share from year ``fy - 1`` to ``fy``, over the trusts with both (0 if none)."""
    t = ae_table().dropna(subset=["type1_share"]).pivot(index="trust_code", columns="fy", values="type1_share")
    if fy not in t.columns or fy - 1 not in t.columns:
        return 0.0
    both = t[[fy - 1, fy]].dropna()
    return float(both[fy].mean() - both[fy - 1].mean())


def starting_shares(codes: np.ndarray, start: str) -> np.ndarray:
    """Each code's four-hour share at a start: its mean over the last financial year before it, moved by half that
    year's national change (a year's mean stands half a year behind its end when shares move steadily)."""
    fy = start_year(start)
    return shares(codes, fy) + 0.5 * national_change(fy)


def loans(codes: np.ndarray, column: str = "balance_2016_04_01_gbp_m") -> np.ndarray:
    """A loan balance of each code (GBP m; 0 for a trust without a loan, NaN for a code that is not a trust)."""
    return pd.Series(codes).map(loan_table()[column]).to_numpy(float)


@cache
def cohorts() -> pd.DataFrame:
    """Trusts placed in special measures by name, from published lists (``abm/data/special_measures_cohorts.csv``):
    code, regime (quality or financial), month entered and (where known by March 2017) month left, source."""
    return read_table("special_measures_cohorts.csv").fillna("").astype(str)


def entering(codes: np.ndarray, regime: str, month: str) -> np.ndarray:
    """Positions in ``codes`` of the trusts the published lists put in ``regime`` in ``month`` (empty if none)."""
    c = cohorts()
    named = set(c[(c.regime == regime) & (c.entered == month)].trust_code)
    return np.flatnonzero(np.isin(codes, list(named)))


@dataclass
class TrustFigures:
    """What the data say of each organisation at a start (NaN where nothing)."""
    share: np.ndarray        # type 1 four-hour share at the start (starting_shares)
    loan_rank: np.ndarray    # DH loans at 1 April 2016 (GBP m), the order of cost pressures (NaN: no data)
    debt: np.ndarray         # loan balance at the start (GBP m) where the start has one, else NaN


def figures(codes: np.ndarray, kinds: np.ndarray, start: str) -> TrustFigures:
    acute = kinds == "acute"
    share = np.where(acute, starting_shares(codes, start), np.nan)
    rank = loans(codes)
    column = LOAN_DATES.get(start)
    debt = loans(codes, column) if column else np.full(len(codes), np.nan)
    return TrustFigures(share=share, loan_rank=rank, debt=debt)


def load_for(share: np.ndarray, level_offset: np.ndarray, baseline, sensitivity, knee) -> np.ndarray:
    """The load at which ``performance_level(load) + level_offset`` equals ``share``
    (:func:`abm.mechanisms.load_at_level`)."""
    return load_at_level(share - level_offset, baseline, sensitivity, knee)


def assign_by_rank(values: np.ndarray, order_key: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``values`` handed out again so that the largest goes where ``order_key`` is largest; ties (and NaN, last) in
    random order. The set of values is unchanged."""
    tie = rng.random(len(values))
    key = np.where(np.isnan(order_key), -np.inf, order_key)
    where = np.lexsort((tie, -key))                 # positions, largest key first
    out = np.empty_like(values)
    out[where] = np.sort(values)[::-1]
    return out


def assign_debt(unit_cost: np.ndarray, balance: np.ndarray, capacity: np.ndarray, key: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The trusts that start in debt (unit cost above tariff, a negative balance) are, as many as the stated draws
    put there, those first in the order of ``key`` (loans in years of income); each side's draws (cost above or below
    tariff, debt or reserves in months of income) go to its trusts in random order, scaled so that each side's total
    (in GBP m a month, and in GBP m) is the draws': the sector's money at the start is the stated distribution's."""
    was = unit_cost > 1.0
    now = assign_by_rank(was.astype(float), key, rng) > 0.5
    cost, money = np.empty_like(unit_cost), np.empty_like(balance)
    relative = balance / np.maximum(capacity, 1e-12)
    for old, new in ((was, now), (~was, ~now)):
        excess = rng.permutation(unit_cost[old] - 1.0)
        held = rng.permutation(relative[old])
        scale_cost = (capacity[old] * (unit_cost[old] - 1.0)).sum() / (capacity[new] * excess).sum() if new.any() else 1.0
        scale_money = balance[old].sum() / (capacity[new] * held).sum() if new.any() else 1.0
        cost[new] = 1.0 + excess * (scale_cost if np.isfinite(scale_cost) else 1.0)
        money[new] = held * capacity[new] * (scale_money if np.isfinite(scale_money) else 1.0)
    return cost, money


def settle(m, share: np.ndarray) -> None:
    """Set each trust with a share (NaN elsewhere; one entry per organisation of every run) at the load where its
    performance level, with the effort, support, stress, management capacity and misreporting of its present state,
    is its own reported share (the inverse of :func:`abm.mechanisms.money.performance`); its true and reported
    performance start there. The year's assessments so far stand for three quarters, as at the start."""
    from abm.mechanisms.money import ccg_performance, misreporting, performance_level_now

    o, b = m.orgs, m.beh
    idx = np.flatnonzero(np.isfinite(share))
    s = share[idx]
    reg_trust = m.trust_in_regulators()
    load = o.demand[idx] / np.maximum(o.capacity[idx], 1e-12)
    curve = (m.each(b.perf_baseline, "orgs", idx), m.each(b.load_sensitivity, "orgs", idx),
             m.each(b.load_knee, "orgs", idx))
    base = performance_level(load, *curve)
    offset = performance_level_now(m, reg_trust)[idx] - base      # effort, support, stress, management capacity
    # below the standard a reported share is the true one plus the misreporting; at or above it, the true one
    gap = np.where(s < m.each(b.target, "orgs", idx), misreporting(m, reg_trust)[idx], 0.0)
    true = s - gap
    load = load_for(true, offset, *curve)
    o.demand[idx] = o.capacity[idx] * np.clip(load, 0.5, 2.0)
    o.perf_true[idx] = true
    o.perf_reported[idx] = s
    ccg_performance(m)
    bodies = o.year_n > 0
    o.year_scores = np.where(bodies, 3.0 * o.score, o.year_scores)
    o.year_n = np.where(bodies, 3.0, o.year_n)


def observed_shares(m) -> np.ndarray:
    """Each organisation's four-hour share at the engine's present month (NaN where none), for every run."""
    codes, kinds = m.structure.orgs.code.to_numpy(), m.structure.orgs.kind.to_numpy()
    return np.tile(figures(codes, kinds, str(m.date)).share, m.R)


def regulators_view(m, months: int) -> None:
    """Each trust's figures at the start were made under the regulation of their day, with the effort, support and
    stress it brought. Before month 0, the 2016 mix's regulators (``as_was_2016``: the run's own regulator where it is
    that style, as in a replay) review every body for ``months`` months while each trust is held at its own figures,
    placing no one in special measures or under directions; then each trust's load is set again so that its level,
    with the pressure, support and stress those reviews left, is its own share (:func:`settle`). Every style of a
    comparison therefore starts from the same state."""
    from dataclasses import replace

    from abm.compose import regulator_preset
    from abm.flows import Flows
    from abm.mechanisms import oversight, peers
    from abm.vocabulary import DEFAULT_STYLE

    share = observed_shares(m)
    if not np.isfinite(share).any():
        return
    own = [c.regulator for c in m.run_configs]
    m.set_regulators([r if r.name == DEFAULT_STYLE else regulator_preset(DEFAULT_STYLE) for r in own])
    m.res = replace(m.res, places_quality_sm=0.0, places_financial_sm=0.0, places_ccgs=0.0)
    for month in range(-months, 0):
        m.t = month                                # the review slots of the months before the start
        peers.compare(m)
        oversight.review(m)
    m.t = 0
    m.set_regulators(own)
    settle(m, share)
    m.run_flows = Flows.zeros(m.R)


def anchor(m) -> None:
    """In April up to ``scenario.anchor_until``, each trust with a published share for the year just ended is set at it
    again (:func:`settle`), so that each year of the run is a forecast one year ahead."""
    until = m.config.scenario.anchor_until
    if not until or not m.config.scenario.from_data or m.date > pd.Period(until, freq="M"):
        return
    share = observed_shares(m)
    if np.isfinite(share).any():
        settle(m, share)
