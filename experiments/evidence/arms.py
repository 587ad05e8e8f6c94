"""The settings in which the published studies' designs are run inside the model (the *arms*), and what one run of
an arm gives a design to measure.

Each arm is a configuration built from the model's own scenarios: the 2013 replay as it was (and two
counterfactuals of it: no sustainability fund, no quality special measures), the targets era of 2002-2006 (the real
England structure under high-powered targets and the era's funding growth, started from the measured performance of
the time) and its counterpart without sanctions, and the replay with the regulator's style switched a year in (to the
carrot, to the stick). Runs of one replicate share their random numbers across arms (common random numbers), so
differences between arms are paired. Every parameter of a particle or posterior draw applies to every arm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from abm.compose import compose
from abm.config import Config, PolicyEvent, with_values
from abm.mechanisms import load_at_level

REPLAY = ["scenario=england_2013", "months=61", "write_organisations=true"]        # April 2013 to May 2018
# The targets era from April 2002: every trust rated each year against the standard (star ratings: the regulator
# attends to all), sanctions for failure and the removal of chief executives (the stick), the NHS Plan's money (about
# 7 % a year real growth: the published effects' README) and capacity that can grow with it (an assumption: the plan
# bought staff and beds as fast as the money came), the four-hour standard moving from 90 % (the milestone of March
# 2003) to 98 % (the target for December 2004, managed towards from April 2003). England of the era: the anonymous
# England (its trusts are not 2016's).
ERA = ["scenario=england", "scenario.from_data=false", "start=2002-04", "behaviour.standard_weight=1.0",
       "resources.capacity=1.0", "resources.funding_growth=0.07", "behaviour.capacity_growth_max=0.07",
       "behaviour.target=0.9", "regime.stf_share=0.0", "write_organisations=true"]
TARGETS = [*ERA, "months=36", "regulator=stick"]
# Targets without sanctions (Wales and Scotland kept the standard and the reporting, not England's sanctions): the
# stick's logic, so the same escalation and the same reporting, at severity 0 and with no removal of leaders.
WITHOUT_SANCTIONS = [*ERA, "months=36", "regulator=stick", "regulator.severity=0.0", "regulator.leader_removal=0.0",
                     "regulator.force_collaboration=0.0"]
# The decade to December 2013 (the four nations' shares that month are observed): the era's money to March 2010, then
# each country's own (Appleby 2011, BMJ 342:d2982, planned real change 2010/11 to 2014/15: England -0.9 % over four
# years, Wales nearly -11 %; Nuffield Trust from HM Treasury PESA 2015, per head 2009/10 to 2013/14: England flat,
# Scotland -GBP 51, Wales -GBP 125 of about GBP 2,000: derived, -0.6 % and -1.5 % a year).
DECADE = {"england": (TARGETS, 0.0), "scotland": (WITHOUT_SANCTIONS, -0.006), "wales": (WITHOUT_SANCTIONS, -0.015)}
SWITCHED = ["scenario=england_2013", "months=28", "write_organisations=true"]      # April 2013 to August 2015
SWITCH = "2014-04"                      # the month the replay's style is switched (a year in)


@dataclass(frozen=True)
class Arm:
    """A setting the designs are run in: Hydra overrides, and a change of the composed configuration that depends
    on the run's parameters (e.g. the starting load that gives the era's measured performance)."""
    name: str
    overrides: tuple[str, ...]
    adjust: Callable[[Config], Config] | None = None
    organisations: bool = True


def start_at(before: float) -> Callable[[Config], Config]:
    """Start the trusts at the load at which their performance level is ``before`` (the measured share of the era):
    capacity relative to demand ``1 / load``, the load at which the level is ``before``
    (:func:`abm.mechanisms.load_at_level`), with the run's own parameters."""
    def adjust(cfg: Config) -> Config:
        b = cfg.behaviour
        load = float(load_at_level(min(before, b.perf_baseline), b.perf_baseline, b.load_sensitivity, b.load_knee))
        return with_values(cfg, {"behaviour.capacity_headroom": float(np.clip(1.0 / load, 0.5, 1.5))})
    return adjust


def without_changes(*keys: str, keep_zero: bool = True) -> Callable[[Config], Config]:
    """The policy timeline without the changes of ``keys`` (``group.name``); changes that set a key to zero are kept
    when ``keep_zero`` (so the fund is withdrawn, not never to have existed)."""
    def adjust(cfg: Config) -> Config:
        events = []
        for ev in cfg.timeline:
            changes = [c for c in ev.changes if c.split("=")[0].strip() not in keys
                       or (keep_zero and float(c.split("=")[1]) == 0.0)]
            events.append(PolicyEvent(date=ev.date, changes=changes, note=ev.note, source=ev.source))
        return replace(cfg, timeline=events)
    return adjust


def no_special_measures(cfg: Config) -> Config:
    """No quality special measures: no places, and the 2013 placement of the Keogh trusts not made."""
    cfg = without_changes("regime.place_quality_special_measures", keep_zero=False)(cfg)
    return with_values(cfg, {"resources.places_quality_sm": 0.0})


NINETY_EIGHT = "2003-04"      # the month the era's standard moves to 98 % (see moving_standard)


