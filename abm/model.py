"""CommissioningModel: the English commissioning system as a Mesa model.

It owns the organisations (Mesa agents in AgentSets), the organisation network (``model.grid``, a
``mesa.discrete_space.Network``), the state arrays the mechanisms work on, the clock and the step order. One step is
one month (from April 2016 unless ``start`` says otherwise): contract rounds each April, a third of the oversight
reviews each month, CQC inspections on a staggered cycle, CCG ratings and the STP dashboard each July. What the
mechanisms did in a month is one :class:`abm.flows.Flows` record (``model.flows``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace

import mesa
import networkx as nx
from mesa.discrete_space import Network

from abm import metrics
from abm.agents import AGENT_CLASS, STP, Organisation
from abm.compose import regulator_preset
from abm.config import Config, ScenarioConfig, to_config
from abm.engine import JULY, STREAMS, Engine, prepare, seeds  # noqa: F401  (JULY, STREAMS: re-exported)
from abm.flows import Flows
from abm.layout import grouped_layout
from abm.styles import Style

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO under Hydra


class CommissioningModel(Engine, mesa.Model):
    """Commissioners, providers, local authorities and regulators under a configurable regulatory style.

    Build it from a full :class:`abm.config.Config` (``config=``), or from flat keyword arguments naming the
    scenario, the style and any regulator parameter (as the browser view does). All randomness comes from streams
    derived from ``config.seed`` and ``config.replicate``. The state, the streams and the step order are the
    engine's (:mod:`abm.engine`, one run); this class adds the Mesa side: agents, the network, the DataCollector.
    """

    def __init__(self, config: Config | None = None, *, scenario: str | None = None, regulator: str | None = None,
                 seed: int | None = None, months: int | None = None, draw_layout: bool = False, **regulator_params):
        if config is None:                     # the schema's defaults are conf/config.yaml's (a test checks)
            config = Config()
        cfg = prepare(_with_overrides(config, scenario, regulator, seed, months, regulator_params))
        state_seed, streams = seeds(cfg.seed, cfg.replicate)
        super().__init__(rng=state_seed)
        self.streams = streams
        self._setup([cfg], [self.rng], [streams])
        self._build_agents(draw_layout)
        self._initialise()
        self.recorder = metrics.Recorder(self)
        self.datacollector = self.recorder.datacollector       # Mesa's convention: model.datacollector
        self.recorder.collect()

    # --- construction -------------------------------------------------------------------------------------------
    def _build_agents(self, draw_layout: bool) -> None:
        orgs = self.structure.orgs
        graph = nx.Graph()
        graph.add_nodes_from(range(len(orgs)))
        e = self.edges
        fwd = e.src < e.dst
        graph.add_edges_from(zip(e.src[fwd].tolist(), e.dst[fwd].tolist(), strict=True))
        # Positions are fixed by the structure (abm/layout.py); handed to the Network only when it will be drawn.
        self.layout = grouped_layout(self.orgs.stp, self.orgs.region, self.orgs.kind)
        layout = {i: tuple(p) for i, p in enumerate(self.layout)} if draw_layout else None
        self.grid = Network(graph, capacity=1, random=self.random, layout=layout)
        self.agent_of: list[Organisation] = []
        for i, row in enumerate(orgs.itertuples()):
            agent = AGENT_CLASS[row.kind](self, i, row.code, row.name)
            agent.cell = self.grid[i]
            self.agent_of.append(agent)
        self.stp_agents = [STP(self, i, r.code, r.name) for i, r in enumerate(self.structure.stps.itertuples())]

    @property
    def organisations(self) -> mesa.agent.AgentSet:
        return self.agents.select(lambda a: isinstance(a, Organisation))

    @property
    def style(self) -> Style:
        """The regulatory style in charge (set one by hand to try a style of your own)."""
        return self.styles[0]

    @style.setter
    def style(self, value: Style) -> None:
        self.styles = [value]

    @property
    def flows(self) -> Flows:
        """What the mechanisms did this month (plain numbers)."""
        return self.run_flows.run(0)

    def on_merge(self, keep: int, gone: int) -> None:
        """Keep agents and network in step with a merger: the absorbed CCG's agent and node disappear."""
        super().on_merge(keep, gone)
        agent = self.agent_of[gone]
        cell = agent.cell
        agent.remove()
        self.grid.remove_cell(cell)
        e = self.edges
        for other in e.dst[e.active & (e.src == keep)].tolist():
            if not self.grid.G.has_edge(keep, other):
                self.grid.add_connection(self.grid[keep], self.grid[other])

    # --- time -----------------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One month (the engine's step order, :meth:`abm.engine.Engine.advance`), then the month's outcomes."""
        self.advance()
        self.recorder.collect()
        if self.t >= self.months:
            self.running = False

    def run(self) -> CommissioningModel:
        while self.running and self.t < self.months:
            self.step()
        return self


def _with_overrides(cfg, scenario, regulator, seed, months, params) -> Config:
    """Apply flat keyword overrides to a Config: ``params`` name fields of the regulator, resources or institutions
    (as the browser view's sliders do); a new style name takes that style's preset from ``conf/``."""
    cfg = to_config(cfg)
    if scenario is None and regulator is None and seed is None and months is None and not params:
        return cfg
    sc = ScenarioConfig(**{**asdict(cfg.scenario), **({"name": scenario} if scenario else {})})
    rg = regulator_preset(regulator) if regulator and regulator != cfg.regulator.name else cfg.regulator
    parts = {"regulator": rg, "resources": cfg.resources, "institutions": cfg.institutions}
    allowed = {name: group for group, part in parts.items() for name in asdict(part) if name != "name"}
    unknown = set(params) - set(allowed)
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
    for group, part in parts.items():
        mine = {k: v for k, v in params.items() if allowed[k] == group}
        parts[group] = replace(part, **mine) if mine else part
    return replace(cfg, seed=cfg.seed if seed is None else int(seed), months=cfg.months if months is None else int(months),
                   scenario=sc, **parts)
