"""The seven mechanisms of the model brief as functions over the model's numpy state: a module each, and two more split
off along their seams (``ratings`` from ``oversight``, ``mergers`` from ``collaboration``).

| module | mechanism |
|---|---|
| ``money``         | demand, money and performance (true and reported) |
| ``oversight``     | performance management and escalation (the style decides, this module applies) |
| ``ratings``       | the CQC's inspections and ratings of trusts, NHS England's July ratings of CCGs |
| ``trust``         | pairwise, asymmetric trust |
| ``peers``         | peer pressure and peer learning |
| ``collaboration`` | joint committees, shared accountable officers, pooled budgets, alliances, risk shares |
| ``mergers``       | CCG mergers: groups under one accountable officer decide together and merge on an April |
| ``leadership``    | leader stress and turnover |
| ``stp``           | STP maturity, the progress dashboard and investment |

Each behavioural rule carries an ``Evidence:`` line naming the seed file (``shared/seeds/NNN_*.txt``) and line, or a
published study, with a short quote; ``docs/ODD.md`` mirrors them in its rule-to-evidence table.
"""

import numpy as np

from abm.params import per_run


def per_org_mean(index: np.ndarray, values: np.ndarray, n: int, default: float = 0.0) -> np.ndarray:
    """Mean of ``values`` grouped by ``index`` (length ``n``); ``default`` where a group is empty."""
    total = np.bincount(index, weights=values, minlength=n)
    count = np.bincount(index, minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), default)


def rank_in_group(group: np.ndarray, groups: int) -> np.ndarray:
    """Position of each element among those of its own group, for group labels in sorted order (0, 0, 1, 1, 1, ...):
    a run's bodies within the run, a region's CCGs within the region."""
    n = np.bincount(group, minlength=groups)
    return np.arange(len(group)) - (np.cumsum(n) - n)[group]


def management_capacity(o) -> np.ndarray:
    """Management capacity left after reporting and a recent change of leader, in [0, 1] (seed 002 L51)."""
    return np.clip(1.0 - o.reporting - o.capacity_loss, 0.0, 1.0)


def deficit_pullback(m, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Financial pull back to self-interest of a pair: ``financial_pullback`` × the share of the two in deficit.

    Evidence: seed 004 L116, “the NHS risks being pulled away from collaboration through pressure on financial and
    staffing resources”; seed 002 L137, “the difficult financial situation of either or both the CCG and the local
    authority”.
    """
    o = m.orgs
    return m.each(m.beh.financial_pullback, "orgs", a) * 0.5 * ((o.balance[a] < 0).astype(float) + (o.balance[c] < 0))


def performance_level(load: np.ndarray, baseline, sensitivity, knee) -> np.ndarray:
    """Performance that capacity against demand supports, before effort, support, stress and management capacity:
    ``baseline`` up to the load ``knee``, falling by ``sensitivity`` per unit of load above it (behaviour
    ``perf_baseline``, ``load_sensitivity`` and ``load_knee``, each a number or one value per element)."""
    return baseline - sensitivity * np.maximum(load - knee, 0.0)


def load_at_level(level, baseline, sensitivity, knee) -> np.ndarray:
    """The load at which :func:`performance_level` is ``level``: its inverse above the knee, and as far below the knee
    as ``level`` is above ``baseline`` (a trust that beats the baseline has spare capacity). The one inverse that the
    start (:func:`abm.initial.load_for`), capacity planning and the designs' starting loads share."""
    return knee + (baseline - np.asarray(level, dtype=float)) / np.maximum(sensitivity, 1e-9)


def monthly(rate_per_year):
    """Convert an annual growth or event rate (a parameter: a number, or one per run) to its monthly equivalent."""
    return per_run(lambda r: (1.0 + r) ** (1.0 / 12.0) - 1.0, rate_per_year)


def monthly_prob(prob_per_year):
    """Probability per month of an event with the given probability per year (a number, or one per run)."""
    return per_run(lambda q: 1.0 - (1.0 - min(q, 1.0)) ** (1.0 / 12.0), prob_per_year)
