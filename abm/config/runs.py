"""The configuration of a run as a whole (:class:`Config`) and what experiments, calibration and batches add to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from abm.config.behaviour import BehaviourConfig
from abm.config.fields import ConfigError, p
from abm.config.fields import check_month as _check_month
from abm.config.groups import InstitutionsConfig, RegimeConfig, RegulatorConfig, ResourcesConfig, ScenarioConfig  # noqa: F401
from abm.vocabulary import STYLES as REGULATOR_STYLES


@dataclass
class ExperimentConfig:
    name: str = p("", source="technical", doc="name of the experiment preset (conf/experiment/) that set up the sweep")
    baseline: str = p("", source="technical",
                      doc="setting the paired differences are taken against, as key=value (e.g. regulator.name=as_was_2016)")


@dataclass
class SensitivityParameter:
    name: str = ""
    low: float = 0.0
    high: float = 1.0


@dataclass
class SensitivityConfig:
    method: str = p("morris", choices=("morris", "sobol"), source="Morris 1991; Saltelli 2002",
                    doc="screening (Morris elementary effects) or variance-based (Sobol indices)")
    n: int = p(10, 1, 100_000, "technical", doc="Morris trajectories, or Sobol base samples (a power of 2)")
    parameters: list[SensitivityParameter] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "technical", "choices": None,
        "doc": "parameters to vary: list of {name: group.name, low, high}"})
    outcomes: list[str] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "technical", "choices": None,
        "doc": "model.parquet columns (end of run) to analyse"})
    assumptions: bool = p(False, source="technical",
                          doc="vary every numeric assumption of behaviour and regime over its prior "
                              "(experiments/calibration/fit.py) instead of the listed parameters")
    contrast: list[str] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "technical", "choices": None,
        "doc": "two styles [A, B]: analyse the paired difference A minus B of each outcome (same seed and replicate)"})


BUDGETS = ("smoke", "default", "long")
SAMPLERS = ("multicore", "dask")


@dataclass
class CalibrateConfig:
    """``python -m experiments calibrate``: screening and ABC-SMC against the observed England of 2013-2016.
    Zero means "as the budget says" (``experiments.calibration.calibrate.BUDGETS``)."""

    budget: str = p("default", choices=BUDGETS, source="technical",
                    doc="smoke (tests; under 3 minutes on 2 cores), default (under 45 minutes on 2 cores) or long")
    trajectories: int = p(0, 0, 1000, "technical", doc="Morris screening trajectories (0: the budget's)")
    max_parameters: int = p(0, 0, 104, "technical", doc="most parameters the ABC fits, by screening rank (0: budget's)")
    population: int = p(0, 0, 100_000, "technical", doc="ABC-SMC particles per generation (0: the budget's)")
    generations: int = p(0, 0, 100, "technical", doc="ABC-SMC generations (0: the budget's)")
    walltime_minutes: float = p(0.0, 0.0, 10_000.0, "technical", doc="stop the ABC after this long (0: the budget's)")
    predictive_draws: int = p(0, 0, 10_000, "technical", doc="posterior draws re-run for the predictive bands")
    width: int = p(32, 1, 4096, "technical", doc="particles evaluated together in one batch of runs on a worker")
    drop: float = p(0.5, 0.05, 0.95, "technical",
                    doc="share of particles replaced (by moved copies of the others) in each ABC-SMC generation")
    sampler: str = p("multicore", choices=SAMPLERS, source="technical",
                     doc="pyabc sampler: local processes, or a Dask cluster (local, or at calibrate.scheduler)")
    scheduler: str = p("", source="technical",
                       doc="address of a running Dask scheduler (e.g. one started on SLURM); empty: a local cluster")
    seed: int = p(0, 0, 2**31 - 1, "technical", doc="seed of the screening design and the ABC's random numbers")


@dataclass
class PosteriorConfig:
    """Which calibrated parameter set a run uses (``abm/data/posterior.csv``, from ``experiments.calibration.calibrate``)."""

    draw: int = p(-1, -1, 100_000, "technical",
                  doc="-1: the schema's defaults (the posterior's medoid); K: the calibrated parameters of draw K")
    best: bool = p(False, source="technical", doc="use the single best particle (smallest distance) instead")

    def __post_init__(self) -> None:
        if self.best is True and isinstance(self.draw, int) and self.draw >= 0:
            raise ConfigError(f"posterior.best=true contradicts posterior.draw={self.draw}: choose one")


@dataclass
class BatchConfig:
    """How many runs one job does, in one process (``abm.batch``): consecutive replicates from ``replicate`` and
    consecutive posterior draws from ``posterior.draw``. Each run is written as its own complete-or-absent result,
    identical to the same run done alone."""

    replicates: int = p(1, 1, 10_000, "technical", doc="runs of consecutive replicates, from `replicate`, in this job")
    draws: int = p(1, 1, 100_000, "technical",
                   doc="runs of consecutive posterior draws, from `posterior.draw` (which must then be a draw, not -1)")
    width: int = p(32, 1, 4096, "technical",
                   doc="replicates advanced together in one set of arrays (memory grows with it; see docs/performance.md)")


@dataclass
class PolicyEvent:
    """A dated change of parameters: ``changes`` are ``group.name=value`` strings (regulator.*, resources.*,
    institutions.*, behaviour.* or regime.*)."""
    date: str = ""
    changes: list[str] = field(default_factory=list)
    note: str = ""
    source: str = ""


@dataclass
class CounterfactualConfig:
    style: str = p("", choices=("", *REGULATOR_STYLES), source="technical",
                   doc="swap in this regulatory style (its preset) from `start`, ignoring later regulator events")
    start: str = p("", source="technical", doc="YYYY-MM from which the counterfactual style applies")

    def __post_init__(self) -> None:
        if self.style:
            _check_month("counterfactual.start", self.start, required=True)


@dataclass
class Config:
    seed: int = p(0, 0, 2**31 - 1, "technical", doc="master seed: with the replicate, fixes every random stream")
    start: str = p("2016-04", source="technical", doc="calendar month (YYYY-MM) of month 0")
    replicate: int = p(0, 0, 1_000_000, "technical",
                       doc="replicate index; settings compared at the same seed and replicate share random streams")
    months: int = p(47, 1, 1200, "technical",
                    doc="horizon in months from the start (47 from April 2016: to March 2020, as the headline, before "
                        "the COVID-19 regime; the long-run bounds use 60, the replay 111)")
    run_id: str = p("", source="technical", doc="label of the run; derived from the config and seed when empty")
    write_organisations: bool = p(True, source="technical",
                                  doc="write organisations.parquet (one row per organisation per month)")
    write_network: bool = p(True, source="technical",
                            doc="write network.parquet (the relationships and their trust at the end of the run)")
    write_figures: bool = p(False, source="technical",
                            doc="python -m abm: also draw the run's key outcomes month by month (figures.png)")
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    regulator: RegulatorConfig = field(default_factory=RegulatorConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    resources: ResourcesConfig = field(default_factory=ResourcesConfig)
    institutions: InstitutionsConfig = field(default_factory=InstitutionsConfig)
    regime: RegimeConfig = field(default_factory=RegimeConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    timeline: list[PolicyEvent] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "conf/scenario/england_2013.yaml", "choices": None,
        "doc": "dated policy events that change regulator or behaviour parameters"})
    counterfactual: CounterfactualConfig = field(default_factory=CounterfactualConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)
    posterior: PosteriorConfig = field(default_factory=PosteriorConfig)
    batch: BatchConfig = field(default_factory=BatchConfig)

