"""What the mechanisms may use of the model: the state arrays, the parameters, the random streams, the clock.

Every mechanism function takes ``m: ModelState``; :class:`abm.model.CommissioningModel` (one run) and
:class:`abm.batch.Batch` (R runs side by side) provide it through :class:`abm.engine.Engine`, and a type checker
(``make lint``) checks both sides. A mechanism reads and writes the arrays and returns what it did; it never
writes counters onto the model. It reads every numeric parameter through ``each`` (or ``of_run``): the runs of a
batch may differ in them (:mod:`abm.params`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from abm.config import BehaviourConfig, Config, InstitutionsConfig, RegimeConfig, RegulatorConfig, ResourcesConfig
    from abm.params import Value
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
    styles: list[Style]            # one regulatory style per run (styles may remember: carrot_then_stick)
    t: int
    benchmark: np.ndarray          # per run: national benchmark (mean, spread) of the benchmarked measures, each April
    rating_reference: list[np.ndarray | None]   # per run: CCGs' year scores at the first relative rating, sorted
    stp_trust: np.ndarray          # mean trust inside each STP
    initial_budget: np.ndarray     # local authorities' social-care budgets at the start
    next_leader_id: np.ndarray     # per run: the next new leader's id
    # R runs side by side (abm.engine): N organisations, E relationships, S STPs each
    R: int
    N: int
    E: int
    S: int
    run_of_org: np.ndarray
    org_runs: list[slice]
    edge_runs: list[slice]
    stp_runs: list[slice]

    @property
    def month_of_year(self) -> int: ...

    def each(self, value: Value, per: str = "orgs", idx: np.ndarray | int | None = None) -> Any: ...

    def of_run(self, value: Value, run: int) -> float | int: ...

    def mask(self, *kinds: str) -> np.ndarray: ...

    def relationships(self, kinds: int | tuple[int, ...], src: str | None = None, forward: bool = False,
                      within_stp: bool = False) -> np.ndarray: ...

    def draw(self, stream: str, n: int, runs: bool | np.ndarray = True) -> np.ndarray: ...

    def normal(self, stream: str, sd: Value, n: int) -> np.ndarray: ...

    def stream(self, name: str, run: int) -> np.random.Generator: ...

    def runs_of(self, idx: np.ndarray, per: str = "orgs") -> Iterator[tuple[int, slice]]: ...

    def sums(self, values: np.ndarray, idx: np.ndarray | None = None, per: str = "orgs") -> np.ndarray: ...

    def counts(self, idx: np.ndarray, per: str = "orgs") -> np.ndarray: ...

    def trust_in_regulators(self) -> np.ndarray: ...

    def on_merge(self, keep: int, gone: int) -> None: ...
