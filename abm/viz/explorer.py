"""The model the browser view drives: one CommissioningModel, or two side by side under different styles.

SolaraViz builds its model from flat keyword parameters that match the sidebar controls (``structure`` is the
scenario: Mesa reserves the name ``scenario`` for its own Scenario objects); this class takes them,
builds the simulation(s) and steps them together, so a viewer sees where two styles part on the same England
(same scenario, seed and replicate: common random numbers).
"""

from __future__ import annotations

import mesa

from abm.config import REGULATOR_STYLES, InstitutionsConfig, RegulatorConfig, ResourcesConfig
from abm.model import CommissioningModel

DEFAULT = RegulatorConfig()             # the default style and its parameters (conf/regulator/<default>.yaml)
RESOURCES = ResourcesConfig()           # the standard envelope
INSTITUTIONS = InstitutionsConfig()     # the 2016 national bodies
SECOND_STYLE = REGULATOR_STYLES[0]      # offered first for the side-by-side comparison


class ExplorerModel(mesa.Model):
    def __init__(self, structure: str = "england", regulator: str = DEFAULT.name, seed: int = 0,
                 tune_style: bool = False, severity: float = DEFAULT.severity,
                 budget: float = RESOURCES.budget, reporting_load: float = RESOURCES.reporting_load,
                 consistency: float = INSTITUTIONS.consistency, investment_rule: str = INSTITUTIONS.investment_rule,
                 side_by_side: bool = False, regulator_b: str = SECOND_STYLE, months: int = 60):
        super().__init__(rng=int(seed))
        tuned: dict = dict(severity=severity, budget=budget, reporting_load=reporting_load,
                     consistency=consistency, investment_rule=investment_rule) if tune_style else {}
        self.left = CommissioningModel(scenario=structure, regulator=regulator, seed=int(seed), months=months, **tuned)
        self.right = (CommissioningModel(scenario=structure, regulator=regulator_b, seed=int(seed), months=months,
                                         **tuned) if side_by_side else None)
        self.grid = self.left.grid            # where Mesa's renderers look for the space
        self.datacollector = self.left.datacollector   # and where Mesa's plot components look for the data

    @property
    def simulations(self) -> list[CommissioningModel]:
        return [m for m in (self.left, self.right) if m is not None]

    def step(self) -> None:
        for m in self.simulations:
            if m.running:
                m.step()
        self.running = any(m.running for m in self.simulations)
