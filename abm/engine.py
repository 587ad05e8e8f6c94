"""The engine: state, random streams, clock and step order, for R independent runs side by side.

One run is R = 1 (:class:`abm.model.CommissioningModel`, the Mesa model). :class:`abm.batch.Batch` puts R runs into
one set of arrays: replicates of one configuration, or runs whose numeric parameters differ too (particles, samples,
posterior draws; :mod:`abm.params`). Each run keeps its own configuration (``run_configs``) and its own regulator
(``styles``); the mechanisms read the merged configuration (``beh``, ``reg``, ``res``, ``inst``, ``regime``),
where a parameter is a number when every run has the same and one value per run when not, through the run-axis
helpers of :class:`abm.axis.RunAxis` (``each``, ``draw``, ``sums``, ...). What a mechanism did is returned per run
(arrays of length R) and added into this month's :class:`abm.flows.Flows` (``run_flows``).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from abm import initial, posterior
from abm.axis import RunAxis
from abm.compose import regulator_preset
from abm.config import CHANGEABLE, Config, parse_change, validate
from abm.flows import Flows
from abm.mechanisms import collaboration, leadership, mergers, money, oversight, peers, ratings, stp, trust
from abm.params import merge
from abm.scenarios import build
from abm.state import build_state
from abm.styles import Style, make_style
from abm.vocabulary import KIND_ID

if TYPE_CHECKING:
    from abm.protocol import ModelState

JULY = 3          # month of year (0 = April) when ratings and the dashboard are published
# Independent random streams, one per purpose, all derived from (seed, replicate). Each mechanism draws a fixed number
# of numbers per call from its own stream, so runs that differ only in style use the same random numbers for the same
# purpose (common random numbers) and their differences can be read as paired differences.
STREAMS = ("money", "assessment", "oversight", "trust", "peers", "collaboration", "exits", "succession", "mergers")
LEADER_BLOCK = 2 ** 40   # leader ids of run r are r * LEADER_BLOCK + its own ids: no two runs share a leader
GROUPS = ("beh", "reg", "res", "inst", "regime")     # the merged parameter groups, as the mechanisms name them
SPIN_UP_MONTHS = 12   # months of reviews before the start that form the regulators' view of trusts started from data
COHORT_REGIME = {oversight.QUALITY_SM: "quality", oversight.FINANCIAL_SM: "financial"}   # names in the cohort file
PLACEMENTS = (("place_quality_special_measures", oversight.QUALITY_SM),
              ("place_financial_special_measures", oversight.FINANCIAL_SM),
              ("place_ccg_directions", oversight.DIRECTIONS))


def seeds(seed: int, replicate: int) -> tuple[int, dict[str, np.random.Generator]]:
    """The initial-state seed and the named streams of one run, from (seed, replicate)."""
    root = np.random.SeedSequence(int(seed), spawn_key=(int(replicate),))
    children = root.spawn(len(STREAMS) + 1)
    streams = {name: np.random.default_rng(c) for name, c in zip(STREAMS, children[1:], strict=True)}
    return int(children[0].generate_state(1)[0]), streams


def prepare(config: Config) -> Config:
    """The configuration a run uses: the posterior draw applied (the one place where it is), validated, and its
    parameter groups copied (the policy timeline sets their fields as the run goes; fields are replaced, never
    changed in place)."""
    cfg = posterior.apply(config)
    validate(cfg)
    return replace(cfg, **{group: copy.copy(getattr(cfg, group)) for group in CHANGEABLE})


def _concat(parts: list, offsets: dict[str, list[int]]):
    """One state object from per-run ones: arrays joined, the named index arrays offset run by run (-1 kept)."""
    cls = type(parts[0])
    out = {}
    for name in parts[0].__dataclass_fields__:
        arrays = []
        for r, part in enumerate(parts):
            a = getattr(part, name)
            if name in offsets:
                a = np.where(a >= 0, a + offsets[name][r], a)
            arrays.append(a)
        out[name] = np.concatenate(arrays, axis=0)
    return cls(**out)


class Engine(RunAxis):
    """Shared by the single-run Mesa model and the batch: build the state of R runs, step them, split what they did."""

    styles: list[Style]

    def _setup(self, configs: list[Config], rngs: list[np.random.Generator],
               streams: list[dict[str, np.random.Generator]]) -> None:
        """``configs``: each run's prepared configuration (:func:`prepare`); they may differ in numbers only."""
        self.run_configs = list(configs)
        self.config = merge(self.run_configs)
        self._groups()
        cfg = self.config
        self.replicates = [int(c.replicate) for c in configs]
        self.R = len(configs)
        self.run_streams = streams
        self.styles = [make_style(c.regulator) for c in configs]
        self.style_for = [c.regulator.name for c in configs]     # the regulators the styles were built for
        self.months = int(cfg.months)
        self.t = 0
        self.start = pd.Period(cfg.start, freq="M")
        self.first_dashboard = (pd.Period("2017-07", freq="M") - self.start).n
        self.events = sorted(cfg.timeline, key=lambda ev: ev.date)
        self.applied: list[str] = []
        self._apply_policy(upto=self.start)
        self.structure = build(cfg.scenario)
        states = [build_state(self.structure, c.behaviour, rng, c.start, c.scenario.from_data)
                  for c, rng in zip(self.run_configs, rngs, strict=True)]
        n, ne, ns = len(states[0][0].kind), len(states[0][1].src), len(states[0][2].maturity)
        self.N, self.E, self.S = n, ne, ns
        for r, (o, _e, _s) in enumerate(states):
            o.leader = o.leader + r * LEADER_BLOCK
        org_off = {k: [r * n for r in range(self.R)] for k in ("merged_into", "merge_with")}
        org_off["stp"] = [r * ns for r in range(self.R)]
        self.orgs = states[0][0] if self.R == 1 else _concat([s[0] for s in states], org_off)
        self.edges = states[0][1] if self.R == 1 else _concat(
            [s[1] for s in states], {"src": [r * n for r in range(self.R)], "dst": [r * n for r in range(self.R)],
                                     "rev": [r * ne for r in range(self.R)]})
        self.stps = states[0][2] if self.R == 1 else _concat([s[2] for s in states], {})
        self.org_runs = [slice(r * n, (r + 1) * n) for r in range(self.R)]
        self.edge_runs = [slice(r * ne, (r + 1) * ne) for r in range(self.R)]
        self.stp_runs = [slice(r * ns, (r + 1) * ns) for r in range(self.R)]
        self.run_of_org = np.repeat(np.arange(self.R), n)
        self.kind_id = np.tile([KIND_ID[k] for k in self.structure.orgs.kind], self.R)      # static: kinds never change
        self._run_index: dict[str, np.ndarray] = {"orgs": self.run_of_org}
        self.initial_budget = self.orgs.budget.copy()
        self.next_leader_id = np.array([r * LEADER_BLOCK + n for r in range(self.R)], dtype=np.int64)
        self.run_flows = Flows.zeros(self.R)
        self.abolished = False
        self.rating_reference: list[np.ndarray | None] = [None] * self.R   # the first CCG rating under the IAF
        self._masks: dict[tuple, np.ndarray] = {}         # organisation masks and relationship sets, until a merger

    def _groups(self) -> None:
        """The merged parameter groups under the names the mechanisms use (``m.beh``, ``m.reg``, ...), and the
        per-run parameters among them, whose per-element expansions :meth:`RunAxis.each` keeps."""
        cfg = self.config
        self.beh, self.reg, self.res = cfg.behaviour, cfg.regulator, cfg.resources
        self.inst, self.regime = cfg.institutions, cfg.regime
        self._per_run = {id(v) for g in (self.beh, self.reg, self.res, self.inst, self.regime)
                         for v in vars(g).values() if isinstance(v, np.ndarray)}
        self._expanded = {}

    def _initialise(self) -> None:
        """The collaboration, maturity, ratings and control totals in place at month 0."""
        collaboration.initialise(self)
        self.stp_trust = stp.internal_trust(self)
        self.stps.maturity = stp.target(self)
        self.stps.category = np.digitize(self.stps.maturity, self.beh.dashboard_cuts)
        ratings.initial_ratings(self)
        accept = money.offer_control_totals(self)   # this year's control totals are already agreed at the start
        stp.designate(self)
        self._placements()
        if self.config.scenario.from_data:
            initial.regulators_view(self, SPIN_UP_MONTHS)
        if self.month_of_year == 0:                 # in an April, both sides' plans for the year
            money.plan_spending(self)
            money.plan_capacity(self, accept)

    def set_regulators(self, regulators: list) -> None:
        """Give each run the regulator configuration ``regulators[r]`` (and the styles they name)."""
        for run, regulator in zip(self.run_configs, regulators, strict=True):
            run.regulator = regulator
        self.config = merge(self.run_configs) if self.R > 1 else self.run_configs[0]
        self._groups()
        self.styles = [make_style(c.regulator) for c in self.run_configs]
        self.style_for = [c.regulator.name for c in self.run_configs]

    def trust_in_regulators(self) -> np.ndarray:
        return trust.in_regulators(cast("ModelState", self))

    def on_merge(self, keep: int, gone: int) -> None:
        self._masks.clear()

    # --- time -------------------------------------------------------------------------------------------------------
    @property
    def date(self) -> pd.Period:
        return self.start + self.t

    @property
    def month_of_year(self) -> int:
        """Month of the NHS financial year: 0 = April, whatever month the run starts in."""
        return (self.date.month - 4) % 12

    def _apply_policy(self, upto: pd.Period) -> None:
        """Apply the policy timeline's events dated up to ``upto`` (once each), and the counterfactual style, to every
        run's configuration.

        The timeline is data (``conf/scenario/england_2013.yaml``): each event changes regulator or behaviour
        parameters, or the regulatory style itself (``regulator.name``), from its date on.
        """
        cf = self.config.counterfactual
        cf_from = pd.Period(cf.start, freq="M") if cf.style else None
        changed = False
        while self.events and pd.Period(self.events[0].date, freq="M") <= upto:
            event = self.events.pop(0)
            when = pd.Period(event.date, freq="M")
            for change in event.changes:
                group, name, value = parse_change(change)
                if group == "regulator" and cf_from is not None and when >= cf_from:
                    continue                      # the counterfactual regulator ignores later regulator events
                for run in self.run_configs:
                    setattr(getattr(run, group), name, value)
                changed = True
            self.applied.append(f"{event.date}: {event.note}")
        restyle = False
        if cf_from is not None and cf_from <= upto and self.run_configs[0].regulator.name != cf.style:
            for run in self.run_configs:
                run.regulator = regulator_preset(cf.style)
            self.applied.append(f"{cf.start}: counterfactual style {cf.style}")
            changed = restyle = True
        if changed:
            self.config = merge(self.run_configs) if self.R > 1 else self.run_configs[0]
            self._groups()
        # New styles only when the regulator changes (a timeline event naming a style, or a counterfactual), so that a
        # style set on the model by hand (``model.style = MyStyle(model.reg)``, as in docs/tutorial.ipynb) stays in
        # charge.
        if restyle or self.style_for != [c.regulator.name for c in self.run_configs]:
            self.styles = [make_style(c.regulator) for c in self.run_configs]
            self.style_for = [c.regulator.name for c in self.run_configs]

    def _placements(self) -> None:
        """Carry out the one-off placements a policy event asked for (each run its own number), then clear them. Where
        the published lists name the trusts placed that month (``abm/data/special_measures_cohorts.csv``) and the run
        holds the real trusts, those are placed."""
        for name, kind in PLACEMENTS:
            count = self.each(getattr(self.regime, name), "runs")
            if np.any(count):
                named = (initial.entering(self.structure.orgs.code.to_numpy(), COHORT_REGIME[kind], str(self.date))
                         if kind in COHORT_REGIME and self.config.scenario.from_data else None)
                self.run_flows.add(regime_entries=oversight.place(self, kind, count, named))
                for run in self.run_configs:
                    setattr(run.regime, name, 0)
                setattr(self.regime, name, 0)

    def advance(self) -> None:
        """One month, in the order: policy -> money and demand -> providers act -> commissioners act -> books close
        -> oversight and the regulator's response -> trust, peers and collaboration -> leaders -> STP maturity."""
        self.run_flows = f = Flows.zeros(self.R)
        self.t += 1
        self._apply_policy(upto=self.date)
        money.grow(self)
        if self.month_of_year == 0:
            initial.anchor(self)
            f.add(**money.contract_round(self))
            self.benchmark = oversight.rebase(self)
        if self.month_of_year == JULY and self.t >= self.first_dashboard:
            f.add(investment=stp.invest(self))
        money.performance(self)
        f.add(**collaboration.tender_threats(self))
        f.add(**money.settle(self))
        f.add(**collaboration.share_risk(self))
        money.close_books(self)
        oversight.tick(self)
        self._placements()
        if not self.regime.covid:                     # routine oversight, ratings and inspections pause
            f.add(**oversight.review(self))
            f.add(**ratings.inspect(self))
            if self.month_of_year == JULY:
                ratings.publish_ratings(self)
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
        merged = mergers.update(self)
        if self.regime.ccgs_abolished and not self.abolished:
            merged += mergers.abolish_ccgs(self)
            self.abolished = True
        keep = np.array(sorted({k for k, _ in merged}), dtype=np.int64)
        gone = np.array(sorted(g for _, g in merged), dtype=np.int64)
        f.add(mergers=self.counts(gone), merger_events=self.counts(keep))
        leadership.update_stress(self)
        f.add(**leadership.turnover(self))
        stp.update(self)
        stp.designate(self)


