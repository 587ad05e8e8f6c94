"""Many runs in one job: runs advanced together in one set of arrays, whether they differ in random numbers only
(replicates) or in their numeric parameters too (posterior draws, ABC particles, Sobol samples).

:class:`Batch` is the engine (:mod:`abm.engine`) with R runs side by side, each with its own random streams, its own
state and its own configuration (which may differ from the others' in numbers only: :mod:`abm.params`), in one set
of arrays, so that every numpy pass of a month serves all R runs. The structure of the scenario is built once
(:func:`abm.scenarios.build`). A run gives the same tables, to the last bit, batched or alone, whatever the company
it keeps (``tests/test_batch.py``).

A Hydra job with ``batch.replicates=K`` (and/or ``batch.draws=D``) runs ``replicate, replicate+1, ...`` for each of
the draws ``posterior.draw, posterior.draw+1, ...``: all its runs go through :class:`Batch` together, ``batch.width``
at a time; Hydra's per-job cost (composing, logging, ``.hydra/``) and the worker's imports are paid once for all of
them. Each run is the configuration the single job ``replicate=r posterior.draw=d`` would have (``batch`` at its
defaults), so its tables, ``config_resolved.json`` and result key are that job's, and it is written as its own
complete-or-absent result in ``<job dir>/r<replicate>`` (``d<draw>_r<replicate>`` when draws are batched): a killed
batch resumes run by run, and ``experiments.sweeps.compare`` reads batched and single results alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from abm import metrics, posterior
from abm.config import BatchConfig, Config, ConfigError, PosteriorConfig
from abm.engine import Engine, prepare, seeds
from abm.layout import grouped_layout
from abm.run import arrow_tables, is_complete, run_job, tables_of


class Batch(Engine):
    """R runs stepped together. ``Batch(config, replicates)``: replicates of one configuration (optionally one master
    seed per run in ``seed_of``; otherwise ``config.seed`` for all; ``config.replicate`` is ignored).
    ``Batch.of(configs)``: any runs that differ in numbers only (each configuration's own seed and replicate).
    ``batch.run()`` runs them all; ``batch.tables(k)`` gives run k's tables as ``abm.run.simulate`` would."""

    def __init__(self, config: Config, replicates: Sequence[int], organisations: bool | None = None,
                 seed_of: Sequence[int] | None = None):
        if len(replicates) == 0:
            raise ConfigError("a batch needs at least one replicate")
        seed_of = [int(config.seed)] * len(replicates) if seed_of is None else [int(x) for x in seed_of]
        if len(seed_of) != len(replicates):
            raise ConfigError(f"a batch of {len(replicates)} replicates needs as many seeds, not {len(seed_of)}")
        self._start([replace(config, seed=sd, replicate=int(r)) for sd, r in zip(seed_of, replicates, strict=True)],
                    organisations)

    @classmethod
    def of(cls, configs: Sequence[Config], organisations: bool | None = None) -> Batch:
        """A batch of the runs ``configs`` (each with its own seed, replicate, posterior draw and numeric parameters;
        everything else shared, or :class:`abm.config.ConfigError` says what is not)."""
        if len(configs) == 0:
            raise ConfigError("a batch needs at least one run")
        batch = cls.__new__(cls)
        batch._start(list(configs), organisations)
        return batch

    def _start(self, configs: list[Config], organisations: bool | None) -> None:
        self.bases = [posterior.apply(c) for c in configs]     # the runs' own configurations (parameter columns)
        prepared = [prepare(c) for c in configs]
        runs = [seeds(c.seed, c.replicate) for c in prepared]
        self.seed_of = [int(c.seed) for c in prepared]
        self._setup(prepared, [np.random.default_rng(s) for s, _ in runs], [st for _, st in runs])
        own = self.org_runs[0]
        self.layout = grouped_layout(self.orgs.stp[own], self.orgs.region[own], self.orgs.kind[own])
        self._initialise()
        keep = prepared[0].write_organisations if organisations is None else organisations
        self.recorder = metrics.Recorder(self, collector=False, organisations=keep)
        self.recorders = [metrics.RunRecord(self.recorder, r) for r in range(self.R)]
        self.recorder.collect()

    def step(self) -> None:
        self.advance()
        self.recorder.collect()

    def run(self) -> Batch:
        while self.t < self.months:
            self.step()
        return self

    def config_of(self, k: int) -> Config:
        """Run k's configuration, as a single run of it would be configured."""
        return replace(self.bases[k], batch=BatchConfig())

    def tables(self, k: int) -> dict[str, pd.DataFrame]:
        return tables_of(self.recorders[k], self.config_of(k))

    def arrow_tables(self, k: int) -> dict[str, pa.Table]:
        """Run k's tables in the form they are written in (``abm.run.arrow_tables``)."""
        return arrow_tables(self.recorders[k], self.config_of(k))


def expand(config: Config) -> list[Config]:
    """The runs of a batch job, each a single-run configuration (``batch`` at its defaults)."""
    b = config.batch
    if b.draws > 1 and config.posterior.draw < 0:
        raise ConfigError(f"batch.draws={b.draws} needs posterior.draw to be the first draw (0 or more), "
                          f"not {config.posterior.draw}")
    draws = [config.posterior.draw + k for k in range(b.draws)] if b.draws > 1 else [config.posterior.draw]
    table = posterior.table() if b.draws > 1 else None
    if table is not None and draws[-1] >= len(table):
        raise ConfigError(f"batch.draws={b.draws} from posterior.draw={draws[0]} reaches draw {draws[-1]}; allowed: "
                          f"draws 0..{len(table) - 1}")
    return [replace(config, replicate=config.replicate + k, batch=BatchConfig(),
                    posterior=PosteriorConfig(draw=draw, best=config.posterior.best))
            for draw in draws for k in range(b.replicates)]


def run_dir(outdir: Path, config: Config, batch: BatchConfig) -> Path:
    """Where one run of a batch writes: the job directory itself for a batch of one."""
    if batch.replicates == 1 and batch.draws == 1:
        return Path(outdir)
    name = f"r{config.replicate}" if batch.draws == 1 else f"d{config.posterior.draw}_r{config.replicate}"
    return Path(outdir) / name


def run_batch(config: Config, outdir: Path) -> Iterator[tuple[Config, Path, bool, dict[str, pa.Table] | None]]:
    """Run (or skip, when already complete) every run of the batch job; yields (run config, its directory, ran,
    its tables as written, in Arrow). The unfinished runs, whatever their draw, are stepped together,
    ``batch.width`` at a time."""
    todo = []
    for run in expand(config):
        where = run_dir(outdir, run, config.batch)
        if is_complete(where, run):
            yield run, where, False, None
        else:
            todo.append((run, where))
    width = config.batch.width
    for i in range(0, len(todo), width):
        chunk = todo[i:i + width]
        batch = Batch.of([run for run, _ in chunk]).run()
        for k, (run, where) in enumerate(chunk):
            ran, written = run_job(run, where, batch.arrow_tables(k))
            yield run, where, ran, written
