"""What the mechanisms may use of the model: the state arrays, the parameters, the random streams, the clock.

Every mechanism function takes ``m: ModelState``; :class:`abm.model.CommissioningModel` provides it, and a type
checker (``make lint``) checks both sides. A mechanism reads and writes the arrays and returns what it did; it never
writes counters onto the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from abm.config import BehaviourConfig, Config, InstitutionsConfig, RegimeConfig, RegulatorConfig, ResourcesConfig
    from abm.flows import Flows
    from abm.state import Edges, Orgs, STPs
    from abm.styles import Style


class ModelState(Protocol):
    orgs: Orgs
    edges: Edges
    stps: STPs
    config: Config
    beh: BehaviourConfig
    reg: RegulatorConfig
    res: ResourcesConfig
    inst: InstitutionsConfig
    regime: RegimeConfig
    style: Style
    streams: dict[str, np.random.Generator]
    t: int
    benchmark: np.ndarray          # national benchmark (mean, spread) of the benchmarked measures, re-based each April
    stp_trust: np.ndarray          # mean trust inside each STP
    initial_budget: np.ndarray     # local authorities' social-care budgets at the start
    next_leader_id: int
    flows: Flows

    @property
    def month_of_year(self) -> int: ...

    def mask(self, *kinds: str) -> np.ndarray: ...

    def draw(self, stream: str, n: int) -> np.ndarray: ...

    def trust_in_regulators(self) -> np.ndarray: ...

    def on_merge(self, keep: int, gone: int) -> None: ...
