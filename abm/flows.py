"""What the mechanisms did in one month, as one record.

Mechanisms return what they did (money moved, events counted) as keyword dictionaries, one number per run (arrays
of length R, see :mod:`abm.engine`); the engine adds them into this month's :class:`Flows` and the recorder reads each
run's record (:meth:`Flows.run`). Nothing here is state: a new record starts every month.
Money is in GBP million per month.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

Amount = float | np.ndarray      # GBP m: a number for one run, an array (one per run) for a batch
Count = int | np.ndarray         # events counted, likewise


@dataclass
class Flows:
    fines: Amount = 0.0               # contract sanctions levied on providers
    cquin_withheld: Amount = 0.0      # CQUIN money withheld for local quality goals not met
    stf: Amount = 0.0                 # sustainability / provider sustainability fund paid
    distress: Amount = 0.0            # central distress funding
    topups: Amount = 0.0              # COVID-19 regime top-ups to break even
    support: Amount = 0.0             # regulator support paid to supported bodies (top-sliced from allocations)
    interventions: Amount = 0.0       # regulator spend on bodies in special measures or under directions
    pooled: Amount = 0.0              # CCG money spent through pooled budgets
    investment: Amount = 0.0          # STP capital and transformation investment (July)
    risk_transfer: Amount = 0.0       # money moved between members of STP risk shares
    external_in: Amount = 0.0         # money entering the modelled system (allocations, budgets, funds)
    external_out: Amount = 0.0        # money leaving it (costs, interest, other spending)
    tenders: Count = 0                 # re-tendering threats
    gaming_caught: Count = 0           # trusts an inspection found misreporting
    enforcement_actions: Count = 0     # escalations to warning or above
    regime_entries: Count = 0          # bodies entering special measures or legal directions
    regime_exits: Count = 0            # trusts leaving special measures
    regime_exit_months: Count = 0      # months those trusts had spent in special measures (sum)
    directions_lifted: Count = 0       # CCGs leaving legal directions
    turnover: Count = 0                # leaders of NHS bodies (CCGs, trusts) who left
    forced_exits: Count = 0            # of which leaders removed by the regulator
    mergers: Count = 0                 # CCGs absorbed by a merger taking effect
    merger_events: Count = 0           # mergers taking effect (a merger of three CCGs into one is one event)
    control_totals_accepted: Count = 0  # trusts accepting a control total (April)
    control_totals_offered: Count = 0

    @classmethod
    def zeros(cls, runs: int) -> Flows:
        """A record for ``runs`` runs side by side: every field an array with one entry per run."""
        zeros: dict = {f.name: np.zeros(runs, dtype=np.int64 if isinstance(f.default, int) else float)
                       for f in fields(cls)}
        return cls(**zeros)

    def run(self, r: int) -> Flows:
        """Run ``r``'s record, as plain numbers."""
        numbers: dict = {f.name: (int if isinstance(f.default, int) else float)(getattr(self, f.name)[r])
                         for f in fields(self)}
        return Flows(**numbers)

    def add(self, **amounts: Amount) -> None:
        """Add a mechanism's returned amounts to this month's record (unknown names are an error)."""
        for name, value in amounts.items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
