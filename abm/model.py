"""CommissioningModel: the English commissioning system as a Mesa model.

It owns the organisations (Mesa agents in AgentSets), the organisation network (``model.grid``, a
``mesa.discrete_space.Network``), the state arrays the mechanisms work on, the clock and the step order. One step is
one month (from April 2016 unless ``start`` says otherwise): contract rounds each April, a third of the oversight
reviews each month, CQC inspections on a staggered cycle, CCG ratings and the STP dashboard each July. What the
mechanisms did in a month is one :class:`abm.flows.Flows` record (``model.flows``).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import asdict, replace

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from abm import metrics, posterior
from abm.agents import AGENT_CLASS, STP, Organisation
from abm.compose import regulator_preset
from abm.config import (
    BehaviourConfig,
    Config,
    InstitutionsConfig,
    RegimeConfig,
    RegulatorConfig,
    ResourcesConfig,
    ScenarioConfig,
    parse_change,
    to_config,
    validate,
)
from abm.flows import Flows
from abm.layout import grouped_layout
from abm.mechanisms import collaboration, leadership, money, oversight, peers, stp, trust
from abm.scenarios import build
from abm.state import build_state
from abm.styles import make_style
from abm.vocabulary import PROVIDER_KINDS

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO under Hydra

JULY = 3          # month of year (0 = April) when ratings and the dashboard are published
# Independent random streams, one per purpose, all derived from (seed, replicate). Each mechanism draws a fixed number
# of numbers per call from its own stream, so runs that differ only in style use the same random numbers for the same
# purpose (common random numbers) and their differences can be read as paired differences.
STREAMS = ("money", "assessment", "oversight", "trust", "peers", "collaboration", "exits", "succession")


class CommissioningModel(mesa.Model):
    """Commissioners, providers, local authorities and regulators under a configurable regulatory style.

    Build it from a full :class:`abm.config.Config` (``config=``), or from flat keyword arguments naming the
    scenario, the style and any regulator parameter (as the browser view does). All randomness comes from streams
    derived from ``config.seed`` and ``config.replicate``.
    """

    def __init__(self, config: Config | None = None, *, scenario: str | None = None, regulator: str | None = None,
                 seed: int | None = None, months: int | None = None, draw_layout: bool = False, **regulator_params):
        if config is None:                     # the schema's defaults are conf/config.yaml's (a test checks)
            config = Config()
        cfg = _with_overrides(config, scenario, regulator, seed, months, regulator_params)
        cfg = posterior.apply(cfg)              # posterior.draw=K: the calibrated parameters of draw K
        validate(cfg)
        cfg = copy.deepcopy(cfg)              # the policy timeline changes parameters during the run
        root = np.random.SeedSequence(int(cfg.seed), spawn_key=(int(cfg.replicate),))
        children = root.spawn(len(STREAMS) + 1)
        super().__init__(rng=int(children[0].generate_state(1)[0]))
        self.streams = {name: np.random.default_rng(c) for name, c in zip(STREAMS, children[1:], strict=True)}
        self.config = cfg
        self.beh: BehaviourConfig = cfg.behaviour
        self.reg: RegulatorConfig = cfg.regulator
        self.res: ResourcesConfig = cfg.resources
        self.inst: InstitutionsConfig = cfg.institutions
        self.regime: RegimeConfig = cfg.regime
        self.style = make_style(cfg.regulator)
        self.style_for = cfg.regulator.name     # the regulator the style was built for
        self.months = int(cfg.months)
        self.t = 0
        self.start = pd.Period(cfg.start, freq="M")
        self.first_dashboard = (pd.Period("2017-07", freq="M") - self.start).n
        self.events = sorted(cfg.timeline, key=lambda ev: ev.date)
        self.applied: list[str] = []
        self._apply_policy(upto=self.start)
        self.structure = build(cfg.scenario)
        self.orgs, self.edges, self.stps = build_state(self.structure, self.beh, self.rng)
        n = len(self.orgs.kind)
        self.initial_budget = self.orgs.budget.copy()
        self.next_leader_id = n
        self.flows = Flows()
        self.abolished = False
        self._masks: dict[tuple, np.ndarray] = {}
        self._build_agents(draw_layout)
        collaboration.initialise(self)
        self.stp_trust = stp.internal_trust(self)
        self.stps.maturity = stp.target(self)
        self.stps.category = np.digitize(self.stps.maturity, self.beh.dashboard_cuts)
        oversight.initial_ratings(self)
        money.offer_control_totals(self)          # this year's control totals are already agreed at the start
        stp.designate(self)
        self._placements()
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

    def mask(self, *kinds: str) -> np.ndarray:
        """Alive organisations of the given kinds (``"provider"`` stands for all four provider kinds)."""
        key = kinds
        if key not in self._masks:
            names = [k for kind in kinds for k in (PROVIDER_KINDS if kind == "provider" else (kind,))]
            self._masks[key] = np.isin(self.orgs.kind, names) & self.orgs.alive
        return self._masks[key]

    def draw(self, stream: str, n: int) -> np.ndarray:
        """``n`` uniform numbers from the named random stream."""
        return self.streams[stream].random(n)

    def trust_in_regulators(self) -> np.ndarray:
        return trust.in_regulators(self)

    def on_merge(self, keep: int, gone: int) -> None:
        """Keep agents and network in step with a merger: the absorbed CCG's agent and node disappear."""
        self._masks.clear()
        agent = self.agent_of[gone]
        cell = agent.cell
        agent.remove()
        self.grid.remove_cell(cell)
        e = self.edges
        for other in e.dst[e.active & (e.src == keep)].tolist():
            if not self.grid.G.has_edge(keep, other):
                self.grid.add_connection(self.grid[keep], self.grid[other])

    # --- time -----------------------------------------------------------------------------------------------------
    @property
    def date(self) -> pd.Period:
        return self.start + self.t

    def _apply_policy(self, upto: pd.Period) -> None:
        """Apply the policy timeline's events dated up to ``upto`` (once each), and the counterfactual style.

        The timeline is data (``conf/scenario/england_2013.yaml``): each event changes regulator or behaviour
        parameters, or the regulatory style itself (``regulator.name``), from its date on.
        """
        cf = self.config.counterfactual
        cf_from = pd.Period(cf.start, freq="M") if cf.style else None
        while self.events and pd.Period(self.events[0].date, freq="M") <= upto:
            event = self.events.pop(0)
            when = pd.Period(event.date, freq="M")
            for change in event.changes:
                group, name, value = parse_change(change)
                if group == "regulator" and cf_from is not None and when >= cf_from:
                    continue                      # the counterfactual regulator ignores later regulator events
                setattr(getattr(self.config, group), name, value)
            self.applied.append(f"{event.date}: {event.note}")
        if cf_from is not None and cf_from <= upto and self.config.regulator.name != cf.style:
            self.config.regulator = regulator_preset(cf.style)
            self.applied.append(f"{cf.start}: counterfactual style {cf.style}")
        self.reg = self.config.regulator
        self.beh = self.config.behaviour
        self.regime = self.config.regime
        self.res = self.config.resources
        self.inst = self.config.institutions
        # A new style only when the regulator changes (a timeline event or a counterfactual), so that a style set on
        # the model by hand (``model.style = MyStyle(model.reg)``, as in docs/tutorial.ipynb) stays in charge.
        if self.reg.name != self.style_for or self.style.params is not self.reg:
            self.style, self.style_for = make_style(self.reg), self.reg.name

    @property
    def month_of_year(self) -> int:
        """Month of the NHS financial year: 0 = April, whatever month the run starts in."""
        return (self.date.month - 4) % 12

    def _placements(self) -> None:
        """Carry out the one-off placements a policy event asked for, then clear them."""
        g = self.regime
        for name, kind in (("place_quality_special_measures", oversight.QUALITY_SM),
                           ("place_financial_special_measures", oversight.FINANCIAL_SM),
                           ("place_ccg_directions", oversight.DIRECTIONS)):
            if getattr(g, name):
                self.flows.add(regime_entries=oversight.place(self, kind, getattr(g, name)))
                setattr(g, name, 0)

    def step(self) -> None:
        """One month, in the order: policy -> money and demand -> providers act -> commissioners act -> books close
        -> oversight and the regulator's response -> trust, peers and collaboration -> leaders -> STP maturity."""
        self.flows = f = Flows()
        self.t += 1
        self._apply_policy(upto=self.date)
        money.grow(self)
        if self.month_of_year == 0:
            f.add(**money.contract_round(self))
            self.benchmark = oversight.rebase(self)
        if self.month_of_year == JULY and self.t >= self.first_dashboard:
            f.investment = stp.invest(self)
        money.performance(self)
        f.add(**collaboration.tender_threats(self))
        f.add(**money.settle(self))
        f.add(**collaboration.share_risk(self))
        money.close_books(self)
        oversight.tick(self)
        self._placements()
        if not self.regime.covid:                     # routine oversight, ratings and inspections pause
            f.add(**oversight.review(self))
            oversight.inspect(self)
            if self.month_of_year == JULY:
                oversight.publish_ratings(self)
        trust.joint_work(self)
        trust.update(self)
        peers.compare(self)
        peers.learn(self)
        self.stp_trust = stp.internal_trust(self)
        collaboration.joint_committees(self)
        collaboration.pooled_budgets(self)
        collaboration.alliances(self)
        collaboration.risk_shares(self)
        collaboration.shared_officers(self)
        merged = collaboration.mergers(self)
        if self.regime.ccgs_abolished and not self.abolished:
            merged += collaboration.abolish_ccgs(self)
            self.abolished = True
        f.mergers, f.merger_events = len(merged), len({keep for keep, _ in merged})
        leadership.update_stress(self)
        f.add(**leadership.turnover(self))
        stp.update(self)
        stp.designate(self)
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
