"""The seven mechanisms of the model brief, one module each, as functions over the model's numpy state.

| module | mechanism |
|---|---|
| ``money``         | demand, money and performance (true and reported) |
| ``oversight``     | performance management and escalation (the style decides, this module applies) |
| ``trust``         | pairwise, asymmetric trust |
| ``peers``         | peer pressure and peer learning |
| ``collaboration`` | joint committees, shared accountable officers, mergers, pooled budgets, alliances, risk shares |
| ``leadership``    | leader stress and turnover |
| ``stp``           | STP maturity, the progress dashboard and investment |

Each behavioural rule carries an ``Evidence:`` line naming the seed file (``shared/seeds/NNN_*.txt``) and line, or a
published study, with a short quote; ``docs/ODD.md`` mirrors them in its rule-to-evidence table.
"""

import numpy as np


def per_org_mean(index: np.ndarray, values: np.ndarray, n: int, default: float = 0.0) -> np.ndarray:
    """Mean of ``values`` grouped by ``index`` (length ``n``); ``default`` where a group is empty."""
    total = np.bincount(index, weights=values, minlength=n)
    count = np.bincount(index, minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), default)


def monthly(rate_per_year: float) -> float:
    """Convert an annual growth or event rate to its monthly equivalent."""
    return (1.0 + rate_per_year) ** (1.0 / 12.0) - 1.0


def monthly_prob(prob_per_year: float) -> float:
    """Probability per month of an event with the given probability per year."""
    return 1.0 - (1.0 - min(prob_per_year, 1.0)) ** (1.0 / 12.0)