def moving_standard(cfg: Config) -> Config:
    """The four-hour standard of the targets era: 90 % in 2002/03 (the milestone for the end of March 2003), 98 % from
    April 2003 (the next milestone was the target itself, 98 % by December 2004, and trusts were managed towards it
    week by week; no intermediate national milestone was found), 95 % from June 2010 (the standard relaxed; Scotland
    and Wales alike here, an approximation: Scotland kept 98 % to 2013).

    Sources: HSJ, 20 March 2003, “the end of March milestone that 90 per cent of patients should be admitted,
    transferred or discharged within four hours”; Public Accounts Committee, Sixteenth Report 2004-05 (HC 445), the
    Department “has been pro-actively managing NHS trust performance to ensure that, by December 2004, no one will
    spend longer than four hours in A&E” and “At the end of October 2004, around 70 trusts had consistently achieved
    the weekly mark of 98%”."""
    events = [PolicyEvent(date=NINETY_EIGHT, changes=["behaviour.target=0.98"], note="the four-hour standard at 98 %",
                          source="PAC HC 445 (2004-05): 98 % by December 2004, managed towards from April 2003"),
              PolicyEvent(date="2010-06", changes=["behaviour.target=0.95"], note="the standard relaxed to 95 %",
                          source="seed 004 L117 (the 95 % standard of the 2010s)")]
    return replace(cfg, timeline=[*cfg.timeline, *events])


def era(before: float, funding_after_2010: float | None = None) -> Callable[[Config], Config]:
    """The targets era started at ``before`` with the moving standard; with ``funding_after_2010``, that country's
    real funding growth from April 2010."""
    def adjust(cfg: Config) -> Config:
        cfg = moving_standard(start_at(before)(cfg))
        if funding_after_2010 is not None:
            event = PolicyEvent(date="2010-04", changes=[f"resources.funding_growth={funding_after_2010}"],
                                note="austerity: the country's own real funding growth", source="Appleby 2011; PESA 2015")
            cfg = replace(cfg, timeline=[*cfg.timeline, event])
        return cfg
    return adjust


def foundation_autonomy(cfg: Config) -> Config:
    """The replay with the freedoms of foundation status: foundation trusts hold earned autonomy at the level a
    well-rated body earns (``regulator.autonomy_reward``)."""
    return with_values(cfg, {"regime.foundation_autonomy": float(cfg.regulator.autonomy_reward)})


def switched(style: str) -> Callable[[Config], Config]:
    def adjust(cfg: Config) -> Config:
        return replace(cfg, counterfactual=replace(cfg.counterfactual, style=style, start=SWITCH))
    return adjust


ARMS = {a.name: a for a in [
    Arm("replay", tuple(REPLAY)),
    Arm("replay_no_fund", tuple(REPLAY), without_changes("regime.stf_share"), organisations=False),
    Arm("replay_no_special_measures", tuple(REPLAY), no_special_measures),
    Arm("replay_foundation_autonomy", tuple(REPLAY), foundation_autonomy, organisations=True),
    Arm("targets", tuple(TARGETS), era(0.77)),                      # NAO 2004: 23 % waited over four hours in 2002
    Arm("targets_15_eds", tuple(TARGETS), era(0.839)),              # Mason et al. 2012: 83.9 % in 2003
    Arm("targets_without_sanctions", tuple(WITHOUT_SANCTIONS), era(0.77)),
    *[Arm(f"decade_{country}", tuple("months=141" if o == "months=36" else o for o in overrides), era(0.77, funding))
      for country, (overrides, funding) in DECADE.items()],         # April 2002 to December 2013
    Arm("carrot_from_2014", tuple(SWITCHED), switched("carrot")),
    Arm("stick_from_2014", tuple(SWITCHED), switched("stick")),
]}


@cache
def base(name: str) -> Config:
    return compose(list(ARMS[name].overrides))


def config(name: str, values: dict[str, float], replicate: int) -> Config:
    """Arm ``name`` at the parameter ``values`` (``group.name``) and ``replicate``."""
    arm = ARMS[name]
    cfg = replace(with_values(base(name), values), replicate=int(replicate))
    return arm.adjust(cfg) if arm.adjust else cfg


class ArmRun:
    """One run of an arm, as the designs read it: the monthly table by column and date, and each organisation's
    state by month (``panel``: months x organisations)."""

    def __init__(self, record, engine, start: str):
        self.columns = record.model_columns()
        self.dates = [str(d) for d in self.columns["date"]]
        self.kind = engine.orgs.kind[engine.org_runs[record.run]]
        self.slot = engine.orgs.inspect_slot[engine.org_runs[record.run]]
        self.interval = int(engine.of_run(engine.beh.inspection_interval, record.run))
        self._record, self._own = record, engine.org_runs[record.run]
        self._panels: dict[str, np.ndarray] = {}
        self.start = start
        self.codes = engine.structure.orgs.code.to_numpy()
        self.foundation = engine.orgs.foundation[engine.org_runs[record.run]]

    def trust_series(self):
        """The run's trusts month by month (``experiments.evidence.trusts.TrustSeries``)."""
        from experiments.evidence.trusts import TrustSeries
        return TrustSeries(self.codes, self.kind, self.dates, self.panel("perf_reported"), self.panel("balance"))

    def month(self, date: str) -> int:
        return self.dates.index(date)

    def at(self, name: str, date: str) -> float:
        return float(self.columns[name][self.month(date)])

    def panel(self, name: str) -> np.ndarray:
        if name not in self._panels:
            frames = self._record.recorder.org_frames
            self._panels[name] = np.array([f[name][self._own] for f in frames])
        return self._panels[name]

    def of(self, *kinds: str) -> np.ndarray:
        return np.isin(self.kind, kinds)


def run_arm(name: str, values: list[dict[str, float]], replicates: list[int]) -> list[ArmRun]:
    """Arm ``name`` for several parameter sets, each at its replicate, as one batch of runs."""
    from abm.batch import Batch
    configs = [config(name, v, r) for v, r in zip(values, replicates, strict=True)]
    batch = Batch.of(configs, organisations=ARMS[name].organisations).run()
    start = str(pd.Period(configs[0].start, freq="M"))
    return [ArmRun(rec, batch, start) for rec in batch.recorders]