class _Part:
    """One run's part of a state object, sliced when first read (the recorder reads only some arrays), its index
    arrays shifted back to that run's own numbering."""

    def __init__(self, state, block: slice, shifts: dict[str, int]):
        self._state, self._block, self._shifts = state, block, shifts

    def __getattr__(self, name: str) -> np.ndarray:
        a = getattr(self._state, name)[self._block]
        if self._shifts.get(name):
            a = np.where(a >= 0, a - self._shifts[name], a)
        setattr(self, name, a)
        return a


class RunView:
    """One run of an engine as a single run sees itself: its own arrays and its own numbering (what the recorder
    reads to write a run's relationships and organisations). For a single run the arrays are the engine's own."""

    orgs: Any
    edges: Any
    stps: Any

    def __init__(self, m: Engine, run: int):
        self.t, self.structure = m.t, m.structure
        if m.R == 1:
            self.orgs, self.edges, self.stps = m.orgs, m.edges, m.stps
            return
        n0, e0, s0 = m.org_runs[run].start, m.edge_runs[run].start, m.stp_runs[run].start
        self.orgs = _Part(m.orgs, m.org_runs[run], {"stp": s0, "merged_into": n0, "merge_with": n0,
                                                     "leader": run * LEADER_BLOCK})
        self.edges = _Part(m.edges, m.edge_runs[run], {"src": n0, "dst": n0, "rev": e0})
        self.stps = _Part(m.stps, m.stp_runs[run], {})
