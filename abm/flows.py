"""What the mechanisms did in one month, as one record.

Mechanisms return what they did (money moved, events counted) as keyword dictionaries, one number per run (arrays
of length R, see :mod:`abm.engine`); the engine adds them into this month's :class:`Flows` and the recorder reads each
run's record (:meth:`Flows.run`). Nothing here is state: a new record starts every month.
Money is in GBP million per month.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class Flows:
    fines: float = 0.0               # contract sanctions levied on providers
    cquin_withheld: float = 0.0      # CQUIN money withheld for local quality goals not met
    stf: float = 0.0                 # sustainability / provider sustainability fund paid
    distress: float = 0.0            # central distress funding
    topups: float = 0.0              # COVID-19 regime top-ups to break even
    support: float = 0.0             # regulator support paid to supported bodies (top-sliced from allocations)
    interventions: float = 0.0       # regulator spend on bodies in special measures or under directions
    pooled: float = 0.0              # CCG money spent through pooled budgets
    investment: float = 0.0          # STP capital and transformation investment (July)
    risk_transfer: float = 0.0       # money moved between members of STP risk shares
    external_in: float = 0.0         # money entering the modelled system (allocations, budgets, funds)
    external_out: float = 0.0        # money leaving it (costs, interest, other spending)
    tenders: int = 0                 # re-tendering threats
    enforcement_actions: int = 0     # escalations to warning or above
    regime_entries: int = 0          # bodies entering special measures or legal directions
    regime_exits: int = 0            # trusts leaving special measures
    regime_exit_months: int = 0      # months those trusts had spent in special measures (sum)
    directions_lifted: int = 0       # CCGs leaving legal directions
    turnover: int = 0                # leaders of NHS bodies (CCGs, trusts) who left
    forced_exits: int = 0            # of which leaders removed by the regulator
    mergers: int = 0                 # CCGs absorbed by a merger taking effect
    merger_events: int = 0           # mergers taking effect (a merger of three CCGs into one is one event)
    control_totals_accepted: int = 0  # trusts accepting a control total (April)
    control_totals_offered: int = 0

    @classmethod
    def zeros(cls, runs: int) -> Flows:
        """A record for ``runs`` runs side by side: every field an array with one entry per run."""
        return cls(**{f.name: np.zeros(runs, dtype=np.int64 if f.type in ("int", int) else float) for f in fields(cls)})

    def run(self, r: int) -> Flows:
        """Run ``r``'s record, as plain numbers."""
        return Flows(**{f.name: (int if f.type in ("int", int) else float)(getattr(self, f.name)[r])
                        for f in fields(self)})

    def add(self, **amounts: float) -> None:
        """Add a mechanism's returned amounts to this month's record (unknown names are an error)."""
        for name, value in amounts.items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
